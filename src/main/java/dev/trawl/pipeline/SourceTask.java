package dev.trawl.pipeline;

/**
 * One source's work for one context: its sink and scratch, resubmitted for every request. Owned by
 * the context's {@link SourceFanOut}, which arms, submits, awaits and merges it; the hand-off protocol
 * is {@link HandOff}'s. A task still running for an abandoned request is replaced by a fresh task
 * with its own sink and scratch, so a late source only ever writes into a sink nobody reads.
 */
final class SourceTask extends HandOff {
  final RequestContext ctx;
  private final SourceFanOut fanOut;
  final int sourceIndex;
  final CandidateSource source;
  final CandidateSink sink;

  SourceTask(RequestContext ctx, SourceFanOut fanOut, int sourceIndex, CandidateSource source,
      Object scratch, int capacity, StageMetrics metrics, NanoClock clock) {
    super(metrics, clock);
    this.ctx = ctx;
    this.fanOut = fanOut;
    this.sourceIndex = sourceIndex;
    this.source = source;
    this.sink = new CandidateSink(capacity, scratch);
  }

  /** Prepares the task for {@code generation}; the caller then runs or submits it. */
  void arm(long generation) {
    sink.clear();
    armFor(generation);
  }

  @Override
  void work() {
    source.fetch(ctx, sink);
  }

  @Override
  Thread waiter() {
    return fanOut.waiter;
  }
}
