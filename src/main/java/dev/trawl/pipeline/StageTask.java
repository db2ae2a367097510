package dev.trawl.pipeline;

/**
 * One blocking stage's work for one context (a query hydrator, candidate stage or side effect whose
 * {@link Stage#mayBlock()} is true), handed to the pipeline's stage pool so the request thread can
 * stop waiting at the deadline; the protocol is {@link HandOff}'s. The request thread sets the batch
 * and result to work on when it arms the task and reads them again only after seeing {@code DONE}.
 * A task abandoned while running keeps the batch, scratch and query features it was given; the
 * request thread detaches the context from them ({@link RequestContext#detachFrom}) and the task is
 * replaced before its next use. It reaches the pool only through its stage's {@link StageBulkhead}.
 */
final class StageTask extends HandOff {
  final RequestContext ctx;
  final ConfiguredStage stage;
  final Object scratch;
  /** The stage's bound on the pool; the task holds one of its permits while handed to the pool. */
  final StageBulkhead bulkhead;
  private CandidateBatch batch;
  private PipelineResult out;
  private Thread waiter;

  StageTask(RequestContext ctx, ConfiguredStage stage, Object scratch, NanoClock clock,
      StageBulkhead bulkhead) {
    super(stage.metrics, clock);
    this.ctx = ctx;
    this.stage = stage;
    this.scratch = scratch;
    this.bulkhead = bulkhead;
  }

  /** Prepares the task for {@code generation} on {@code batch} (plain writes published by the arm). */
  void arm(long generation, CandidateBatch batch, PipelineResult out, Thread waiter) {
    this.batch = batch;
    this.out = out;
    this.waiter = waiter;
    armFor(generation);
  }

  @Override
  void work() {
    final Thread self = Thread.currentThread();
    final WorkerPool.WorkerThread worker =
        self instanceof WorkerPool.WorkerThread ? (WorkerPool.WorkerThread) self : null;
    if (worker != null) {
      worker.stageScratch = scratch;
    }
    try {
      RequestExecution.invoke(stage, ctx, batch, out);
    } finally {
      if (worker != null) {
        worker.stageScratch = null;
      }
    }
  }

  @Override
  void leftPool() {
    bulkhead.release();
  }

  @Override
  Thread waiter() {
    return waiter;
  }
}
