/**
 * Filters for feed retrieval: which items a request may return, composed per request from bitmap
 * sets; the index's searcher plans how to search with them ({@link dev.trawl.index.FilterPlanner}).
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Sets over ordinals.</b> Every set is over the index's dense node ordinals, so a filter check
 *       inside the graph walk is one bit test. Host-facing sets by 64-bit id (seen posts, hidden posts)
 *       are resolved through an {@link dev.trawl.filter.IdResolver} (the vector index) while composing.
 *   <li><b>Attribute bitmap indexes.</b> {@link dev.trawl.filter.AttributeIndex} holds one
 *       {@link dev.trawl.filter.KeyedBitmaps} (key to {@link org.roaringbitmap.RoaringBitmap} of
 *       ordinals) per attribute an {@link dev.trawl.filter.AttributeSchema} declares: keyed
 *       attributes (one 64-bit key per item) and up to 64 flags. The ready-made
 *       {@link dev.trawl.filter.AttributeSchema#feed()} schema is author, community, language and 64
 *       flags; a host declares its own (brand, seller, in stock...) the same way. The bitmaps are
 *       kept in step with adds, updates and removals by the index, so a request filters by author or
 *       community without knowing ordinals. Each keyed index has one monitor; requests copy what
 *       they need out of it while holding it, so the graph walk never touches a shared, mutable
 *       bitmap.
 *   <li><b>Request-scoped composition.</b> {@link dev.trawl.filter.RequestFilter} is reused for every
 *       request of one thread: two {@code OrdinalBitset}s (include and exclude, package-private) with a
 *       summary of touched words, so reset and counting cost what the request touched, not the index
 *       size. {@code and}, {@code or} and {@code andNot} are exact left to right and allocate nothing.
 *   <li><b>Cardinality planning</b> (in {@code dev.trawl.index}, beside the searcher that runs the
 *       plan). {@link dev.trawl.index.FilterPlanner} counts the allowed items
 *       exactly (a popcount over touched words) and chooses an exact scan of them, an in-walk filtered
 *       search (whose beam the walk widens by the rejected nodes it meets nearer than every accepted
 *       one, up to a cap the planner sets), or the walk with a visit budget and an exact fallback.
 *       Ideas from Lucene (exact fallback once a walk costs more than scanning the filter's matches),
 *       Qdrant (cardinality-based choice between scanning and the graph) and ACORN (keep traversing
 *       through rejected nodes so selective filters do not disconnect the graph).
 *   <li><b>Ordinal reuse.</b> When the index reuses removed items' ordinals, a filter made by the index
 *       takes its reuse stamp ({@link dev.trawl.filter.IdResolver#reuseStamp}) when it is reset and
 *       rejects ordinals reused after that, whose bits describe the previous item.
 *   <li><b>Layering.</b> This package imports neither the index nor the internal graph engine: it sees
 *       the index only as an {@link dev.trawl.filter.IdResolver}. {@code dev.trawl.index} hands the
 *       graph walk a view of a {@link dev.trawl.filter.RequestFilter}, so no internal type appears in
 *       this package's signatures.
 * </ul>
 *
 * <h2>Types in the API</h2>
 * Filter inputs are {@link org.roaringbitmap.RoaringBitmap}s ({@code and}, {@code or},
 * {@code andNot}, {@link dev.trawl.filter.KeyedBitmaps}): a deliberate dependency of the public API,
 * because a host's own sets of posts (moderation lists, experiment audiences, precomputed
 * audiences) are commonly kept and serialised as RoaringBitmaps already, and a Trawl wrapper would
 * only add a copy. Every other input is primitive ({@code long} ids, {@code int} ordinals). No other
 * third-party type appears in this package's public signatures ({@code PublicSignaturesTest}).
 *
 * <h2>Threads and allocation</h2>
 * Attribute indexes are shared and thread-safe; filters and planners are per thread (per request
 * context) and allocate nothing in steady state, proven by {@code FilteredSearchAllocationTest}.
 */
package dev.trawl.filter;
