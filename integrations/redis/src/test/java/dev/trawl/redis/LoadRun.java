package dev.trawl.redis;

import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Request threads that keep sending requests (each a new range of loaded posts) and record every
 * request's outcome, while the test does something to the server. Bounded: stops when told, or after two minutes at most.
 */
final class LoadRun implements AutoCloseable {
  /** One request's outcome. */
  record Outcome(long startNanos, long elapsedNanos, boolean degraded, int rows, int fullRows,
      int defaultRows) {}

  private final RedisFeed feed;
  private final int perRequest;
  private final AtomicLong nextId;
  private final long idLimit;
  private final List<List<Outcome>> outcomes = new ArrayList<>();
  private final Thread[] threads;
  private final AtomicReference<Throwable> error = new AtomicReference<>();
  private volatile boolean running = true;

  LoadRun(RedisFeed feed, int threads, int perRequest, long firstId, long idLimit) {
    this.feed = feed;
    this.perRequest = perRequest;
    this.nextId = new AtomicLong(firstId);
    this.idLimit = idLimit;
    this.threads = new Thread[threads];
    final long stopAt = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    for (int t = 0; t < threads; t++) {
      final List<Outcome> mine = new ArrayList<>();
      outcomes.add(mine);
      this.threads[t] = new Thread(() -> {
        try {
          final RequestContext ctx = feed.pipeline.newContext();
          final PipelineResult page = new PipelineResult();
          final RedisFeed.Request r = new RedisFeed.Request(perRequest);
          while (running && System.nanoTime() < stopAt) {
            // ranges cycle through the loaded posts; with no near cache each one goes to Redis
            final long from = Math.floorMod(nextId.getAndAdd(perRequest), idLimit - perRequest);
            r.range(from, perRequest);
            final long start = System.nanoTime();
            final boolean degraded = feed.run(ctx, page, r);
            final long elapsed = System.nanoTime() - start;
            mine.add(new Outcome(start, elapsed, degraded, r.rows, r.fullRows(), r.defaultRows()));
            // a paced client: busy request threads would starve the parked ones of CPU, and the test
            // would measure the run queue instead of the fetch stage
            Thread.sleep(1);
          }
        } catch (Throwable e) {
          error.set(e);
        }
      }, "load-" + t);
      this.threads[t].start();
    }
  }

  /** Stops the threads and returns every outcome, in start order. */
  List<Outcome> stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join();
    }
    if (error.get() != null) {
      throw new AssertionError("a request thread failed", error.get());
    }
    final List<Outcome> all = new ArrayList<>();
    outcomes.forEach(all::addAll);
    all.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
    return all;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join();
    }
  }

  static void sleepMillis(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }
}
