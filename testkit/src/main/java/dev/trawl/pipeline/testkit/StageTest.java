package dev.trawl.pipeline.testkit;

import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.CandidateRule;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.NanoClock;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineBuilder;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.QueryHydrator;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Scorer;
import dev.trawl.pipeline.Selector;
import dev.trawl.pipeline.SideEffect;
import dev.trawl.pipeline.StageOptions;
import java.util.function.Consumer;

/**
 * Runs one stage, or a few, over hand-made candidates and returns what came out, in a few lines and
 * without JUnit (use any assertion library):
 *
 * <pre>{@code
 * StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3))
 *     .rule("taken-down", RemovedItemsRule.of(id -> id == 2))
 *     .run(ctx -> ctx.userId(7));
 * assertThat(out.ids()).containsExactly(1L, 3L);
 * }</pre>
 *
 * <p>Sources run on the calling thread; the page size defaults to 10,000 so nothing is cut unless the
 * test asks; every run is traced. The pipeline is built on the first run and then reused, with the
 * same context, so repeated runs also exercise context reuse. Not thread-safe; test-only (allocates).
 */
public final class StageTest {
  private final PipelineBuilder builder = Pipeline.builder("stage-test").sourcesOnCallerThread()
      .pageSize(10_000);
  private Pipeline pipeline;
  private RequestContext ctx;
  private final PipelineResult result = new PipelineResult();

  private StageTest() {}

  /** A test whose first source, named {@code "candidates"}, returns {@code candidates}. */
  public static StageTest with(CandidateSource candidates) {
    return new StageTest().source("candidates", candidates);
  }

  public StageTest source(String name, CandidateSource source) {
    return source(name, source, StageOptions.defaults());
  }

  public StageTest source(String name, CandidateSource source, StageOptions options) {
    builder.source(name, source, options);
    return this;
  }

  public StageTest input(Feature... queryFeatures) {
    builder.input(queryFeatures);
    return this;
  }

  public StageTest queryHydrator(String name, QueryHydrator stage) {
    builder.queryHydrator(name, stage);
    return this;
  }

  public StageTest hydrator(String name, CandidateHydrator stage) {
    return hydrator(name, stage, StageOptions.defaults());
  }

  public StageTest hydrator(String name, CandidateHydrator stage, StageOptions options) {
    builder.hydrator(name, stage, options);
    return this;
  }

  public StageTest rule(String name, CandidateRule stage) {
    return rule(name, stage, StageOptions.defaults());
  }

  public StageTest rule(String name, CandidateRule stage, StageOptions options) {
    builder.rule(name, stage, options);
    return this;
  }

  public StageTest scorer(String name, Scorer stage) {
    return scorer(name, stage, StageOptions.defaults());
  }

  public StageTest scorer(String name, Scorer stage, StageOptions options) {
    builder.scorer(name, stage, options);
    return this;
  }

  public StageTest selector(String name, Selector stage) {
    return selector(name, stage, StageOptions.defaults());
  }

  public StageTest selector(String name, Selector stage, StageOptions options) {
    builder.selector(name, stage, options);
    return this;
  }

  public StageTest sideEffect(String name, SideEffect stage) {
    builder.sideEffect(name, stage);
    return this;
  }

  public StageTest clock(NanoClock clock) {
    builder.clock(clock);
    return this;
  }

  /** Runs a request with default inputs. */
  public Outcome run() {
    return run(ctx -> { });
  }

  /** Runs a request whose inputs {@code setup} fills (after the context was reset). */
  public Outcome run(Consumer<RequestContext> setup) {
    if (pipeline == null) {
      pipeline = builder.build();
      ctx = pipeline.newContext();
    }
    ctx.reset();
    setup.accept(ctx);
    ctx.traceNextRequest();
    pipeline.execute(ctx, result);
    return new Outcome(result, pipeline);
  }

  /** The pipeline under test (built on the first run). */
  public Pipeline pipeline() {
    if (pipeline == null) {
      pipeline = builder.build();
      ctx = pipeline.newContext();
    }
    return pipeline;
  }

  /** What one run produced: a copy of the page, the trace and the pipeline for metrics. */
  public static final class Outcome {
    private final long[] ids;
    private final float[] scores;
    private final String[] sources;
    private final long[] authors;
    private final long[] communities;
    private final PipelineResult result;
    private final Pipeline pipeline;

    Outcome(PipelineResult r, Pipeline pipeline) {
      final int n = r.size();
      ids = new long[n];
      scores = new float[n];
      sources = new String[n];
      authors = new long[n];
      communities = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = r.id(i);
        scores[i] = r.score(i);
        sources[i] = r.sourceName(i);
        authors[i] = r.author(i);
        communities[i] = r.community(i);
      }
      this.result = r;
      this.pipeline = pipeline;
    }

    /** Page ids, best first. */
    public long[] ids() {
      return ids.clone();
    }

    public float[] scores() {
      return scores.clone();
    }

    /** Source name of each page entry. */
    public String[] sources() {
      return sources.clone();
    }

    public long[] authors() {
      return authors.clone();
    }

    public long[] communities() {
      return communities.clone();
    }

    /** Whether an optional stage failed or timed out. */
    public boolean degraded() {
      return result.degraded();
    }

    /** The run's trace (every run is traced). */
    public dev.trawl.pipeline.Trace trace() {
      return result.trace();
    }

    /** The pipeline, for {@link Pipeline#metrics()}. */
    public Pipeline pipeline() {
      return pipeline;
    }
  }
}
