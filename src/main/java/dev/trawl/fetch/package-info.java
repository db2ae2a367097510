/**
 * Fetching data a feed request does not hold (per-post features, per-user state) from shared stores
 * such as Redis, inside the request's deadline, through an in-process near cache.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.trawl.fetch.FetchHydrator}: a {@link dev.trawl.pipeline.CandidateHydrator} that
 *       hydrates the whole candidate batch at once from one or more stores. Every store's read is
 *       started before any is awaited, so reads from two stores overlap; the request thread then
 *       parks until the answers are published or the stage deadline passes.
 *   <li>{@link dev.trawl.fetch.FeatureFetch}: one store's features: the {@link dev.trawl.fetch.Fetcher}
 *       (the store adapter, asynchronous), the near cache, the circuit breaker, the in-flight table,
 *       the counters. Shared by every request thread.
 *   <li>{@link dev.trawl.fetch.FetchCall}: the keys one request sends to one store; the fetcher decodes
 *       answers straight into its float buffer and publishes ranges of keys.
 *   <li>{@link dev.trawl.fetch.NearCache}: a primitive-keyed, byte-bounded W-TinyLFU cache of
 *       fixed-width float records, with a time to live per entry kind and negative entries.
 *   <li>{@link dev.trawl.fetch.CircuitBreaker}: closed, open, half-open with one probe.
 * </ul>
 *
 * <h2>Coalescing</h2>
 * A miss is claimed in the fetch's in-flight table (striped Agrona maps from key to pending entry).
 * A request that misses a key already claimed joins the claim and waits for the same answer, so a
 * stampede of requests for one cold post costs the store one read. Publication order is what makes
 * this exact: an answer is put into the near cache <i>before</i> its key leaves the in-flight table,
 * and a request that finds no claim re-checks the near cache under the table's stripe lock, so no
 * request can find neither while the answer is known.
 *
 * <h2>Near cache layout and concurrency</h2>
 * The cache is split by key hash into segments. Each segment owns slot-indexed slab arrays (keys,
 * values {@code width} floats per slot, expiry, kind, queue links), a linear-probing index from key to
 * slot, its W-TinyLFU queues (window, probation, protected as intrusive linked lists) and its 4-bit
 * count-min frequency sketch. Reads are lock-free: the probe and the copy run under a
 * {@link java.util.concurrent.locks.StampedLock} optimistic stamp and are retried if a writer
 * intervened; the hit is recorded into a lossy per-segment ring of accesses, which a maintenance
 * thread (one per process, shared by every cache) replays into the sketch and the queues under the
 * segment's maintenance lock. Writers hold the maintenance lock and take the stamp's write mode only
 * around the few stores readers see. All arrays are allocated at construction, so the byte bound
 * holds by construction.
 *
 * <h2>Failure semantics</h2>
 * A key that is not answered by the stage deadline, whose read failed, or that the open breaker did
 * not let through keeps its features' defaults and marks the request degraded
 * ({@link dev.trawl.pipeline.RequestContext#markDegraded()}, plus counters). By default the stage
 * keeps every value it did get and returns; in {@code FAIL_STAGE} mode it throws, and the stage's
 * pipeline policy decides between a page with every declared column at its default (fail-open, page
 * marked degraded) and a failed request (fail-closed). A store that is absent or malformed for a key is data, not an outage: defaults, a
 * counter and a negative cache entry, no degradation.
 *
 * <h2>Allocation</h2>
 * A request whose every key is a near-cache hit allocates nothing. A request with misses allocates
 * its {@code FetchCall}, one small in-flight entry per claimed key, and what the store client needs.
 *
 * <p>A guide with measurements is in {@code docs/fetching.md}.
 */
package dev.trawl.fetch;
