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

  /** Features this stage reads; each must be written by an earlier stage (checked at build). */
  default Feature[] reads() {
    return NONE;
  }

  /** Features this stage writes (for a source: the built-in columns it fills for every candidate). */
  default Feature[] writes() {
    return NONE;
  }

  /**
   * Per-context scratch (searchers, buffers), created once per {@link RequestContext}, never shared
   * between threads at the same time. Called at context creation, never on the request path.
   */
  default Object newScratch() {
    return null;
  }
}
