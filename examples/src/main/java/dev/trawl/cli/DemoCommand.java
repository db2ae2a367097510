package dev.trawl.cli;

import dev.trawl.examples.feed.HomeFeedPipeline;
import dev.trawl.index.FilterPlanner;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageStats;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl demo}: needs no files. Generates a seeded feed corpus ({@link FeedCorpus}), builds an
 * index of its posts with their attributes, checks the index's recall and speed, then serves home-feed
 * requests through the example pipeline ({@link HomeFeedPipeline}) for a sample of users and prints a
 * few feeds and the latency percentiles.
 *
 * <p>The same seed gives the same corpus; with {@code --threads 1} (the default) the graph, the recall
 * and the feeds are the same on every run too (unless a request runs out of time on a very slow
 * machine, which the output reports as degraded). Timings vary with the machine.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a seeded feed (posts clustered by community, authors, ages, flags; users with"
          + " interests, seen posts and blocks), builds the index, prints its recall@10 and queries per"
          + " second, then serves home-feed requests through the example pipeline and prints a few"
          + " feeds and the latency percentiles. Needs no files."
    })
final class DemoCommand implements Callable<Integer> {
  /** 2026-01-01T00:00:00Z: a fixed "now", so that ages and freshness are reproducible. */
  static final long NOW_MILLIS = 1_767_225_600_000L;

  private static final int K = 10;
  private static final int CHECK_EF = 64;
  private static final int CHECK_QUERIES = 200;
  private static final int SEEN_PER_USER = 30;
  private static final int RECENT_CAPACITY = 4_096;

  @Spec CommandSpec spec;

  @Mixin CorpusOptions corpusOptions;

  @Option(
      names = "--requests",
      defaultValue = "3000",
      description = "Timed feed requests (after --warmup ones). Default ${DEFAULT-VALUE}.")
  int requests;

  @Option(
      names = "--warmup",
      defaultValue = "1000",
      description = "Untimed feed requests first. Default ${DEFAULT-VALUE}.")
  int warmup;

  @Option(
      names = "--communities",
      defaultValue = "40",
      description = "Communities. Default ${DEFAULT-VALUE}.")
  int communities;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Threads building the index. Default 1, which makes the output reproducible.")
  int threads;

  @Option(names = "--show", defaultValue = "3", description = "Feeds to print. Default ${DEFAULT-VALUE}.")
  int show;

  @Option(names = "--rows", defaultValue = "8", description = "Posts per printed feed. Default ${DEFAULT-VALUE}.")
  int rows;

  @Option(
      names = "--min-time-ms",
      defaultValue = "300",
      description = "Length of the timed index check. Default ${DEFAULT-VALUE}.")
  long minMillis;

  @Option(
      names = "--redis",
      paramLabel = "HOST:PORT|local",
      description = "Serve the feed with Redis: load the posts' features and the users' seen posts and"
          + " blocks into the Redis at HOST:PORT (or a redis-server started on a free local port for"
          + " 'local'), then read them back on every request (user state at the start, features"
          + " through a near cache) and print the hit ratios.")
  String redis;

  @Option(
      names = "--redis-timeout-ms",
      defaultValue = "40",
      description = "With --redis: the deadline of the user-state read and of the feature fetch; a"
          + " request whose reads miss it is served with what arrived and counted as degraded."
          + " Default ${DEFAULT-VALUE}.")
  long redisTimeoutMillis;

  @Override
  public Integer call() {
    final int posts = corpusOptions.posts();
    final int users = corpusOptions.users();
    if (posts < 100 || users < 1 || requests < 1 || warmup < 0 || corpusOptions.dimension() < 2
        || communities < 4) {
      throw new CliError(
          "need --posts >= 100, --users >= 1, --requests >= 1, --warmup >= 0, --dimension >= 2 and"
              + " --communities >= 4");
    }
    if (redisTimeoutMillis < 1) {
      throw new CliError("need --redis-timeout-ms >= 1, got " + redisTimeoutMillis);
    }
    final PrintWriter out = spec.commandLine().getOut();
    final FeedCorpus corpus = new FeedCorpus(posts, corpusOptions.dimension(), communities, NOW_MILLIS,
        corpusOptions.seed());
    out.printf(
        Locale.ROOT,
        "demo feed: %,d posts by %,d authors in %d communities over the last two days, %,d users (seed %d)%n",
        posts, corpus.authors(), communities, users, corpusOptions.seed());
    out.flush();

    final VectorIndex index = buildIndex(corpus, out);
    final FeedCorpus.User[] people = new FeedCorpus.User[users];
    for (int u = 0; u < users; u++) {
      people[u] = corpus.user(u, SEEN_PER_USER);
    }
    checkIndex(index, people, out);

    final RecentItems recent = new RecentItems(RECENT_CAPACITY);
    for (int id = Math.max(0, posts - RECENT_CAPACITY); id < posts; id++) {
      recent.append(id, corpus.author(id), corpus.community(id), corpus.createdAt(id));
    }
    if (redis == null) {
      final Pipeline pipeline =
          HomeFeedPipeline.build(index, recent, corpus, corpus::isTakenDown, corpus.trending(200));
      serveAll(pipeline, people, false, out);
      return 0;
    }
    try (RedisDemo store = RedisDemo.open(redis, redisTimeoutMillis)) {
      store.load(corpus, people, out);
      // the example pipeline's definition, with the user state and a post feature read from Redis
      final Pipeline pipeline = store.addStages(HomeFeedPipeline.live())
          .build(index, recent, corpus, corpus::isTakenDown, corpus.trending(200));
      serveAll(pipeline, people, true, out);
      store.printStats(out);
    }
    return 0;
  }

