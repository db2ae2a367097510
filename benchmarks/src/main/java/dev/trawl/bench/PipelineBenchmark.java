package dev.trawl.bench;

import dev.trawl.bench.engine.Parallel;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineBuilder;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.StageStats;
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
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.SyntheticFeed;
import dev.trawl.vector.Metric;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end latency of one home-feed request through {@link Pipeline}: the request's filter (20 seen
 * posts, a blocked author) composed once, 3 sources of {@code perSource} candidates each (HNSW
 * nearest neighbours of a user vector over {@code items} generated {@code dim}-dimensional posts,
 * searched with that filter through the planner; the newest posts; a trending list), 2 filters (the
 * request's filter on the other sources' candidates, removed posts), 2 hydrators, a weighted scorer and freshness decay, sort, author and community caps, MMR over the
 * top 200, page of 50. One operation = one request (inputs reset and refilled, then execute).
 *
 * <p>Sample mode reports p50/p99. At tear-down the pipeline's own metrics are printed: the sum of
 * the stage times vs the end-to-end time ({@code overhead}); read it on {@code execution=caller},
 * where sources run one after another (on the pool, parallel source times overlap).
 *
 * <pre>
 * java -Xmx6g -jar benchmarks.jar PipelineBenchmark -prof gc               # 1M items, 64 dims
 * java -Xmx2g -jar benchmarks.jar PipelineBenchmark -p items=100000        # quicker
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "--add-modules", "jdk.incubator.vector"})
public class PipelineBenchmark {
  static final long NOW = 1_700_000_000_000L;
  static final Feature AFFINITY = Feature.candidate("author_affinity", 0f);

  @Param({"1000000"})
  public int items;

  @Param({"64"})
  public int dim;

  @Param({"1000"})
  public int perSource;

  @Param({"pool", "caller"})
  public String execution;

  VectorIndex index;
  RecentItems recent;
  float[][] users;
  Pipeline pipeline;

