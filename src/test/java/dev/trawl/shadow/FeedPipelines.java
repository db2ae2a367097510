package dev.trawl.shadow;

import dev.trawl.pipeline.CandidateRule;
import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineBuilder;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.SideEffect;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.SourceBlender;
import dev.trawl.testing.DropSeen;

/**
 * A small two-source feed for shadow tests. Every candidate is a pure function of (user, source, i),
 * so a test can compute independently what any configuration must return.
 */
final class FeedPipelines {
  static final int PER_SOURCE = 60;
  static final int PAGE = 20;
  static final int SEEN_PER_USER = 5;
  static final int TRENDING = 1;

  private FeedPipelines() {}

  static long id(long user, int source, int i) {
    return user * 1000 + source * 500 + i;
  }

  static long hash(long id) {
    long z = id * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static float score(long id) {
    return (hash(id) >>> 40) * 0x1.0p-24f;
  }

  /** A source producing {@link #PER_SOURCE} candidates for the request's user. */
  static final class Generated implements CandidateSource {
    private final int source;

    Generated(int source) {
      this.source = source;
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {Feature.AUTHOR, Feature.COMMUNITY};
    }

    @Override
    public void fetch(RequestContext ctx, CandidateSink out) {
      for (int i = 0; i < PER_SOURCE; i++) {
        final long id = id(ctx.userId(), source, i);
        final int row = out.add(id, score(id));
        out.setAuthor(row, (hash(id) >>> 8) % 50);
        out.setCommunity(row, (hash(id) >>> 20) % 8);
      }
    }
  }

  /** Removes every candidate of the trending source (the rule a candidate may switch off). */
  static final CandidateRule NO_TRENDING = (ctx, batch) -> {
    for (int r = 0; r < batch.size(); r++) {
      if (batch.source(r) == TRENDING) {
        batch.remove(r);
      }
    }
  };

  /** A side effect that does nothing: the primary has one, shadow runs skip it. */
  static final SideEffect IMPRESSIONS = (ctx, page) -> { };

  /**
   * The feed: sources ann and trending, the seen rule, optionally the no-trending rule, sort by
   * score, optionally a seeded source blender.
   */
  static Pipeline feed(String name, boolean filterTrending, boolean blend, boolean sideEffect) {
    final PipelineBuilder b = Pipeline.builder(name)
        .source("ann", new Generated(0))
        .source("trending", new Generated(TRENDING))
        .rule("seen", DropSeen.INSTANCE);
    if (filterTrending) {
      b.rule("no_trending", NO_TRENDING);
    }
    b.selector("sort", SortByScore.instance());
    if (blend) {
      b.selector("blend", new SourceBlender(1.0, 1.0));
    }
    if (sideEffect) {
      b.sideEffect("impressions", IMPRESSIONS);
    }
    return b.pageSize(PAGE).sourcesOnCallerThread().build();
  }

  /** Sets up a request for {@code user} in {@code ctx}. */
  static void request(RequestContext ctx, long user) {
    ctx.reset().userId(user).nowMillis(1_700_000_000_000L).seed(user * 7919 + 1);
    for (int i = 0; i < SEEN_PER_USER; i++) {
      ctx.seenIds().add(id(user, 0, i));
    }
  }

  /** The share of trending items on the unfiltered, unblended page of {@code user}, computed directly. */
  static double expectedTrendingShare(long user) {
    final float[] scores = new float[2 * PER_SOURCE];
    final int[] sources = new int[2 * PER_SOURCE];
    int n = 0;
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < PER_SOURCE; i++) {
        if (s == 0 && i < SEEN_PER_USER) {
          continue;
        }
        scores[n] = score(id(user, s, i));
        sources[n++] = s;
      }
    }
    int trending = 0;
    final boolean[] taken = new boolean[n];
    for (int k = 0; k < PAGE; k++) {
      int best = -1;
      for (int j = 0; j < n; j++) {
        if (!taken[j] && (best < 0 || scores[j] > scores[best])) {
          best = j;
        }
      }
      taken[best] = true;
      trending += sources[best] == TRENDING ? 1 : 0;
    }
    return (double) trending / PAGE;
  }

}
