package dev.trawl.pipeline;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.stages.AttributeHydrator;
import dev.trawl.pipeline.stages.DiversityCap;
import dev.trawl.pipeline.stages.FreshnessDecay;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.MmrDiversity;
import dev.trawl.pipeline.stages.RecencySource;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.RemovedItemsRule;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.SourceBlender;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.SyntheticFeed;
import dev.trawl.vector.Metric;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A full home-feed pipeline over a generated corpus: the request's filter (seen, blocked authors,
 * muted communities) composed once, 3 sources (vector search with that filter, recency, trending),
 * 4 filters (the request's filter on the other sources' candidates, removed, quality, age),
 * 2 hydrators, a linear scorer and freshness decay, sort, author and community caps, MMR,
 * truncation to a page of 50. Shared by the allocation and metrics tests.
 */
final class HomeFeedFixture {
  static final long NOW = 1_700_000_000_000L;
  static final Feature AFFINITY = Feature.candidate("author_affinity", 0f);
  static final Feature QUALITY = Feature.candidate("quality", 0.5f);

  final int items;
  final int dimension;
  final VectorIndex index;
  final float[][] users;
  final RecentItems recent;

  /** Post metadata derived from the id (997 authors, 31 communities, a minute apart). */
  static final ItemMetadata METADATA = SyntheticFeed.metadata(997, 31, NOW, 10_000, 60_000L);

  /** Writes a per-author affinity from the user id (stands in for a feature store). */
  static final class AffinityHydrator implements CandidateHydrator {
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public Feature[] reads() {
      return new Feature[] {Feature.AUTHOR};
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {AFFINITY, QUALITY};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float[] affinity = batch.featureColumn(AFFINITY);
      final float[] quality = batch.featureColumn(QUALITY);
      final long user = ctx.userId();
      for (int r = 0, n = batch.size(); r < n; r++) {
        affinity[r] = ((batch.author(r) ^ user) & 7) / 8f;
        quality[r] = (batch.id(r) & 3) / 4f;
      }
    }
  }

  /** Drops low-quality items (reads a hydrated feature). */
  static final class QualityFilter implements CandidateRule {
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public Feature[] reads() {
      return new Feature[] {QUALITY};
    }

    @Override
    public void apply(RequestContext ctx, CandidateBatch batch) {
      final float[] q = batch.featureColumn(QUALITY);
      for (int r = 0, n = batch.size(); r < n; r++) {
        if (q[r] < 0.25f && (batch.id(r) & 4) == 0) {
          batch.remove(r);
        }
      }
    }
  }

  /** Drops items too old for the home feed. */
  static final class MaxAgeFilter implements CandidateRule {
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public Feature[] reads() {
      return new Feature[] {Feature.CREATED_AT};
    }

    @Override
    public void apply(RequestContext ctx, CandidateBatch batch) {
      final long oldest = ctx.nowMillis() - TimeUnit.DAYS.toMillis(6);
      for (int r = 0, n = batch.size(); r < n; r++) {
        if (batch.createdAt(r) < oldest) {
          batch.remove(r);
        }
      }
    }
  }

  HomeFeedFixture(int items, int dimension, long seed) {
    this.items = items;
    this.dimension = dimension;
    final Random random = new Random(seed);
    index = VectorIndex.builder(dimension, Metric.COSINE).m(12).efConstruction(64).seed(seed)
        .expectedItems(items).build();
    final float[] v = new float[dimension];
    final ItemAttributes attributes = new ItemAttributes();
    for (int i = 0; i < items; i++) {
      for (int d = 0; d < dimension; d++) {
        v[d] = (float) random.nextGaussian();
      }
      // the index holds what the request filter excludes by: author and community
      index.add(i, v, attributes.clear().author(METADATA.author(i)).community(METADATA.community(i)));
    }
    users = new float[64][dimension];
    for (float[] u : users) {
      for (int d = 0; d < dimension; d++) {
        u[d] = (float) random.nextGaussian();
      }
    }
    recent = SyntheticFeed.recentItems(METADATA, items, 4096, NOW, 1_000L);
  }

  PipelineBuilder builder(int perSource) {
    return builder(perSource, false);
  }

  /** With {@code blend}, a seeded source blender replaces MMR. */
  PipelineBuilder builder(int perSource, boolean blend) {
    return builder(perSource, blend, new AffinityHydrator());
  }

  /** With {@code affinity} as the affinity hydrator (say one that runs on the stage pool). */
  PipelineBuilder builder(int perSource, CandidateHydrator affinity) {
    return builder(perSource, false, affinity);
  }

  private PipelineBuilder builder(int perSource, boolean blend, CandidateHydrator affinity) {
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    return Pipeline.builder("home-feed")
        .validIds(id -> id >= 0 && id < items)
        .queryHydrator("exclusions", exclusions, StageOptions.defaults().policy(StageOptions.Policy.FAIL_CLOSED))
        .source("ann", VectorSource.builder(index).k(perSource).ef(perSource).filter(exclusions).build(),
            StageOptions.defaults().expectedCandidates(perSource))
        .source("recent", new RecencySource(recent, perSource, TimeUnit.DAYS.toMillis(2),
            TimeUnit.HOURS.toMillis(6), false), StageOptions.defaults().expectedCandidates(perSource))
        .source("trending", SyntheticFeed.rotatingTrending(perSource, items, 13),
            StageOptions.defaults().expectedCandidates(perSource))
        .hydrator("attributes", new AttributeHydrator(METADATA))
        .hydrator("affinity", affinity)
        .rule("excluded", exclusions.rule())
        .rule("removed", RemovedItemsRule.of(id -> id % 101 == 0))
        .rule("quality", new QualityFilter())
        .rule("max-age", new MaxAgeFilter())
        .scorer("linear", LinearScorer.builder().sourceScore(1f).weight(AFFINITY, 0.3f)
            .weight(QUALITY, 0.2f).sourceBoost(1, 0.1f).build())
        .scorer("freshness", new FreshnessDecay(TimeUnit.DAYS.toMillis(1), 0.5f))
        .selector("sort", SortByScore.instance())
        .selector("author-cap", DiversityCap.perAuthor(2))
        .selector("community-cap", DiversityCap.perCommunity(6))
        .selector(blend ? "blend" : "mmr",
            blend ? new SourceBlender(1, 1, 1) : new MmrDiversity(index, 0.7f, 150))
        .selector("page", Truncate.toPages(1));
  }

  Pipeline callerThreadPipeline(int perSource) {
    return builder(perSource).sourcesOnCallerThread().build();
  }

  Pipeline pooledPipeline(int perSource, Executor pool) {
    return builder(perSource).sourcesOn(pool).build();
  }

  /** Fills the inputs of request {@code i}: user, time, seed, vector, seen, blocked and muted ids. */
  void request(RequestContext ctx, int i) {
    // a generous deadline: tests assert on pages, and the shared CI machine may stall a worker
    ctx.reset().userId(i).nowMillis(NOW).seed(i).pageSize(50).queryVector(users[i & 63])
        .timeout(30, TimeUnit.SECONDS);
    for (int s = 0; s < 20; s++) {
      ctx.seenIds().add((i * 31L + s * 17L) % items);
    }
    ctx.blockedAuthors().add(i % 997);
    ctx.mutedCommunities().add((i + 7) % 31);
    ctx.followedCommunities().add(i % 31);
  }
}
