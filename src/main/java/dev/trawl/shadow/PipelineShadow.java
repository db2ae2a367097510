package dev.trawl.shadow;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.IdSet;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageKind;
import dev.trawl.pipeline.StageStats;

/**
 * Glue between {@link Pipeline}s and shadow testing: a schema naming both pipelines' sources and
 * rules, a recorder for the primary's answer, and a capture that records live requests. Lanes are
 * made by {@link PipelineLane}.
 *
 * <pre>{@code
 * ShadowSchema schema = PipelineShadow.schema(primary, candidate);
 * ShadowMode<RequestContext, PipelineResult> shadow = ShadowMode
 *     .builder(schema, PipelineShadow.recorder(primary, schema), PipelineLane.live(candidate, schema))
 *     .noiseFloor(PipelineLane.live(primaryCopy, schema))
 *     .sampleRate(0.05).build();
 * }</pre>
 *
 * <p><b>Thread-safety and allocation:</b> the factories allocate and are for set-up; the recorder and
 * capture they return are stateless, thread-safe and allocation-free.
 */
public final class PipelineShadow {
  private PipelineShadow() {}

  /**
   * The union of the pipelines' source, rule and stage names, in declaration order. Side-effect
   * stages are left out: shadow lanes skip them, so there is nothing to compare.
   *
   * @param pipelines the pipelines compared
   * @return a new schema
   */
  public static ShadowSchema schema(Pipeline... pipelines) {
    final ShadowSchema.Builder b = ShadowSchema.builder();
    for (Pipeline p : pipelines) {
      b.source(p.sourceNames().toArray(new String[0]));
    }
    for (Pipeline p : pipelines) {
      for (StageStats s : p.metrics().stages()) {
        if (s.kind() == StageKind.RULE) {
          b.rule(s.name());
        }
        if (s.kind() != StageKind.SIDE_EFFECT) {
          b.stage(s.name());
        }
      }
    }
    return b.build();
  }

  /**
   * Records the primary's page into a run record, with the per-stage latencies and rule funnels of
   * the same request from the context's {@link RequestContext#lastRequest()}: offer the request to
   * the shadow before the context runs its next request.
   *
   * @param primary the primary pipeline
   * @param schema the names both pipelines are reported under
   * @return a new recorder
   * @throws IllegalArgumentException if a source of {@code primary} is not in {@code schema}
   */
  public static PipelineRecorder recorder(Pipeline primary, ShadowSchema schema) {
    return new PipelineRecorder(primary, schema);
  }

  /** The primary's recorder: see {@link #recorder}. Thread-safe; {@code record} allocates nothing. */
  public static final class PipelineRecorder implements PrimaryRecorder<RequestContext, PipelineResult> {
    private final PipelineRunMapping indexes;

    private PipelineRecorder(Pipeline pipeline, ShadowSchema schema) {
      this.indexes = new PipelineRunMapping(pipeline, schema);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code request} is a context of a pipeline whose stages
     *     are not the recorder's pipeline's (counted by {@link ShadowMode#offer} as a capture
     *     failure)
     */
    @Override
    public void record(RequestContext request, PipelineResult result, RunRecord out) {
      indexes.copy(result, request.lastRequest(), out);
    }
  }

  /**
   * Records a live request's inputs (user, time, seed, page size, timeout, query vector, seen ids,
   * blocked authors, muted and followed communities and the given query features) for replay.
   *
   * @param attributes the query features recorded
   * @return a new, stateless capture
   */
  public static RequestCapture<RequestContext> capture(Feature... attributes) {
    final Feature[] features = attributes.clone();
    return (ctx, out) -> {
      out.userId(ctx.userId()).nowMillis(ctx.nowMillis()).seed(ctx.seed()).pageSize(ctx.pageSize())
          .timeoutNanos(ctx.timeoutNanos());
      if (ctx.hasQueryVector()) {
        out.vector(ctx.queryVectorBuffer(), ctx.queryDimension());
      }
      final IdSet seen = ctx.seenIds();
      for (int i = 0; i < seen.size(); i++) {
        out.addSeen(seen.get(i));
      }
      final IdSet blocked = ctx.blockedAuthors();
      for (int i = 0; i < blocked.size(); i++) {
        out.addBlockedAuthor(blocked.get(i));
      }
      final IdSet muted = ctx.mutedCommunities();
      for (int i = 0; i < muted.size(); i++) {
        out.addMutedCommunity(muted.get(i));
      }
      final IdSet followed = ctx.followedCommunities();
      for (int i = 0; i < followed.size(); i++) {
        out.addFollowedCommunity(followed.get(i));
      }
      for (Feature f : features) {
        out.attribute(f.name(), ctx.queryFeature(f));
      }
    };
  }

  /** Applies a recorded request to a context of some pipeline (the inverse of {@link #capture}). */
  static void apply(RequestRecord r, RequestContext ctx, Feature[] attributes) {
    ctx.reset().userId(r.userId()).nowMillis(r.nowMillis()).seed(r.seed());
    if (r.pageSize() > 0) {
      ctx.pageSize(r.pageSize());
    }
    if (r.timeoutNanos() > 0) {
      ctx.timeout(r.timeoutNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    if (r.hasVector()) {
      ctx.queryVector(r.vector());
    }
    for (int i = 0; i < r.seenCount(); i++) {
      ctx.seenIds().add(r.seen(i));
    }
    for (int i = 0; i < r.blockedAuthorCount(); i++) {
      ctx.blockedAuthors().add(r.blockedAuthor(i));
    }
    for (int i = 0; i < r.mutedCommunityCount(); i++) {
      ctx.mutedCommunities().add(r.mutedCommunity(i));
    }
    for (int i = 0; i < r.followedCommunityCount(); i++) {
      ctx.followedCommunities().add(r.followedCommunity(i));
    }
    for (int i = 0; i < r.attributeCount(); i++) {
      final String name = r.attributeName(i);
      for (Feature f : attributes) {
        if (f.name().equals(name)) {
          ctx.setQueryFeature(f, r.attributeValue(i));
        }
      }
    }
  }
}
