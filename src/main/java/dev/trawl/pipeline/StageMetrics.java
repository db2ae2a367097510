package dev.trawl.pipeline;

import dev.trawl.collect.StripedCounters;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Live counters and latency recorder of one stage (or of the whole request), bound when the pipeline
 * is built. Recording is wait-free from any thread and allocates nothing: counters striped by thread
 * in one {@link StripedCounters} group (every stripe allocated when the stage is built) and an
 * HdrHistogram {@link Recorder} whose interval histograms are folded into a cumulative one when a
 * snapshot is taken.
 */
final class StageMetrics {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

  final String name;
  final StageKind kind;
  private final StripedCounters counters = new StripedCounters(12);
  final StripedCounters.Counter calls = counters.newCounter();
  final StripedCounters.Counter skipped = counters.newCounter();
  final StripedCounters.Counter failures = counters.newCounter();
  final StripedCounters.Counter timeouts = counters.newCounter();
  final StripedCounters.Counter candidatesIn = counters.newCounter();
  final StripedCounters.Counter candidatesOut = counters.newCounter();
  final StripedCounters.Counter invalid = counters.newCounter();
  final StripedCounters.Counter duplicates = counters.newCounter();
  final StripedCounters.Counter totalNanos = counters.newCounter();
  /** Calls abandoned at the deadline while still running (cumulative). */
  final StripedCounters.Counter hung = counters.newCounter();
  /** Calls refused without running: too many still hung, or the pool refused the task. */
  final StripedCounters.Counter rejected = counters.newCounter();
  /** Calls that found their stage at its thread bound and waited in the stage's queue. */
  final StripedCounters.Counter deferred = counters.newCounter();
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
