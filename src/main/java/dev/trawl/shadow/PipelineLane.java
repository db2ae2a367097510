package dev.trawl.shadow;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;

/**
 * A {@link ShadowLane} that runs a {@link Pipeline}: {@link #live} for in-process shadowing (the
 * host's {@link RequestContext} is copied with {@link RequestContext#copyInputsFrom}), {@link #replay}
 * for recorded requests.
 *
 * <p><b>Side effects are suppressed per request:</b> every run is a
 * {@linkplain RequestContext#shadow(boolean) shadow request}, which skips the pipeline's
 * {@link dev.trawl.pipeline.SideEffect} stages (counted as skipped in the pipeline's metrics) and
 * serves the page the same request gets with them on. So the lane may run the very pipeline the host
 * serves with, or an instance of it from the same factory. Build shadow instances with
 * {@code sourcesOnCallerThread()}, so a shadow run stays on the shadow worker instead of competing
 * for the live pipelines' source pool.
 *
 * <p>Seeds: the context keeps the captured request's seed, XOR-ed with the run's salt (0 for the
 * candidate, {@link ShadowMode#NOISE_SEED_SALT} for the A/A re-run).
 *
 * <p>Each run reports its own per-stage latencies and per-rule funnel (candidates in, removed),
 * from the context's {@link RequestContext#lastRequest()}, so they are compared per request and
 * paired, like the page metrics.
 *
 * <p><b>Thread-safe</b> (per-job state holds the context and result). <b>Allocation:</b> none per run
 * in steady state (the pipeline's own guarantee).
 */
public final class PipelineLane<H> implements ShadowLane<H, PipelineLane.State> {
  /** A job's pipeline context and result; owned by one job at a time (not thread-safe). */
  public static final class State {
    final RequestContext ctx;
    final PipelineResult result = new PipelineResult();

    State(Pipeline pipeline) {
      ctx = pipeline.newContext();
    }
  }

  /** Copies a host request into a context of the lane's pipeline. */
  @FunctionalInterface
  private interface Copier<H> {
    void copy(H request, RequestContext into, Feature[] attributes);
  }

  private final Pipeline pipeline;
  private final PipelineRunMapping indexes;
  private final Copier<H> copier;
  private final Feature[] attributes;

  private PipelineLane(Pipeline pipeline, ShadowSchema schema, Copier<H> copier, Feature[] attributes) {
    this.pipeline = pipeline;
    this.indexes = new PipelineRunMapping(pipeline, schema);
    this.copier = copier;
    this.attributes = attributes.clone();
  }

  /**
   * A lane for in-process shadowing of live requests.
   *
   * @param pipeline the candidate pipeline
   * @param schema the names both pipelines are reported under
   * @return a new lane
   * @throws IllegalArgumentException if the pipeline has sources not in the schema
   */
  public static PipelineLane<RequestContext> live(Pipeline pipeline, ShadowSchema schema) {
    return new PipelineLane<>(pipeline, schema, (request, into, attrs) -> into.copyInputsFrom(request),
        new Feature[0]);
  }

  /**
   * A lane for replaying recorded requests; recorded attributes are applied to the query features
   * with the same name among {@code attributes}. Every run reports its rule funnel and stage
   * latencies.
   *
   * @param pipeline the pipeline replayed
   * @param schema the names both pipelines are reported under
   * @param attributes the query features recorded attributes may set
   * @return a new lane
   * @throws IllegalArgumentException if the pipeline has sources not in the schema
   */
  public static PipelineLane<RequestRecord> replay(
      Pipeline pipeline, ShadowSchema schema, Feature... attributes) {
    return new PipelineLane<>(pipeline, schema, PipelineShadow::apply, attributes);
  }

  /**
   * {@return the pipeline this lane runs}
   */
  public Pipeline pipeline() {
    return pipeline;
  }

  @Override
  public State newState() {
    return new State(pipeline);
  }

  @Override
  public void capture(H request, State state) {
    copier.copy(request, state.ctx, attributes);
  }

  @Override
  public void run(State state, long seedSalt, RunRecord out) {
    final RequestContext ctx = state.ctx;
    if (seedSalt != 0) {
      ctx.seed(ctx.seed() ^ seedSalt);
    }
    pipeline.execute(ctx.shadow(true), state.result);
    indexes.copy(state.result, ctx.lastRequest(), out);
  }
}
