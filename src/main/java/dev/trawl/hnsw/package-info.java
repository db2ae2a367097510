/**
 * The HNSW engine: a concurrent, lock-free-for-readers graph over dense {@code int} ordinals, with
 * searchers that allocate nothing per query.
 *
 * <p>Internal: not part of the public API. The types are public only so that {@code dev.trawl.index}
 * can use them; no public signature of an API package names them, and they may change in any
 * release. Users reach the engine through {@code dev.trawl.index.VectorIndex}.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Ordinals, not ids.</b> Nodes are dense ordinals so that links, visited sets and tombstones
 *       are plain arrays; the {@code index} package maps 64-bit external ids onto them.
 *   <li><b>Memory layout.</b> {@link dev.trawl.hnsw.HnswGraph} keeps level-0 links in pages of
 *       {@code 1024 x (1 + 2M)} ints and upper-level links in a bump-allocated store; one state int per
 *       node says whether it is published and at which level.
 *   <li><b>Publication protocol.</b> An insert writes the vector and the node's own links, publishes the
 *       node with a release store, and only then adds reverse links. Searches read a neighbour's state
 *       with an acquire load before touching its vector, so they never see a half-written node and
 *       never take a lock. Writers serialise per node on one of 4,096 stripe locks.
 *   <li><b>Packed heaps.</b> (distance, node) pairs are packed into one {@code long}
 *       ({@link dev.trawl.hnsw.NodeScores}) so queues are {@code long[]} heaps
 *       ({@link dev.trawl.hnsw.LongHeap}); a max-heap is the same heap over complemented keys.
 *   <li><b>Scratch ownership.</b> A {@link dev.trawl.hnsw.HnswSearcher} owns an epoch-stamped visited
 *       set and two heaps and is used by one thread; nothing is allocated per search in steady state.
 *   <li><b>Filters inside the walk.</b> {@link dev.trawl.hnsw.OrdinalFilter} decides what may be
 *       returned, not what may be traversed, and tombstones are applied the same way.
 *   <li><b>Repair.</b> {@link dev.trawl.hnsw.GraphRepair} re-links live nodes around deleted ones while
 *       searches and inserts continue, under the same per-node stripe locks inserts use.
 *   <li><b>Reuse.</b> When the graph reuses deleted ordinals, {@link dev.trawl.hnsw.OrdinalReclaimer}
 *       frees one only after a repair removed every link to it and every walk that might hold it has
 *       ended, which {@link dev.trawl.hnsw.WalkEpochs} tells from per-walker epoch announcements (two
 *       writes per walk, no locks on the read path).
 *   <li><b>Internal.</b> Nothing here is API: the {@code index} package is the façade. Public types
 *       exist so that the façade, the filter planner and the pipeline's built-in stages can use them.
 * </ul>
 *
 * <h2>Why racy reads of link lists are safe</h2>
 *
 * A reader reads a node's link count and slots with plain loads while a writer may be rewriting the
 * list under its stripe lock, so under the Java memory model it may see the new count beside slot
 * values of the old list (or of an older life of a reused node). Safety does not rest on seeing a
 * consistent list; it rests on validating every ordinal before use:
 * <ol>
 *   <li>A slot only ever holds an ordinal some writer stored there (pages start zeroed, and 0 is an
 *       ordinal), so a stale slot names an ordinal below the graph's size, whose storage exists.
 *   <li>Before touching that ordinal's vector, links or id, the reader does an acquire load of its
 *       state and skips it unless it is published. The writer that published it wrote the vector,
 *       the node's own links, its level block and (in the index) its id before the release store of
 *       the state, so the acquire load makes all of them visible (release/acquire on the same
 *       element: a happens-before edge).
 *   <li>An ordinal is unpublished and reused only after every walk pinned before its removal's
 *       claim has ended ({@link dev.trawl.hnsw.OrdinalReclaimer}). A walk that read a stale slot
 *       naming a reused ordinal either sees it unpublished (skipped) or published in its new life: a
 *       fully written node whose distance the walk computes from its current vector. Either way the
 *       walk only ever scores real, complete items; the stale link costs at most a detour.
 *   <li>A result is a published, not tombstoned node whose id is read while the walk is still
 *       pinned, so the id and the distance belong to the same life of the ordinal.
 * </ol>
 * The case of a reader seeing a new link count beside a stale slot naming a reused ordinal is case 3.
 */
package dev.trawl.hnsw;
