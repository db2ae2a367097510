package dev.trawl.bench;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.stages.AttributeHydrator;
import dev.trawl.pipeline.stages.DiversityCap;
import dev.trawl.pipeline.stages.ExcludeFilter;
import dev.trawl.pipeline.stages.FreshnessDecay;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.RecencySource;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.shadow.PipelineLane;
import dev.trawl.shadow.PipelineShadow;
import dev.trawl.shadow.ShadowMode;
import dev.trawl.shadow.ShadowReport;
import dev.trawl.shadow.ShadowSchema;
import dev.trawl.vector.Metric;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What in-process shadow testing costs the live request: the primary pipeline's latency with
 * {@code rate} of requests also handed to {@link ShadowMode} (0, 10% and 100%).
 *
 * <p><b>One operation</b> = one primary request on the benchmark thread: the request context is reset
 * and refilled (user vector, 20 seen ids, a blocked author), the primary pipeline executes, then
 * {@link ShadowMode#offer} is called with the page and the measured primary time, exactly as a host
 * would after answering. The shadow work itself (the candidate pipeline, the page comparison) runs on
 * one shadow worker thread and is <i>not</i> in the operation; what it costs the primary is what this
 * measures: the offer (a CAS-claimed slot and a copy of the request and page) plus the competition for
 * the machine's cores, caches and memory bandwidth. Sample mode gives the distribution (p50, p99).
 *
 * <p>The primary is a home feed like {@link PipelineBenchmark}'s with sources on the calling thread
 * (one request = one thread): HNSW neighbours of a user vector ({@code perSource} of them, ef =
 * {@code perSource}) over {@code items} generated {@code dim}-dimensional posts, the newest posts, a
 * trending list; attributes and affinity hydrators; seen, blocked and removed filters; a weighted
 * scorer, freshness decay, sort, author and community caps, page of 50. The candidate is the same feed
 * with a twice as wide search beam (ef = 2 &times; perSource), as when shadowing an ef change; no A/A
 * lane. Queue capacity 32 jobs, 1 worker: when the worker falls behind, samples are dropped (counted
 * and printed at tear-down; at 100% on 2 cores the candidate is slower than the primary, so many
 * are). Data: fixed seeds (index 42, users 7, vectors by id), built once per trial.
 *
 * <p>{@code -prof gc}'s {@code gc.alloc.rate.norm} counts every thread's allocation per operation,
 * the shadow worker's and JMH's own threads included; the line {@code primary-thread bytes/op}
 * printed after each iteration counts only what the benchmark thread allocated inside the operations
 * (ThreadMXBean around each request), which is the guarantee: the request path, {@code offer}
 * included, allocates nothing in steady state.
 *
 * <pre>
 * java -Xmx2g -jar benchmarks/target/benchmarks.jar ShadowBenchmark -prof gc
 * java -Xmx2g -jar benchmarks/target/benchmarks.jar ShadowBenchmark -p items=20000 -wi 2 -i 3 -w 2s -r 3s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ShadowBenchmark {
  @Param({"0", "0.1", "1"})
  public double rate;

  @Param({"50000"})
  public int items;

  @Param({"64"})
  public int dim;

  @Param({"300"})
  public int perSource;

  float[][] users;
  Pipeline primary;
  ShadowMode<RequestContext, PipelineResult> shadow;

  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    final VectorIndex index = VectorIndex.builder(dim, Metric.COSINE).m(16).efConstruction(100).seed(42)
        .expectedItems(items).build();
    final AtomicInteger next = new AtomicInteger();
    final Thread[] builders = new Thread[Math.max(1, Runtime.getRuntime().availableProcessors())];
    for (int t = 0; t < builders.length; t++) {
      builders[t] = new Thread(() -> {
        final float[] v = new float[dim];
        for (int id = next.getAndIncrement(); id < items; id = next.getAndIncrement()) {
          final SplittableRandom r = new SplittableRandom(id);
          for (int d = 0; d < dim; d++) {
            v[d] = (float) (r.nextDouble() * 2 - 1);
          }
          index.add(id, v);
        }
      });
      builders[t].start();
    }
    for (Thread t : builders) {
      t.join();
    }
    final PipelineBenchmark.Attributes attributes = new PipelineBenchmark.Attributes();
    final RecentItems recent = new RecentItems(1 << 14);
    for (long id = Math.max(0, items - (1 << 14)); id < items; id++) {
      recent.append(id, attributes.author(id), attributes.community(id),
          PipelineBenchmark.NOW - (items - id) * 1_000L);
    }
    final SplittableRandom random = new SplittableRandom(7);
    users = new float[256][dim];
    for (float[] u : users) {
      for (int d = 0; d < dim; d++) {
        u[d] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    primary = feed("primary", index, recent, attributes, perSource);
    final Pipeline candidate = feed("candidate", index, recent, attributes, 2 * perSource);
    final ShadowSchema schema = PipelineShadow.schema(primary, candidate);
    shadow = ShadowMode.builder(schema, PipelineShadow.recorder(primary, schema),
            PipelineLane.live(candidate, schema))
        .sampleRate(rate).queueCapacity(32).workers(1).title("ef " + perSource + " -> " + 2 * perSource)
        .build();
  }

  private Pipeline feed(String name, VectorIndex index, RecentItems recent,
      PipelineBenchmark.Attributes attributes, int ef) {
    return Pipeline.builder(name)
        .validIds(id -> id >= 0 && id < items)
        .source("ann", VectorSource.builder(index).k(perSource).ef(ef).excludeSeen(true).build(),
            StageOptions.defaults().expectedCandidates(perSource))
        .source("recent", new RecencySource(recent, perSource, TimeUnit.DAYS.toMillis(2),
            TimeUnit.HOURS.toMillis(6), false), StageOptions.defaults().expectedCandidates(perSource))
        .source("trending", new PipelineBenchmark.Trending(perSource, items),
            StageOptions.defaults().expectedCandidates(perSource))
        .hydrator("attributes", new AttributeHydrator(attributes))
        .hydrator("affinity", new PipelineBenchmark.Affinity())
        .filter("seen", ExcludeFilter.seen())
        .filter("blocked", ExcludeFilter.blockedAuthors())
        .filter("removed", ExcludeFilter.removed(id -> id % 101 == 0))
        .scorer("linear", LinearScorer.builder().sourceScore(1f).weight(PipelineBenchmark.AFFINITY, 0.3f).build())
        .scorer("freshness", new FreshnessDecay(TimeUnit.DAYS.toMillis(1), 0.5f))
        .selector("sort", SortByScore.instance())
        .selector("author-cap", DiversityCap.perAuthor(2))
        .selector("community-cap", DiversityCap.perCommunity(5))
        .selector("page", Truncate.toPages(1))
        .sourcesOnCallerThread()
        .build();
  }

  /** The request thread's reusable context and page, and its allocation counter. */
  @State(Scope.Thread)
  public static class Request {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    RequestContext ctx;
    PipelineResult page;
    int next;
    long thread;
    long bytes;
    int ops;

    @Setup(Level.Trial)
    public void setUp(ShadowBenchmark bench) {
      ctx = bench.primary.newContext();
      page = new PipelineResult();
    }

    @Setup(Level.Iteration)
    public void startIteration() {
      thread = Thread.currentThread().getId();
      bytes = 0;
      ops = 0;
    }

    /** Bytes allocated by this thread so far (allocation-free, ~tens of ns: noise next to a request). */
    long allocated() {
      return THREADS.getThreadAllocatedBytes(thread);
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
      System.out.printf(" [primary-thread bytes/op %.3f over %d ops]", bytes / (double) Math.max(1, ops), ops);
    }
  }

  @Benchmark
  public int primaryRequest(Request r) {
    final long before = r.allocated();
    final int i = r.next++;
    final long start = System.nanoTime();
    final RequestContext ctx = r.ctx.reset().userId(i).nowMillis(PipelineBenchmark.NOW).seed(i).pageSize(50)
        .queryVector(users[i & 255]);
    for (int s = 0; s < 20; s++) {
      ctx.seenIds().add((i * 31L + s * 17L) % items);
    }
    ctx.blockedAuthors().add(i % 50_000);
    primary.execute(ctx, r.page);
    shadow.offer(ctx, r.page, System.nanoTime() - start);
    r.bytes += r.allocated() - before;
    r.ops++;
    return r.page.size();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    shadow.awaitIdle(30, TimeUnit.SECONDS);
    final ShadowReport report = shadow.report();
    System.out.printf("%n[shadow rate=%.2f] sampled=%d compared=%d dropped=%d candidate-failures=%d; "
            + "overlap@10=%.4f latency p99 primary=%.0fus candidate=%.0fus%n",
        rate, shadow.sampled(), shadow.completed(), shadow.dropped(), shadow.candidateFailures(),
        report.pagesCompared() > 0 ? report.row("overlap@10").candidate() : Double.NaN,
        report.row("latency_p99_us").primary(), report.row("latency_p99_us").candidate());
    shadow.close();
  }
}
