/**
 * Internal primitive collections and counters shared by the pipeline, its built-in stages, fetching
 * and shadow testing. Not part of the public API: the types here appear in no public signature of
 * another package, and may change in any release.
 *
 * <h2>Design</h2>
 * One table, {@link dev.trawl.collect.LongIntTable}: open addressing over {@code long} keys with
 * linear probing in a power-of-two table at most half full, and an epoch stamp per slot, so that
 * forgetting every key is one increment instead of a fill. Request-scoped users (a request's id sets,
 * candidate de-duplication, per-author caps, page alignment) insert a few hundred keys per request
 * into a table that has grown to their working size once, so a request costs work proportional to
 * what it inserts and allocates nothing. Sets, counters and maps are the same table used through
 * different methods rather than three hand-written copies.
 *
 * <p>And one counter group, {@link dev.trawl.collect.StripedCounters}: the metrics counters that
 * request threads, pool threads and maintenance threads all add to. It stripes updates by thread like
 * {@code LongAdder} but allocates every stripe when built, because a {@code LongAdder} allocates its
 * cells at the first collision of two threads, which can come at any time on a request path.
 *
 * <p>The table is not thread-safe: every instance is owned by one thread at a time. The counter group
 * is thread-safe. Depends on nothing else in Trawl.
 */
package dev.trawl.collect;
