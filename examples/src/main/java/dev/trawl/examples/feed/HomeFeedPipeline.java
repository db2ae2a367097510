package dev.trawl.examples.feed;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.QueryHydrator;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.testkit.SyntheticFeed;
import dev.trawl.vector.Metric;
import java.util.Random;
import java.util.function.LongPredicate;

/**
 * An example home-feed pipeline: the request's filter (seen posts, blocked authors, muted communities)
 * is composed once; posts near the user's interest vector (searched with that filter, planned), fresh
 * posts from followed communities and a trending list are merged, filtered (the request's filter for
 * the sources that did not search with it, taken-down posts),
 * hydrated (author, community, age; author affinity), scored (weighted sum, freshness decay), capped
 * per author and community, diversified with MMR and cut to a page.
 *
 * <p>Run {@link #main} to build a small generated corpus, serve a few requests, and print a page, a
 * trace and the metrics snapshot. The class shows the shape a host's feed service takes: the
 * pipeline is built once and shared; each request thread keeps one {@link RequestContext} and one
 * {@link PipelineResult} and reuses them, so serving allocates nothing.
 */
public final class HomeFeedPipeline {
  /** How much the user likes the candidate's author, from the host's feature store. */
  public static final Feature AUTHOR_AFFINITY = Feature.candidate("author_affinity", 0f);
  /** How active the user is, 0..1: active users get fresher feeds. */
  public static final Feature USER_ACTIVITY = Feature.query("user_activity", 0.5f);

  private HomeFeedPipeline() {}

  /**
   * Builds the pipeline over the host's data.
   *
   * @param index post embeddings
   * @param recent the ring of newly published posts
   * @param attributes post metadata lookup
   * @param takenDown ids removed by moderation (thread-safe)
   * @param trending the host's trending source
   */
  public static Pipeline build(VectorIndex index, RecentItems recent, ItemMetadata attributes,
      LongPredicate takenDown, CandidateSource trending) {
    return live().build(index, recent, attributes, takenDown, trending);
  }

  /**
   * The live feed's definition, to add stages to before building: {@link HomeFeedVariant}'s
   * defaults with the live service's threading and timeouts (sources in parallel on the pool, each
   * with its own budget inside the 150 ms deadline).
   */
  public static HomeFeedVariant live() {
    return new HomeFeedVariant().timeoutMillis(150).sourceTimeoutsMillis(40, 20, 20)
        .sourcesOnCallerThread(false);
  }

  /** A query hydrator as a constant: it reads the request and writes a query feature. */
  static final QueryHydrator ACTIVITY =
      ctx -> ctx.setQueryFeature(USER_ACTIVITY, (ctx.userId() % 10) / 10f);

  /** Author affinity from a (here: synthetic) feature store. Immutable and shared. */
  static final class AffinityHydrator implements CandidateHydrator {
    /** Never blocks (computation over in-memory data): runs on the request thread. */
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public Feature[] reads() {
      return new Feature[] {Feature.AUTHOR, USER_ACTIVITY};
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {AUTHOR_AFFINITY};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float[] affinity = batch.featureColumn(AUTHOR_AFFINITY);
      final float activity = ctx.queryFeature(USER_ACTIVITY);
      final long user = ctx.userId();
      for (int r = 0, n = batch.size(); r < n; r++) {
        affinity[r] = activity * (((batch.author(r) * 31 + user) & 15) / 15f);
      }
    }
  }

  /** A trending list the host refreshes elsewhere; here a fixed array. */
  static final class TrendingList implements CandidateSource {
    private final long[] ids;

    TrendingList(long[] ids) {
      this.ids = ids.clone();
    }

    @Override
    public void fetch(RequestContext ctx, CandidateSink out) {
      for (int i = 0; i < ids.length; i++) {
        out.add(ids[i], 1f - (float) i / ids.length);
      }
    }
  }

  /** Builds a 20,000-post corpus, serves 1,000 requests, prints a traced page and the metrics. */
  public static void main(String[] args) {
    final int posts = 20_000;
    final int dim = 64;
    final long now = System.currentTimeMillis();
    final Random random = new Random(42);
    // The host's metadata, recent-posts ring and feature store, stood in for by arithmetic on ids.
    final ItemMetadata attributes = SyntheticFeed.metadata(1_000, 40, now, 5_000, 60_000L);
    final VectorIndex index = VectorIndex.builder(dim, Metric.COSINE).seed(42).build();
    final float[] v = new float[dim];
    final ItemAttributes indexed = new ItemAttributes();
    for (int id = 0; id < posts; id++) {
      for (int d = 0; d < dim; d++) {
        v[d] = (float) random.nextGaussian();
      }
      // author and community in the index: the request filter excludes blocked and muted ones by them
      index.add(id, v, indexed.clear().author(attributes.author(id)).community(attributes.community(id)));
    }
    final RecentItems recent = SyntheticFeed.recentItems(attributes, posts, 4_096, now, 2_000L);
    final long[] trending = new long[200];
    for (int i = 0; i < trending.length; i++) {
      trending[i] = random.nextInt(posts);
    }
    final Pipeline pipeline = build(index, recent, attributes, id -> id % 997 == 0,
        new TrendingList(trending));

    final RequestContext ctx = pipeline.newContext();
    final PipelineResult page = new PipelineResult();
    final float[] user = new float[dim];
    for (int request = 0; request < 1_000; request++) {
      for (int d = 0; d < dim; d++) {
        user[d] = (float) random.nextGaussian();
      }
      ctx.reset().userId(request).nowMillis(now).seed(request).queryVector(user);
      ctx.followedCommunities().add(request % 40);
      ctx.blockedAuthors().add(request % 1_000);
      ctx.mutedCommunities().add((request + 20) % 40);
      if (request == 999) {
        ctx.traceNextRequest();
      }
      pipeline.execute(ctx, page);
    }
    System.out.println("page of " + page.size() + " (degraded: " + page.degraded() + "):");
    for (int i = 0; i < Math.min(10, page.size()); i++) {
      System.out.printf("  %6d  %-9s author %4d  community %2d  score %.3f%n", page.id(i),
          page.sourceName(i), page.author(i), page.community(i), page.score(i));
    }
    System.out.println(page.trace());
    final MetricsSnapshot metrics = pipeline.metrics();
    System.out.println(metrics);
    System.out.printf("pipeline overhead (1 - sum of stage time / request time): %.1f%%%n",
        100 * metrics.overheadFraction());
  }
}
