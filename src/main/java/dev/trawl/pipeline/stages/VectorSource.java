package dev.trawl.pipeline.stages;

import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.OrdinalFilter;
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
 * {@code -distance} otherwise) and the index ordinal recorded for diversity stages.
 *
 * <pre>{@code
 * VectorSource.builder(index).k(1000).ef(1200).excludeSeen(true).build()
 * }</pre>
 *
 * <p>Restrictions are applied inside the graph walk through an {@link OrdinalFilter}: the seen set
 * ({@link Builder#excludeSeen}), and the filter a {@link FilterProvider} picks for the request. When
 * that filter is a request-scoped {@link RequestFilter} (bitmaps composed per request), the search is
 * planned from its cardinality ({@link Searcher#search(float[], int, int, RequestFilter,
 * dev.trawl.index.SearchResults)}: an exact scan when few items are allowed); fold the seen ids into
 * it ({@code andNotIds}) rather than also using {@code excludeSeen}, which wraps the filter and so
 * bypasses the planner.
 *
 * <p><b>Thread-safe and immutable</b>; each context gets its own {@link Searcher}, results and bound
 * filter as scratch, so a fetch allocates nothing. A request without a query vector is a bad request.
 */
public final class VectorSource implements CandidateSource {
  /**
   * Chooses the {@link OrdinalFilter} for one request, e.g. a request-scoped bitmap filter the host
   * composed for this context (kept in {@link RequestContext#attachment()}) or a shared constant.
   * Must be thread-safe and must not allocate; the returned filter is used during the fetch only.
   */
  @FunctionalInterface
  public interface FilterProvider {
    /** Every ordinal. */
    FilterProvider ALL = ctx -> OrdinalFilter.ALL;

    OrdinalFilter filterFor(RequestContext ctx);
  }

  private final VectorIndex index;
  private final int k;
  private final int ef;
  private final boolean excludeSeen;
  private final FilterProvider filter;
  private final float similarityOffset;

  private VectorSource(Builder b) {
    this.index = b.index;
    this.k = b.k;
    this.ef = Math.max(b.ef, b.k);
    this.excludeSeen = b.excludeSeen;
    this.filter = b.filter;
    this.similarityOffset = index.metric() == Metric.COSINE ? 1f : 0f;
  }

  public static Builder builder(VectorIndex index) {
    return new Builder(index);
  }

  @Override
  public Feature[] writes() {
    return new Feature[] {Feature.ORDINAL};
  }

  @Override
  public Object newScratch() {
    return new Scratch(index.newSearcher(), new SearchResults(k), index);
  }

  @Override
  public void fetch(RequestContext ctx, CandidateSink out) {
    if (ctx.queryDimension() != index.dimension()) {
      throw PipelineException.badRequest(ctx.hasQueryVector()
          ? "query vector has " + ctx.queryDimension() + " dimensions, the index " + index.dimension()
          : "the request has no query vector");
    }
    final Scratch s = out.scratch();
    final OrdinalFilter chosen = filter.filterFor(ctx);
    final boolean wrapSeen = excludeSeen && !ctx.seenIds().isEmpty();
    if (chosen instanceof RequestFilter && !wrapSeen) {
      // a bitmap filter: let the planner choose between a filtered walk and an exact scan
      emit(s.searcher.search(ctx.queryVectorBuffer(), k, ef, (RequestFilter) chosen, s.results), s, out);
      return;
    }
    final OrdinalFilter f;
    if (wrapSeen) {
      s.ctx = ctx; // the scratch is the seen-excluding wrapper: no lambda per request
      s.inner = chosen == null ? OrdinalFilter.ALL : chosen;
      f = s;
    } else {
      f = chosen == null ? OrdinalFilter.ALL : chosen;
    }
    final int n;
    try {
      n = s.searcher.search(ctx.queryVectorBuffer(), k, ef, f, s.results);
    } finally {
      s.ctx = null;
      s.inner = null;
    }
    emit(n, s, out);
  }

  private void emit(int n, Scratch s, CandidateSink out) {
    final SearchResults r = s.results;
    for (int i = 0; i < n; i++) {
      final int row = out.add(r.id(i), similarityOffset - r.distance(i));
      out.setOrdinal(row, r.ordinal(i));
    }
  }

  /** Per-context scratch; also the seen-excluding filter handed to the searcher. */
  private static final class Scratch implements OrdinalFilter {
    final Searcher searcher;
    final SearchResults results;
    final VectorIndex index;
    RequestContext ctx;
    OrdinalFilter inner;

    Scratch(Searcher searcher, SearchResults results, VectorIndex index) {
      this.searcher = searcher;
      this.results = results;
      this.index = index;
    }

    @Override
    public boolean accepts(int ordinal) {
      return !ctx.seenIds().contains(index.idOf(ordinal)) && inner.accepts(ordinal);
    }
  }

  /** Configures a {@link VectorSource}. Not thread-safe. */
  public static final class Builder {
    private final VectorIndex index;
    private int k = 500;
    private int ef = 600;
    private boolean excludeSeen;
    private FilterProvider filter = FilterProvider.ALL;

    private Builder(VectorIndex index) {
      if (index == null) {
        throw new NullPointerException("index is null");
      }
      this.index = index;
    }

    /** Candidates to return (default 500). */
    public Builder k(int k) {
      if (k <= 0) {
        throw new IllegalArgumentException("k must be positive, got " + k);
      }
      this.k = k;
      return this;
    }

    /** Search beam width, raised to {@code k} if smaller (default 600). */
    public Builder ef(int ef) {
      if (ef <= 0) {
        throw new IllegalArgumentException("ef must be positive, got " + ef);
      }
      this.ef = ef;
      return this;
    }

    /** Skips items in {@link RequestContext#seenIds()} inside the walk, so k stays full. */
    public Builder excludeSeen(boolean excludeSeen) {
      this.excludeSeen = excludeSeen;
      return this;
    }

    /** Picks the ordinal filter applied inside the walk, per request (default: none). */
    public Builder filter(FilterProvider filter) {
      if (filter == null) {
        throw new NullPointerException("filter is null");
      }
      this.filter = filter;
      return this;
    }

    public VectorSource build() {
      return new VectorSource(this);
    }
  }
}