  /** Post metadata derived from the id (50,000 authors, 500 communities, 30 s apart). */
  static final ItemMetadata METADATA = SyntheticFeed.metadata(50_000, 500, NOW, 20_000, 30_000L);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    index = generatedIndex(items, dim);
    recent = recentItems(items);
    users = users(dim);
    final PipelineBuilder b = homeFeed("home-feed", index, recent, items, perSource, perSource);
    pipeline = ("caller".equals(execution) ? b.sourcesOnCallerThread() : b).build();
  }

  /**
   * {@code items} posts of uniform random components (seeded by id), with their {@link #METADATA}
   * author and community as index attributes (what the request filter excludes by), built on every
   * core.
   */
  static VectorIndex generatedIndex(int items, int dim) throws Exception {
    final VectorIndex index = VectorIndex.builder(dim, Metric.COSINE).m(16).efConstruction(100).seed(42)
        .expectedItems(items).build();
    Parallel.forEach(items, Math.max(1, Runtime.getRuntime().availableProcessors()), id -> {
      final SplittableRandom r = new SplittableRandom(id);
      final float[] v = new float[dim]; // set-up only: a vector and attributes per item are fine here
      for (int d = 0; d < dim; d++) {
        v[d] = (float) (r.nextDouble() * 2 - 1);
      }
      index.add(id, v, new ItemAttributes().author(METADATA.author(id)).community(METADATA.community(id)));
    });
    return index;
  }

  /** The newest 65,536 posts, one a second up to {@link #NOW}. */
  static RecentItems recentItems(int items) {
    return SyntheticFeed.recentItems(METADATA, items, 1 << 16, NOW, 1_000L);
  }

  /** 256 user vectors, seed 7. */
  static float[][] users(int dim) {
    final SplittableRandom random = new SplittableRandom(7);
    final float[][] users = new float[256][dim];
    for (float[] u : users) {
      for (int d = 0; d < dim; d++) {
        u[d] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    return users;
  }

  /** The benchmarked home feed; {@code ef} is the nearest-neighbour source's beam width. */
  static PipelineBuilder homeFeed(String name, VectorIndex index, RecentItems recent, int items,
      int perSource, int ef) {
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    return Pipeline.builder(name)
        .validIds(id -> id >= 0 && id < items)
        .queryHydrator("exclusions", exclusions,
            StageOptions.defaults().policy(StageOptions.Policy.FAIL_CLOSED))
        .source("ann", VectorSource.builder(index).k(perSource).ef(ef).filter(exclusions).build(),
            StageOptions.defaults().expectedCandidates(perSource))
        .source("recent", new RecencySource(recent, perSource, TimeUnit.DAYS.toMillis(2),
            TimeUnit.HOURS.toMillis(6), false), StageOptions.defaults().expectedCandidates(perSource))
        .source("trending", SyntheticFeed.rotatingTrending(perSource, items, 977),
            StageOptions.defaults().expectedCandidates(perSource))
        .hydrator("attributes", new AttributeHydrator(METADATA))
        .hydrator("affinity", SyntheticFeed.authorAffinity(AFFINITY, 15))
        .rule("excluded", exclusions.rule())
        .rule("removed", RemovedItemsRule.of(id -> id % 101 == 0))
        .scorer("linear", LinearScorer.builder().sourceScore(1f).weight(AFFINITY, 0.3f).build())
        .scorer("freshness", new FreshnessDecay(TimeUnit.DAYS.toMillis(1), 0.5f))
        .selector("sort", SortByScore.instance())
        .selector("author-cap", DiversityCap.perAuthor(2))
        .selector("community-cap", DiversityCap.perCommunity(5))
        .selector("mmr", new MmrDiversity(index, 0.7f, 200))
        .selector("page", Truncate.toPages(1));
  }

  /** Fills {@code ctx} with request {@code i}: user vector, 20 seen ids, a blocked author. */
  static RequestContext request(RequestContext ctx, int i, float[][] users, int items) {
    ctx.reset().userId(i).nowMillis(NOW).seed(i).pageSize(50).queryVector(users[i & 255]);
    for (int s = 0; s < 20; s++) {
      ctx.seenIds().add((i * 31L + s * 17L) % items);
    }
    ctx.blockedAuthors().add(i % 50_000);
    return ctx;
  }

  /** One request thread's reusable context and page. */
  @State(Scope.Thread)
  public static class Request {
    RequestContext ctx;
    PipelineResult page;
    int next;

    @Setup(Level.Trial)
    public void setUp(PipelineBenchmark bench) {
      ctx = bench.pipeline.newContext();
      page = new PipelineResult();
    }
  }

  @Benchmark
  public int homeFeed(Request r) {
    pipeline.execute(request(r.ctx, r.next++, users, items), r.page);
    return r.page.size();
  }

  @TearDown(Level.Trial)
  public void report() {
    final MetricsSnapshot m = pipeline.metrics();
    long stageNanos = 0;
    for (StageStats s : m.stages()) {
      stageNanos += s.totalNanos();
    }
    System.out.printf("%n[pipeline %s] requests=%d p50=%.1fus p99=%.1fus stage-sum=%.1fus/request "
            + "end-to-end=%.1fus/request overhead=%.2f%% degraded=%d%n", execution, m.request().calls(),
        m.request().latencyAtPercentile(50) / 1e3,
        m.request().latencyAtPercentile(99) / 1e3,
        stageNanos / 1e3 / m.request().calls(), m.request().totalNanos() / 1e3 / m.request().calls(),
        100 * m.overheadFraction(), m.degradedRequests());
    for (StageStats s : m.stages()) {
      System.out.printf("  %-14s p50=%8.1fus p99=%8.1fus mean=%8.1fus in/req=%7.1f out/req=%7.1f%n",
          s.name(), s.latencyAtPercentile(50) / 1e3, s.latencyAtPercentile(99) / 1e3,
          s.totalNanos() / 1e3 / Math.max(1, s.calls()), s.candidatesIn() / (double) Math.max(1, s.calls()),
          s.candidatesOut() / (double) Math.max(1, s.calls()));
    }
  }
}
