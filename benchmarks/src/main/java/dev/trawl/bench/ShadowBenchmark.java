package dev.trawl.bench;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.shadow.PipelineLane;
import dev.trawl.shadow.PipelineShadow;
import dev.trawl.shadow.ShadowMode;
import dev.trawl.shadow.ShadowReport;
import dev.trawl.shadow.ShadowSchema;
import java.lang.management.ManagementFactory;
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
 * <p>The primary is {@link PipelineBenchmark}'s home feed (same data, same stages, same requests) with
 * sources on the calling thread (one request = one thread): HNSW neighbours of a user vector
 * ({@code perSource} of them, ef = {@code perSource}) over {@code items} generated
 * {@code dim}-dimensional posts, the newest posts, a trending list; attributes and affinity
 * hydrators; seen, blocked and removed filters; a weighted scorer, freshness decay, sort, author and
 * community caps, MMR over the top 200, page of 50. The candidate is the same feed
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
  public void setUp() throws Exception {
    final VectorIndex index = PipelineBenchmark.generatedIndex(items, dim);
    final RecentItems recent = PipelineBenchmark.recentItems(items);
    users = PipelineBenchmark.users(dim);
    primary = PipelineBenchmark.homeFeed("primary", index, recent, items, perSource, perSource)
        .sourcesOnCallerThread().build();
    final Pipeline candidate =
        PipelineBenchmark.homeFeed("candidate", index, recent, items, perSource, 2 * perSource)
            .sourcesOnCallerThread().build();
    final ShadowSchema schema = PipelineShadow.schema(primary, candidate);
    shadow = ShadowMode.builder(schema, PipelineShadow.recorder(primary, schema),
            PipelineLane.live(candidate, schema))
        .sampleRate(rate).queueCapacity(32).workers(1).title("ef " + perSource + " -> " + 2 * perSource)
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
    final long start = System.nanoTime();
    final RequestContext ctx = PipelineBenchmark.request(r.ctx, r.next++, users, items);
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
