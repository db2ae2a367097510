package dev.trawl.pipeline.stages;

import dev.trawl.filter.IdResolver;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateRule;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.IdSet;
import dev.trawl.pipeline.QueryHydrator;
import dev.trawl.pipeline.RequestContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Composes the request's {@link RequestFilter} once, before the sources run: everything except the
 * posts the user has seen ({@link RequestContext#seenIds()}), the posts of authors the user blocked
 * ({@link RequestContext#blockedAuthors()}) and of communities the user muted
 * ({@link RequestContext#mutedCommunities()}), plus whatever a host {@link Restriction} adds (each
 * part can be switched off in the {@link Builder}). Authors and communities are read from the index's
 * attributes ({@code VectorIndex.add(id, vector, attributes)}), so posts must be indexed with them.
 * This is the one way a pipeline excludes posts:
 *
 * <ul>
 *   <li>every {@link VectorSource} built with {@link VectorSource.Builder#filter(RequestFilterHydrator)}
 *       searches with it, so the filter planner picks an exact scan or a filtered walk, and the
 *       exclusions cost a bit test per visited node instead of an id lookup and a hash probe;
 *   <li>{@link #rule()} applies the same filter, after retrieval, to the candidates of sources that do
 *       not search the index (recent posts, a trending list).
 * </ul>
 *
 * <pre>{@code
 * RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);   // or builder(index)...build()
 * Pipeline.builder("home")
 *     .queryHydrator("exclusions", exclusions, StageOptions.defaults().policy(FAIL_CLOSED))
 *     .source("interest", VectorSource.builder(index).k(500).filter(exclusions).build())
 *     .source("fresh", recencySource)
 *     .rule("excluded", exclusions.rule())
 *     ...
 * }</pre>
 *
 * <p>The stage writes the query feature {@link #composed()} (1 once the filter is composed for the
 * request); the sources and the rule read it, so the pipeline builder refuses a pipeline in which they
 * would run before the stage or without it. Add the stage as required ({@code FAIL_CLOSED}): if it
 * fails or is skipped at the deadline, the sources and the rule that use it fail rather than serve
 * posts the user must not see.
 *
 * <p>Ids not in the index are ignored (they cannot be returned by a search). Removed posts that the
 * index does not know as such, e.g. taken down by moderation, are another matter:
 * {@link RemovedItemsRule} removes them after retrieval.
 *
 * <p><b>Thread-safe and immutable</b>; the filter lives in per-context scratch, composed by the
 * request thread and then only read (by sources on worker threads too). <b>Allocation:</b> none per
 * request once the filter's bitsets have grown to the index's size. Cost: one id lookup per seen id,
 * one bitmap union per blocked author or muted community (O(its posts)).
 */
public final class RequestFilterHydrator implements QueryHydrator {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  /**
   * Adds a host's own restrictions to the request's filter after the built-in exclusions, e.g.
   * {@code (ctx, index, f) -> f.and(index.attributes().languages(), LANGUAGE_EN)}. Must be
   * thread-safe and allocation-free; receives its state as arguments, so it can be a constant.
   */
  @FunctionalInterface
  public interface Restriction {
    /**
     * Restricts {@code filter} further for the request {@code ctx}.
     *
     * @param ctx the running request
     * @param index the index the filter is over
     * @param filter the request's filter, with the exclusions composed; restrict it further
     */
    void restrict(RequestContext ctx, VectorIndex index, RequestFilter filter);
  }

  private static final Restriction NO_RESTRICTION = (ctx, index, filter) -> { };

  private final VectorIndex index;
  private final boolean seen;
  private final boolean blockedAuthors;
  private final boolean mutedCommunities;
  private final Restriction restriction;
  private final Feature composed;
  private final Rule rule;

  private RequestFilterHydrator(Builder b) {
    this.index = b.index;
    this.seen = b.seen;
    this.blockedAuthors = b.blockedAuthors;
    this.mutedCommunities = b.mutedCommunities;
    this.restriction = b.restriction;
    this.composed = Feature.query(b.featureName, 0f);
    this.rule = new Rule(this);
  }

  /**
   * Excludes the context's seen posts, blocked authors and muted communities over {@code index}.
   *
   * @param index the index the filter is over
   * @return a new stage with every exclusion and no restriction
   */
  public static RequestFilterHydrator of(VectorIndex index) {
    return builder(index).build();
  }

  /**
   * Configures which exclusions the filter holds and what a host adds.
   *
   * @param index the index the filter is over
   * @return a new builder, every exclusion on
   */
  public static Builder builder(VectorIndex index) {
    return new Builder(index);
  }

  /**
   * The query feature this stage sets to 1 once it has composed the request's filter (0, its
   * default, otherwise). The stages that use the filter read it.
   *
   * @return the stage's query feature, the same on every call
   */
  public Feature composed() {
    return composed;
  }

  /**
   * The index the filter is over.
   *
   * @return the index given to the builder
   */
  public VectorIndex index() {
    return index;
  }

  @Override
  public Feature[] writes() {
    return new Feature[] {composed};
  }

  @Override
  public Object newScratch() {
    return new Composed(index.newFilter());
  }

  @Override
  public void hydrate(RequestContext ctx) {
    final Composed c = ctx.scratch();
    c.request = 0; // not usable until composed for this request
    final RequestFilter f = c.filter.allowAll();
    if (seen) {
      final IdSet ids = ctx.seenIds();
      final IdResolver resolver = index;
      for (int i = 0, n = ids.size(); i < n; i++) {
        f.andNotOrdinal(resolver.ordinalOf(ids.get(i)));
      }
    }
    if (blockedAuthors) {
      final IdSet authors = ctx.blockedAuthors();
      for (int i = 0, n = authors.size(); i < n; i++) {
        f.andNot(index.attributes().authors(), authors.get(i));
      }
    }
    if (mutedCommunities) {
      final IdSet communities = ctx.mutedCommunities();
      for (int i = 0, n = communities.size(); i < n; i++) {
        f.andNot(index.attributes().communities(), communities.get(i));
      }
    }
    restriction.restrict(ctx, index, f);
    c.request = ctx.requestNumber();
    ctx.setQueryFeature(composed, 1f);
  }

  /**
   * The filter this stage composed for the running request of {@code ctx}. Read-only by contract;
   * several sources may read it at once.
   *
   * @param ctx the running request's context
   * @return the composed filter; valid until the context's next request
   * @throws IllegalArgumentException if this stage is not in the context's pipeline
   * @throws IllegalStateException if the stage did not compose it for this request (it failed or
   *     was skipped), so that the calling stage fails instead of searching unfiltered
   */
  public RequestFilter filterFor(RequestContext ctx) {
    final Composed c = ctx.scratchOf(this);
    if (c.request != ctx.requestNumber()) {
      throw new IllegalStateException("the request filter was not composed for this request (its "
          + "stage failed or was skipped); refusing to use an unfiltered or stale filter");
    }
    return c.filter;
  }

  /**
   * A rule applying this request's filter after retrieval, to the candidates of sources that did not
   * search with it. A candidate is judged by its id, never by an index ordinal a source kept (a
   * removal can give that ordinal to another item meanwhile): by the sets the filter was composed
   * from, its id against the seen posts, its author and community columns against the blocked
   * authors and muted communities (so the rule reads those columns; hydrate them first), with no
   * index lookup; when a host {@link Restriction} is part of the filter, its current ordinal is looked
   * up in the index by id and judged by the filter instead (one lock-free lookup and one bit test,
   * no allocation), and one the index does not hold is removed, since the restriction cannot judge
   * it. Keep the rule required (the default for its kind).
   *
   * @return the same rule object on every call, bound to this hydrator
   */
  public CandidateRule rule() {
    return rule;
  }

  @Override
  public String toString() {
    return "RequestFilterHydrator[" + composed.name() + "]";
  }

  /** Configures a {@link RequestFilterHydrator}. Not thread-safe. */
  public static final class Builder {
    private final VectorIndex index;
    private boolean seen = true;
    private boolean blockedAuthors = true;
    private boolean mutedCommunities = true;
    private Restriction restriction = NO_RESTRICTION;
    private String featureName = "request_filter";

    private Builder(VectorIndex index) {
      if (index == null) {
        throw new NullPointerException("index is null");
      }
      this.index = index;
    }

    /**
     * Whether the request's {@link RequestContext#seenIds() seen posts} are excluded (default yes).
     *
     * @param exclude true to exclude them
     * @return this builder, for chaining
     */
    public Builder excludeSeen(boolean exclude) {
      this.seen = exclude;
      return this;
    }

    /**
     * Whether posts of {@link RequestContext#blockedAuthors() blocked authors} are excluded
     * (default yes).
     *
     * @param exclude true to exclude them
     * @return this builder, for chaining
     */
    public Builder excludeBlockedAuthors(boolean exclude) {
      this.blockedAuthors = exclude;
      return this;
    }

    /**
     * Whether posts of {@link RequestContext#mutedCommunities() muted communities} are excluded
     * (default yes).
     *
     * @param exclude true to exclude them
     * @return this builder, for chaining
     */
    public Builder excludeMutedCommunities(boolean exclude) {
      this.mutedCommunities = exclude;
      return this;
    }

    /**
     * A host's own restriction, applied after the exclusions (default: none).
     *
     * @param restriction thread-safe and allocation-free, kept
     * @return this builder, for chaining
     */
    public Builder restriction(Restriction restriction) {
      if (restriction == null) {
        throw new NullPointerException("restriction is null");
      }
      this.restriction = restriction;
      return this;
    }

    /**
     * The name of the stage's {@link #composed()} query feature (default {@code "request_filter"}):
     * give each its own when one pipeline composes two filters.
     *
     * @param name the feature's name, unique in the pipeline
     * @return this builder, for chaining
     * @throws IllegalArgumentException if blank
     */
    public Builder featureName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("feature name must be non-blank");
      }
      this.featureName = name;
      return this;
    }

    /**
     * Builds the stage.
     *
     * @return a new, immutable stage
     */
    public RequestFilterHydrator build() {
      return new RequestFilterHydrator(this);
    }
  }

  /** Per-context: the reusable filter and the request it was composed for (0: none). */
  private static final class Composed {
    final RequestFilter filter;
    long request;

    Composed(RequestFilter filter) {
      this.filter = filter;
    }
  }

  /** The post-retrieval application of the composed filter. */
  private static final class Rule implements CandidateRule {
    /** Never blocks (computation over in-memory data): runs on the request thread. */
    @Override
    public boolean mayBlock() {
      return false;
    }

    private final RequestFilterHydrator hydrator;

    Rule(RequestFilterHydrator hydrator) {
      this.hydrator = hydrator;
    }

    @Override
    public Feature[] reads() {
      final List<Feature> reads = new ArrayList<>(List.of(hydrator.composed));
      if (hydrator.restriction == NO_RESTRICTION) {
        if (hydrator.blockedAuthors) {
          reads.add(Feature.AUTHOR);
        }
        if (hydrator.mutedCommunities) {
          reads.add(Feature.COMMUNITY);
        }
      }
      return reads.toArray(new Feature[0]);
    }

    @Override
    public void apply(RequestContext ctx, CandidateBatch batch) {
      final RequestFilterHydrator h = hydrator;
      final RequestFilter f = h.filterFor(ctx);
      final boolean byIndex = h.restriction != NO_RESTRICTION;
      final IdResolver ids = h.index;
      final IdSet seen = ctx.seenIds();
      final IdSet blocked = ctx.blockedAuthors();
      final IdSet muted = ctx.mutedCommunities();
      for (int r = 0, n = batch.size(); r < n; r++) {
        if (byIndex) {
          // the item's ordinal now, by id; one the index does not hold a restriction cannot judge
          final int ordinal = ids.ordinalOf(batch.id(r));
          if (ordinal < 0 || !f.accepts(ordinal)) {
            batch.remove(r);
          }
        } else if (h.seen && seen.contains(batch.id(r))
            || h.blockedAuthors && blocked.contains(batch.author(r))
            || h.mutedCommunities && muted.contains(batch.community(r))) {
          // without a restriction the filter is exactly these sets: judged without an index lookup
          batch.remove(r);
        }
      }
    }

    @Override
    public String toString() {
      return "RequestFilterHydrator.rule[" + hydrator.composed.name() + "]";
    }
  }
}