  /**
   * Warm-up, the shown feeds, the timed requests. With {@code stateInStore}, the users' seen posts
   * and blocks come from the store, not from the host.
   */
  private void serveAll(Pipeline pipeline, FeedCorpus.User[] people, boolean stateInStore,
      PrintWriter out) {
    final RequestContext ctx = pipeline.newContext();
    final PipelineResult page = new PipelineResult();
    // warm up first, so that the feeds shown are not served by a cold JVM that may miss deadlines
    for (int r = 0; r < warmup; r++) {
      serve(pipeline, ctx, page, people[r % people.length], r, stateInStore);
    }
    for (int u = 0; u < Math.min(show, corpusOptions.users()); u++) {
      serve(pipeline, ctx, page, people[u], u, stateInStore);
      printFeed(out, people[u], page);
    }
    serveTimed(pipeline, ctx, page, people, stateInStore, out);
  }

  private VectorIndex buildIndex(FeedCorpus corpus, PrintWriter out) {
    final Indexing.Rows rows =
        new Indexing.Rows() {
          @Override
          public int count() {
            return corpus.posts();
          }

          @Override
          public int dimension() {
            return corpus.dimension;
          }

          @Override
          public void read(int row, float[] vector) {
            corpus.embedding(row, vector);
          }

          @Override
          public String name() {
            return "demo corpus";
          }

          @Override
          public boolean attributes(int row, ItemAttributes attributes) {
            attributes.author(corpus.author(row)).community(corpus.community(row)).flags(corpus.flags(row));
            return true;
          }
        };
    final long start = System.nanoTime();
    final VectorIndex index;
    try (Progress bar = Progress.start(spec.commandLine().getErr(), "building", corpus.posts(), null)) {
      index = Indexing.build(rows, null,
          new Indexing.Params(Metric.COSINE, 16, 100, corpusOptions.seed(), threads), bar);
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "built the index (cosine, %d dims, M=16, efConstruction=100, with author/community/flag"
            + " attributes) on %d thread(s) in %.2f s (%,.0f posts/s)%n",
        corpus.dimension, threads, seconds, corpus.posts() / seconds);
    out.flush();
    return index;
  }

  /** Recall@10 and speed at one ef, for users' interest vectors against an exact scan. */
  private void checkIndex(VectorIndex index, FeedCorpus.User[] people, PrintWriter out) {
    final int n = Math.min(CHECK_QUERIES, people.length);
    final float[][] queries = new float[n][];
    final long[][] truth = new long[n][];
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(K);
    for (int q = 0; q < n; q++) {
      queries[q] = people[q].interest();
      searcher.searchExact(queries[q], K, results);
      truth[q] = results.idsCopy();
    }
    final SearchBench bench =
        new SearchBench(index, queries, K, new SearchBench.Settings(minMillis, minMillis, 3, 1));
    final SearchBench.Result r = bench.measure(CHECK_EF, bench.recall(truth, 0, CHECK_EF));
    out.printf(
        Locale.ROOT,
        "index check: recall@10 %.4f at ef=%d against an exact scan (%d user vectors); %,.0f queries/s,"
            + " p50 %.1f us, p99 %.1f us, %.2f bytes allocated per query (%s kernels)%n",
        r.recall(), CHECK_EF, n, r.qps(), r.p50Us(), r.p99Us(), r.allocBytesPerQuery(),
        Kernels.BEST.name());
    out.flush();
  }

  /**
   * One home-feed request for {@code user}: their interests, follows, seen posts and block (the last
   * two read from the store by the pipeline itself when {@code stateInStore}).
   */
  private static void serve(Pipeline pipeline, RequestContext ctx, PipelineResult page,
      FeedCorpus.User user, long request, boolean stateInStore) {
    ctx.reset().userId(user.id()).nowMillis(NOW_MILLIS).seed(request).queryVector(user.interest());
    ctx.followedCommunities().add(user.primary());
    ctx.followedCommunities().add(user.secondary());
    if (!stateInStore) {
      for (long id : user.seen()) {
        ctx.seenIds().add(id);
      }
      ctx.blockedAuthors().add(user.blockedAuthor());
    }
    pipeline.execute(ctx, page);
  }

