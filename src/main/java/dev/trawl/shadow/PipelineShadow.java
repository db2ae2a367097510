package dev.trawl.shadow;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageKind;
import dev.trawl.pipeline.StageStats;
import java.util.ArrayList;
import java.util.List;
import org.agrona.collections.LongHashSet;

/**
 * Glue between {@link Pipeline}s and shadow testing: a schema naming both pipelines' sources and
 * filters, a recorder for the primary's answer, and a capture that records live requests. Lanes are
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
   * The union of the pipelines' source, filter and stage names, in declaration order. Side-effect
   * stages are left out: they never run in a shadow lane.
   */
  public static ShadowSchema schema(Pipeline... pipelines) {
    final ShadowSchema.Builder b = ShadowSchema.builder();
    for (Pipeline p : pipelines) {
      b.source(p.sourceNames().toArray(new String[0]));
    }
    for (Pipeline p : pipelines) {
      for (StageStats s : p.metrics().stages()) {
        if (s.kind() == StageKind.FILTER) {
          b.filter(s.name());
        }
        if (s.kind() != StageKind.SIDE_EFFECT) {
          b.stage(s.name());
        }
      }
    }
    return b.build();
  }

  /**
   * Records the primary's page into a run record; as {@link CumulativeStats} it reports the primary
   * pipeline's filter funnels and stage latencies (over all its traffic, not only the sample).
   *
   * @throws IllegalArgumentException if a source of {@code primary} is not in {@code schema}
   */
  public static PipelineRecorder recorder(Pipeline primary, ShadowSchema schema) {
    return new PipelineRecorder(primary, schema);
  }

  /** The primary's recorder: see {@link #recorder}. Thread-safe; {@code record} allocates nothing. */
  public static final class PipelineRecorder
      implements PrimaryRecorder<RequestContext, PipelineResult>, CumulativeStats {
    private final Pipeline pipeline;
    private final ShadowSchema schema;
    private final int[] slots;

    private PipelineRecorder(Pipeline pipeline, ShadowSchema schema) {
      this.pipeline = pipeline;
      this.schema = schema;
      this.slots = sourceSlots(pipeline, schema);
    }

    @Override
    public void record(RequestContext request, PipelineResult result, RunRecord out) {
      copyPage(result, slots, out);
    }

    @Override
    public Object mark() {
      return pipeline.metrics();
    }

    @Override
    public void addSince(Object mark, ComparisonWindow window, int side) {
      addMetricsSince(pipeline, (MetricsSnapshot) mark, schema, window, side);
    }
  }

  /**
   * Adds a pipeline's per-filter funnel and per-stage latency growth since {@code mark} to one side
   * of {@code window}. Allocates; for reporting.
   */
  static void addMetricsSince(
      Pipeline pipeline, MetricsSnapshot mark, ShadowSchema schema, ComparisonWindow window, int side) {
    for (StageStats now : pipeline.metrics().stages()) {
      final StageStats before = find(mark, now.name());
      final int filter = schema.filterSlot(now.name());
      if (now.kind() == StageKind.FILTER && filter >= 0) {
        final long in = now.candidatesIn() - (before == null ? 0 : before.candidatesIn());
        final long removed = now.removed() - (before == null ? 0 : before.removed());
        if (in > 0) {
          window.addPooledFunnel(side, filter, in, Math.max(0, Math.min(in, removed)));
        }
      }
      final int stage = schema.stageSlot(now.name());
      if (stage >= 0) {
        final org.HdrHistogram.Histogram h = now.latency().copy();
        if (before != null) {
          h.subtract(before.latency());
        }
        if (h.getTotalCount() > 0) {
          window.addStageLatency(side, stage, h);
        }
      }
    }
  }

  private static StageStats find(MetricsSnapshot snapshot, String name) {
    for (StageStats s : snapshot.stages()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Records a live request's inputs (user, time, seed, page size, timeout, query vector, seen ids,
   * blocked authors, followed communities and the given query features) for replay.
   */
  public static RequestCapture<RequestContext> capture(Feature... attributes) {
    final Feature[] features = attributes.clone();
    return (ctx, out) -> {
      out.userId(ctx.userId()).nowMillis(ctx.nowMillis()).seed(ctx.seed()).pageSize(ctx.pageSize())
          .timeoutNanos(ctx.timeoutNanos());
      if (ctx.hasQueryVector()) {
        out.vector(ctx.queryVectorBuffer(), ctx.queryDimension());
      }
      copyIds(ctx.seenIds(), out, 0);
      copyIds(ctx.blockedAuthors(), out, 1);
      copyIds(ctx.followedCommunities(), out, 2);
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

  /** Maps each of the pipeline's source indexes to its slot in the schema. */
  static int[] sourceSlots(Pipeline pipeline, ShadowSchema schema) {
    final List<String> names = pipeline.sourceNames();
    final int[] slots = new int[names.size()];
    final List<String> missing = new ArrayList<>();
    for (int i = 0; i < slots.length; i++) {
      slots[i] = schema.sourceSlot(names.get(i));
      if (slots[i] < 0) {
        missing.add(names.get(i));
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("sources " + missing + " of pipeline '" + pipeline.name()
          + "' are not in the shadow schema " + schema + "; build it with PipelineShadow.schema(...)");
    }
    return slots;
  }

  /** Copies a pipeline's page into a run record. Allocation-free. */
  static void copyPage(PipelineResult result, int[] sourceSlots, RunRecord out) {
    final int n = result.size();
    for (int i = 0; i < n; i++) {
      out.addItem(result.id(i), sourceSlots[result.source(i)], result.author(i), result.community(i),
          result.score(i));
    }
    out.timedOutStages(result.timedOutSources());
  }

  private static void copyIds(LongHashSet set, RequestRecord out, int which) {
    final LongHashSet.LongIterator it = set.iterator();
    while (it.hasNext()) {
      final long v = it.nextValue();
      if (which == 0) {
        out.addSeen(v);
      } else if (which == 1) {
        out.addBlockedAuthor(v);
      } else {
        out.addFollowedCommunity(v);
      }
    }
  }
}
