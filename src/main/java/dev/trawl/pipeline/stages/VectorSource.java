package dev.trawl.pipeline.stages;

import dev.trawl.collect.StripedCounters;
import dev.trawl.index.FilterPlanner;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.PipelineException;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.vector.Metric;

/**
 * Candidates nearest to the request's query vector ({@link RequestContext#queryVectorBuffer()}) in a
 * {@link VectorIndex}, with the similarity as source score ({@code 1 - distance} under cosine,
 * {@code -distance} otherwise) and the index ordinal recorded for later stages.
 *
 * <pre>{@code
 * RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
 * VectorSource.builder(index).k(1000).ef(1200).filter(exclusions).build()
 * }</pre>
 *
 * <p>With a {@link Builder#filter(RequestFilterHydrator) filter}, every search is planned from the
 * request's composed {@link RequestFilter} ({@link Searcher#search(float[], int, int, RequestFilter,
 * SearchResults)}): an exact scan when few items are allowed, otherwise a walk with the filter inside
 * it. {@link #planCount(int)} counts how many searches took each plan. Without one, the search is
 * unfiltered.
 *
 * <p><b>Thread-safe and immutable</b> (its plan counters are striped by thread and allocated when it is built); each context gets
 * its own {@link Searcher} and results as scratch, so a fetch allocates nothing. A request without a
 * query vector, or with one of the wrong dimension, is a bad request; a filter that was not composed
 * for the request fails the source.
 */
public final class VectorSource implements CandidateSource {
  private final VectorIndex index;
  private final int k;
  private final int ef;
  private final RequestFilterHydrator filter;
  private final float similarityOffset;
  // indexed by FilterPlanner.NONE (unfiltered), EXACT, WALK, WALK_THEN_EXACT
  private final StripedCounters.Counter[] plans = newPlanCounters();

  private static StripedCounters.Counter[] newPlanCounters() {
    final StripedCounters group = new StripedCounters(4);
    return new StripedCounters.Counter[] {
      group.newCounter(), group.newCounter(), group.newCounter(), group.newCounter()
    };
  }

  private VectorSource(Builder b) {
    this.index = b.index;
    this.k = b.k;
    this.ef = Math.max(b.ef, b.k);
    this.filter = b.filter;
    this.similarityOffset = index.metric() == Metric.COSINE ? 1f : 0f;
  }

  /**
   * Starts a source over {@code index}.
   *
   * @param index the index the source searches
   * @return a new builder: k 500, ef 600, no filter
   */
  public static Builder builder(VectorIndex index) {
    return new Builder(index);
  }

  @Override
  public Feature[] reads() {
    return filter == null ? NONE : new Feature[] {filter.composed()};
  }

  @Override
  public Object newScratch() {
    return new Scratch(index.newSearcher(), new SearchResults(k));
  }

  @Override
  public void fetch(RequestContext ctx, CandidateSink out) {
    if (ctx.queryDimension() != index.dimension()) {
      throw PipelineException.badRequest(ctx.hasQueryVector()
          ? "query vector has " + ctx.queryDimension() + " dimensions, the index " + index.dimension()
          : "the request has no query vector");
    }
    final Scratch s = out.scratch();
    final int n;
    final int plan;
    if (filter == null) {
      n = s.searcher.search(ctx.queryVectorBuffer(), k, ef, s.results);
      plan = FilterPlanner.NONE;
    } else {
      n = s.searcher.search(ctx.queryVectorBuffer(), k, ef, filter.filterFor(ctx), s.results);
      plan = s.searcher.planner().lastPlan();
    }
    plans[plan].increment();
    final SearchResults r = s.results;
    for (int i = 0; i < n; i++) {
      out.add(r.id(i), similarityOffset - r.distance(i));
    }
  }

  /**
   * How many searches of this source took {@code plan} since it was built, over every pipeline and
   * context using it: {@link FilterPlanner#EXACT}, {@link FilterPlanner#WALK} or
   * {@link FilterPlanner#WALK_THEN_EXACT}; {@link FilterPlanner#NONE} counts unfiltered searches (no
   * {@link Builder#filter filter}). Thread-safe; a sum over striped counters.
   *
   * @param plan a plan constant of {@link FilterPlanner}
   * @return the searches that took it so far
   * @throws IllegalArgumentException for another value
   */
  public long planCount(int plan) {
    if (plan < FilterPlanner.NONE || plan > FilterPlanner.WALK_THEN_EXACT) {
      throw new IllegalArgumentException("plan must be NONE, EXACT, WALK or WALK_THEN_EXACT, got " + plan);
    }
    return plans[plan].sum();
  }

  /** Per-context scratch. */
  private static final class Scratch {
    final Searcher searcher;
    final SearchResults results;

    Scratch(Searcher searcher, SearchResults results) {
      this.searcher = searcher;
      this.results = results;
    }
  }

  /** Configures a {@link VectorSource}. Not thread-safe. */
  public static final class Builder {
    private final VectorIndex index;
    private int k = 500;
    private int ef = 600;
    private RequestFilterHydrator filter;

    private Builder(VectorIndex index) {
      if (index == null) {
        throw new NullPointerException("index is null");
      }
      this.index = index;
    }

    /**
     * Candidates to return (default 500).
     *
     * @param k the candidates each search returns, positive
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code k} is not positive
     */
    public Builder k(int k) {
      if (k <= 0) {
        throw new IllegalArgumentException("k must be positive, got " + k);
      }
      this.k = k;
      return this;
    }

    /**
     * Search beam width, raised to {@code k} if smaller (default 600).
     *
     * @param ef the beam width of each search
     * @return this builder, for chaining
     */
    public Builder ef(int ef) {
      if (ef <= 0) {
        throw new IllegalArgumentException("ef must be positive, got " + ef);
      }
      this.ef = ef;
      return this;
    }

    /**
     * Searches with the filter {@code stage} composes for each request (which must be in the same
     * pipeline, before the sources: the builder checks it). Default: no filter.
     *
     * @param stage the stage composing the request's filter
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the stage composes its filter over another index
     */
    public Builder filter(RequestFilterHydrator stage) {
      if (stage == null) {
        throw new NullPointerException("stage is null");
      }
      if (stage.index() != index) {
        throw new IllegalArgumentException("the request filter is over another index than this source");
      }
      this.filter = stage;
      return this;
    }

    /**
     * Builds the source.
     *
     * @return a new, thread-safe source
     */
    public VectorSource build() {
      return new VectorSource(this);
    }
  }
}