  private void printFeed(PrintWriter out, FeedCorpus.User user, PipelineResult page) {
    out.printf(
        Locale.ROOT,
        "%nuser %d: likes community %d (70%%) and %d (30%%), follows both, has seen %d posts, blocks"
            + " author %d -> a page of %d%s%n",
        user.id(), user.primary(), user.secondary(), user.seen().length, user.blockedAuthor(), page.size(),
        page.degraded() ? " (degraded: a stage ran out of time or failed)" : "");
    out.printf(Locale.ROOT, "  %3s %7s  %-9s %7s %10s %6s %7s%n", "#", "post", "source", "author", "community", "age", "score");
    for (int i = 0; i < Math.min(rows, page.size()); i++) {
      out.printf(
          Locale.ROOT,
          "  %3d %7d  %-9s %7d %10d %6s %7.3f%n",
          i + 1, page.id(i), page.sourceName(i), page.author(i), page.community(i),
          age(NOW_MILLIS - page.createdAt(i)), page.score(i));
    }
    out.flush();
  }

  private void serveTimed(Pipeline pipeline, RequestContext ctx, PipelineResult page,
      FeedCorpus.User[] people, boolean stateInStore, PrintWriter out) {
    final com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    final long thread = Thread.currentThread().getId();
    final Histogram latency = new Histogram(60_000_000_000L, 3);
    final long before = mx.getThreadAllocatedBytes(thread);
    long degraded = 0;
    for (int r = 0; r < requests; r++) {
      final long t0 = System.nanoTime();
      serve(pipeline, ctx, page, people[r % people.length], warmup + r, stateInStore);
      latency.recordValue(Math.min(System.nanoTime() - t0, 60_000_000_000L));
      degraded += page.degraded() ? 1 : 0;
    }
    final double allocated = (mx.getThreadAllocatedBytes(thread) - before) / (double) requests;
    out.printf(
        Locale.ROOT,
        "%nserved %,d home-feed requests (after %,d warm-up) for %,d users, one at a time:%n"
            + "  latency p50 %s  p90 %s  p99 %s  p99.9 %s  max %s; %d degraded;"
            + " %.1f bytes allocated per request on the calling thread%n",
        requests, warmup, people.length, micros(latency.getValueAtPercentile(50)),
        micros(latency.getValueAtPercentile(90)), micros(latency.getValueAtPercentile(99)),
        micros(latency.getValueAtPercentile(99.9)), micros(latency.getMaxValue()), degraded, allocated);
    final MetricsSnapshot metrics = pipeline.metrics();
    out.printf(Locale.ROOT, "  per stage (all requests):%n");
    for (StageStats stage : metrics.stages()) {
      if (stage.calls() == 0) {
        continue;
      }
      out.printf(
          Locale.ROOT,
          "    %-14s p50 %9s  p99 %9s  in %,9d  out %,9d%n",
          stage.name(), micros(stage.latencyAtPercentile(50)),
          micros(stage.latencyAtPercentile(99)), stage.candidatesIn() / stage.calls(),
          stage.candidatesOut() / stage.calls());
    }
    out.println("  (in/out: candidates per call)");
    printPlans(out, (VectorSource) pipeline.stage("interest"));
    out.flush();
  }

  /**
   * How the interest source's searches were planned: every request's seen posts, blocked authors and
   * muted communities are one request filter, and the planner picks a walk or an exact scan per
   * request from how many posts it allows.
   */
  private static void printPlans(PrintWriter out, VectorSource interest) {
    out.printf(
        Locale.ROOT,
        "  interest source, filtered searches by plan (all requests): walk %,d, exact scan %,d,"
            + " walk then exact %,d; unfiltered %,d%n",
        interest.planCount(FilterPlanner.WALK), interest.planCount(FilterPlanner.EXACT),
        interest.planCount(FilterPlanner.WALK_THEN_EXACT), interest.planCount(FilterPlanner.NONE));
  }

  private static String micros(long nanos) {
    return nanos >= 10_000_000
        ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
        : String.format(Locale.ROOT, "%.0f us", nanos / 1e3);
  }

  private static String age(long millis) {
    final long minutes = millis / 60_000;
    if (minutes < 60) {
      return minutes + "m";
    }
    if (minutes < 48 * 60) {
      return (minutes / 60) + "h";
    }
    return (minutes / (24 * 60)) + "d";
  }
}
