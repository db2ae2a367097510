package dev.trawl.pipeline.stages;

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
 * ({@link Builder#excludeSeen}), and an optional {@link RequestFilter} that sees the request (for
 * example a {@code dev.trawl.filter} bitmap resolved from the request's attributes).
 *
 * <p><b>Thread-safe and immutable</b>; each context gets its own {@link Searcher}, results and bound
 * filter as scratch, so a fetch allocates nothing. A request without a query vector is a bad request.
 */
public final class VectorSource implements CandidateSource {
  /** An ordinal filter that sees the request; must be thread-safe and allocation-free. */
  @FunctionalInterface
  public interface RequestFilter {
    /** Accepts every ordinal. */
    RequestFilter ALL = (ctx, ordinal) -> true;

    boolean accepts(RequestContext ctx, int ordinal);
  }

  private final VectorIndex index;
  private final int k;
  private final int ef;
  private final boolean excludeSeen;
  private final RequestFilter filter;
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
    return new Scratch(index.newSearcher(), new SearchResults(k), this);
  }

  @Override
  public void fetch(RequestContext ctx, CandidateSink out) {
    if (ctx.queryDimension() != index.dimension()) {
      throw PipelineException.badRequest(ctx.hasQueryVector()
          ? "query vector has " + ctx.queryDimension() + " dimensions, the index " + index.dimension()
          : "the request has no query vector");
    }
    final Scratch s = out.scratch();
    s.ctx = ctx;
    final OrdinalFilter f = excludeSeen || filter != RequestFilter.ALL ? s : OrdinalFilter.ALL;
    final int n;
    try {
      n = s.searcher.search(ctx.queryVectorBuffer(), k, ef, f, s.results);
    } finally {
      s.ctx = null;
    }
    final SearchResults r = s.results;
    for (int i = 0; i < n; i++) {
      final int row = out.add(r.id(i), similarityOffset - r.distance(i));
      out.setOrdinal(row, r.ordinal(i));
    }
  }

  /** Per-context scratch; also the bound filter handed to the searcher (no lambda per request). */
  private static final class Scratch implements OrdinalFilter {
    final Searcher searcher;
    final SearchResults results;
    final VectorSource source;
    RequestContext ctx;

    Scratch(Searcher searcher, SearchResults results, VectorSource source) {
      this.searcher = searcher;
      this.results = results;
      this.source = source;
    }

    @Override
    public boolean accepts(int ordinal) {
      final RequestContext c = ctx;
      if (source.excludeSeen && !c.seenIds().isEmpty()
          && c.seenIds().contains(source.index.idOf(ordinal))) {
        return false;
      }
      return source.filter.accepts(c, ordinal);
    }
  }

  /** Configures a {@link VectorSource}. Not thread-safe. */
  public static final class Builder {
    private final VectorIndex index;
    private int k = 500;
    private int ef = 600;
    private boolean excludeSeen;
    private RequestFilter filter = RequestFilter.ALL;

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

    /** A per-request ordinal filter applied inside the walk. */
    public Builder filter(RequestFilter filter) {
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
