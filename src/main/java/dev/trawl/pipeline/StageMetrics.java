package dev.trawl.pipeline;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Live counters and latency recorder of one stage (or of the whole request), bound when the pipeline
 * is built. Recording is wait-free and allocation-free from any thread: atomic counters and an
 * HdrHistogram {@link Recorder} whose interval histograms are folded into a cumulative one when a
 * snapshot is taken.
 */
final class StageMetrics {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  final String name;
  final StageKind kind;
  final AtomicLong calls = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong failures = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong candidatesIn = new AtomicLong();
  final AtomicLong candidatesOut = new AtomicLong();
  final AtomicLong invalid = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong totalNanos = new AtomicLong();
  private final Recorder recorder = new Recorder(MAX_NANOS, 2);
  private final Histogram cumulative = new Histogram(MAX_NANOS, 2);
  private Histogram interval;

  StageMetrics(String name, StageKind kind) {
    this.name = name;
    this.kind = kind;
  }

  void recordLatency(long nanos) {
    final long v = nanos < 0 ? 0 : Math.min(nanos, MAX_NANOS);
    recorder.recordValue(v);
    totalNanos.addAndGet(v);
  }

  void recordCounts(int in, int out) {
    calls.incrementAndGet();
    candidatesIn.addAndGet(in);
    candidatesOut.addAndGet(out);
  }

  synchronized StageStats snapshot() {
    interval = recorder.getIntervalHistogram(interval);
    cumulative.add(interval);
    return new StageStats(name, kind, calls.get(), skipped.get(), failures.get(), timeouts.get(),
        candidatesIn.get(), candidatesOut.get(), invalid.get(), duplicates.get(), totalNanos.get(),
        cumulative.copy());
  }
}
