package dev.trawl.pipeline;

/**
 * What every stage may declare, on top of its one work method. All methods have defaults, so a
 * stage can be a lambda; a stage that reads or writes features (or needs scratch) is a small class.
 *
 * <p>Stages are <b>immutable and shared by every request thread</b>: keep configuration in final
 * fields and per-request state in the scratch object ({@link #newScratch()}), which the pipeline
 * creates once per {@link RequestContext} and hands back on every request through
 * {@link RequestContext#scratch()} (or {@link CandidateSink#scratch()} for sources).
 */
public interface Stage {
  /** An empty declaration, for implementations to return. */
  Feature[] NONE = new Feature[0];

  /**
   * Features this stage reads; each must be written by an earlier stage (checked at build).
   *
   * @return the features read, {@link #NONE} by default; called once, when the pipeline is built
   */
  default Feature[] reads() {
    return NONE;
  }

  /**
   * Features this stage writes (for a source: the built-in columns it fills for every candidate).
   *
   * @return the features written, {@link #NONE} by default; called once, when the pipeline is built
   */
  default Feature[] writes() {
    return NONE;
  }

  /**
   * Whether a call may block or run long (I/O, a remote store, a lock, an unbounded loop): such a
   * stage runs on the pipeline's stage pool ({@link PipelineBuilder#blockingStagesOn}), and the
   * request stops waiting for it at the deadline plus {@linkplain PipelineBuilder#deadlineSlack the
   * slack}, whatever the stage does. Return {@code false} for pure computation (scorers, rules,
   * selectors over the batch): the stage then runs on the request thread, with no hand-off and no
   * allocation, and cannot be abandoned. Default {@code true}: a stage is trusted to be quick only
   * when it says so. Ignored for sources, which run where {@link PipelineBuilder#sourcesOn} says.
   *
   * <p>A stage abandoned while still running keeps the batch, scratch and query features it was
   * given (the context continues with copies) and its thread is interrupted; its result is never
   * read. It must not change the context's inputs (id sets, attachment), which are not copied.
   *
   * @return true when the stage must run on the stage pool, false when it may run on the request
   *     thread
   */
  default boolean mayBlock() {
    return true;
  }

  /**
   * Per-context scratch (searchers, buffers), created once per {@link RequestContext}, never shared
   * between threads at the same time. Called at context creation, never on the request path.
   *
   * @return a new scratch object for one context, or null (the default) for none
   */
  default Object newScratch() {
    return null;
  }
}
