/**
 * The public façade: an HNSW index of float32 vectors under 64-bit external ids, with attributes for
 * filtering, live updates and snapshots.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Ids outside, ordinals inside.</b> {@link dev.trawl.index.VectorIndex} maps each external
 *       {@code long} id to a dense {@code int} ordinal under one short lock (an Agrona primitive map, no
 *       boxing) and back through a paged {@code long[]}. Everything below works on ordinals; results
 *       are translated back to ids when they are drained into a
 *       {@link dev.trawl.index.SearchResults}.
 *   <li><b>Writers.</b> add / update / upsert / remove validate first and change nothing on bad input.
 *       An update is an insert under a new ordinal that retires the old one just before the new one is
 *       published, so a search never sees an id twice. Removals tombstone the ordinal and, past a
 *       threshold, trigger a background graph repair.
 *   <li><b>Readers.</b> A {@link dev.trawl.index.Searcher} is one per thread and owns every byte of
 *       scratch; {@code search} with a {@link dev.trawl.filter.RequestFilter} goes through the
 *       {@link dev.trawl.index.FilterPlanner}, which picks exact scan, filtered walk or fallback.
 *   <li><b>Snapshots.</b> {@link dev.trawl.index.IndexSnapshot} writes a versioned, checksummed file
 *       (see {@code docs/format.md}) from a live index, atomically, and loads it back onto the heap,
 *       validating every section before the index is returned. The loader treats a file as hostile:
 *       its checksums only catch accidents, so every rule of the format is checked on the content, in
 *       time linear in the file, with the parameters held to the same bounds as the builder's
 *       ({@code Limits}); a file breaking any rule fails with a {@link
 *       dev.trawl.index.SnapshotException} naming the section and the rule.
 * </ul>
 */
package dev.trawl.index;
