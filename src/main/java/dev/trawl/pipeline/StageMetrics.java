package dev.trawl.pipeline;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Live counters and latency recorder of one stage (or of the whole request), bound when the pipeline
 * is built. Recording is wait-free from any thread: {@link LongAdder} counters (which spread
 * contended updates over per-CPU cells, allocated once when contention is first seen) and an
 * HdrHistogram {@link Recorder} whose interval histograms are folded into a cumulative one when a
 * snapshot is taken.
 */
final class StageMetrics {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  final String name;
  final StageKind kind;
  final LongAdder calls = new LongAdder();
  final LongAdder skipped = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder candidatesIn = new LongAdder();
  final LongAdder candidatesOut = new LongAdder();
  final LongAdder invalid = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder totalNanos = new LongAdder();
  /** Calls abandoned at the deadline while still running (cumulative). */
  final LongAdder hung = new LongAdder();
  /** Calls refused without running: too many still hung, or the pool refused the task. */
  final LongAdder rejected = new LongAdder();
  /** Calls that found their stage at its thread bound and waited in the stage's queue. */
  final LongAdder deferred = new LongAdder();
  /** Abandoned calls whose work has not returned yet (a gauge; see {@link HandOff}). */
  final AtomicInteger stillHung = new AtomicInteger();
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
    totalNanos.add(v);
  }

  void recordCounts(int in, int out) {
    calls.increment();
    candidatesIn.add(in);
    candidatesOut.add(out);
  }

  synchronized StageStats snapshot() {
    interval = recorder.getIntervalHistogram(interval);
    cumulative.add(interval);
    return new StageStats(name, kind, calls.sum(), skipped.sum(), failures.sum(), timeouts.sum(),
        candidatesIn.sum(), candidatesOut.sum(), invalid.sum(), duplicates.sum(), totalNanos.sum(),
        hung.sum(), rejected.sum(), stillHung.get(), deferred.sum(), cumulative.copy());
  }
}
