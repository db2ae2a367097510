package dev.trawl.shadow;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageKind;
import dev.trawl.pipeline.StageStats;
import dev.trawl.pipeline.Trace;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ShadowLane} that runs a {@link Pipeline}: {@link #live} for in-process shadowing (the
 * host's {@link RequestContext} is copied with {@link RequestContext#copyInputsFrom}), {@link #replay}
 * for recorded requests.
 *
 * <p><b>Side effects are suppressed by construction:</b> a lane refuses a pipeline that has
 * side-effect stages, so the host builds its shadow instances without them (usually the same factory
 * with a "shadow" switch). Build shadow pipelines with {@code sourcesOnCallerThread()} too, so a
 * shadow run stays on the shadow worker instead of competing for the live pipelines' source pool.
 *
 * <p>Seeds: the context keeps the captured request's seed, XOR-ed with the run's salt (0 for the
 * candidate, {@link ShadowMode#NOISE_SEED_SALT} for the A/A re-run).
 *
 * <p>As {@link CumulativeStats} it reports the pipeline's per-filter funnel and per-stage latency
 * over a window, from the pipeline's own metrics: give each lane its own pipeline instance.
 *
 * <p><b>Thread-safe</b> (per-job state holds the context and result). <b>Allocation:</b> none per run
 * in steady state (the pipeline's own guarantee), except with {@code traceFunnel}, which switches on
 * the pipeline's trace for every run to record each filter's funnel: meant for offline replay.
 */
public final class PipelineLane<H> implements ShadowLane<H, PipelineLane.State>, CumulativeStats {
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
  private final int[] sourceSlots;
  private final Copier<H> copier;
  private final Feature[] attributes;
  private final boolean traceFunnel;
  private final ShadowSchema schema;

  private PipelineLane(Pipeline pipeline, ShadowSchema schema, Copier<H> copier, Feature[] attributes,
      boolean traceFunnel) {
    rejectSideEffects(pipeline);
    this.pipeline = pipeline;
    this.schema = schema;
    this.sourceSlots = PipelineShadow.sourceSlots(pipeline, schema);
    this.copier = copier;
    this.attributes = attributes.clone();
    this.traceFunnel = traceFunnel;
  }

  /**
   * A lane for in-process shadowing of live requests.
   *
   * @throws IllegalArgumentException if the pipeline has side-effect stages or sources not in the schema
   */
  public static PipelineLane<RequestContext> live(Pipeline pipeline, ShadowSchema schema) {
    return new PipelineLane<>(pipeline, schema, (request, into, attrs) -> into.copyInputsFrom(request),
        new Feature[0], false);
  }

  /**
   * A lane for replaying recorded requests; recorded attributes are applied to the query features
   * with the same name among {@code attributes}.
   *
   * @param traceFunnel whether to trace each run to record the filter funnel (allocates)
   * @throws IllegalArgumentException if the pipeline has side-effect stages or sources not in the schema
   */
  public static PipelineLane<RequestRecord> replay(
      Pipeline pipeline, ShadowSchema schema, boolean traceFunnel, Feature... attributes) {
    return new PipelineLane<>(pipeline, schema, PipelineShadow::apply, attributes, traceFunnel);
  }

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
    if (traceFunnel) {
      ctx.traceNextRequest();
    }
    pipeline.execute(ctx, state.result);
    PipelineShadow.copyPage(state.result, sourceSlots, out);
    if (traceFunnel && state.result.trace() != null) {
      funnel(state.result.trace(), out);
    }
  }

  /** A snapshot of the pipeline's metrics (see {@link CumulativeStats}). */
  @Override
  public Object mark() {
    return pipeline.metrics();
  }

  /** Adds the pipeline's filter funnels and stage latencies since {@code mark} to one side. */
  @Override
  public void addSince(Object mark, ComparisonWindow window, int side) {
    PipelineShadow.addMetricsSince(pipeline, (MetricsSnapshot) mark, schema, window, side);
  }

  private void funnel(Trace trace, RunRecord out) {
    for (Trace.Step step : trace.steps()) {
      if (step.kind() != StageKind.FILTER) {
        continue;
      }
      final int slot = schema.filterSlot(step.stage());
      if (slot >= 0 && step.outcome() == Trace.Outcome.RAN) {
        final int in = step.idsIn().length;
        out.filterCounts(slot, in, in - step.idsOut().length);
      }
    }
  }

  private static void rejectSideEffects(Pipeline pipeline) {
    final List<String> effects = new ArrayList<>();
    for (StageStats s : pipeline.metrics().stages()) {
      if (s.kind() == StageKind.SIDE_EFFECT) {
        effects.add(s.name());
      }
    }
    if (!effects.isEmpty()) {
      throw new IllegalArgumentException("pipeline '" + pipeline.name() + "' has side-effect stages "
          + effects + "; shadow runs must not have side effects: build the shadow instance without them");
    }
  }
}
