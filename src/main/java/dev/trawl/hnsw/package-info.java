/**
 * The HNSW engine: a concurrent, lock-free-for-readers graph over dense {@code int} ordinals, with
 * searchers that allocate nothing per query.
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
 * </ul>
 */
package dev.trawl.hnsw;
