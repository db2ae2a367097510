package dev.trawl.pipeline.testkit;

import dev.trawl.pipeline.NanoClock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that only moves when told to, for deterministic deadline and timeout tests (with
 * {@link dev.trawl.pipeline.PipelineBuilder#sourcesOnCallerThread()}: a worker pool waits in real
 * time). A stage can call {@link #advance} to pretend it was slow. Thread-safe; allocation-free.
 */
public final class FakeClock implements NanoClock {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long nanoTime() {
    return now.get();
  }

  /** Moves the clock forward. */
  public void advance(long amount, TimeUnit unit) {
    now.addAndGet(unit.toNanos(amount));
  }
}
