/**
 * Redis for Trawl pipelines: post features and user state read on the request path, impressions
 * written off it, over one shared Lettuce connection.
 *
 * <ul>
 *   <li>{@link dev.trawl.redis.RedisStore}: the shared connection (command timeout, reconnect with a
 *       fixed delay, commands refused while disconnected) and the circuit breaker its users share.
 *   <li>{@link dev.trawl.redis.RedisFeatureFetcher}: a {@link dev.trawl.fetch.Fetcher} for a
 *       {@link dev.trawl.fetch.FeatureFetch}; chunked {@code MGET}s (or {@code HMGET}s) of a whole
 *       call written in one pipelined flush, answers decoded straight into the call's buffer by
 *       custom Lettuce outputs (no per-value arrays for the packed layout).
 *   <li>{@link dev.trawl.redis.FeatureLayout}, {@link dev.trawl.redis.PackedFloats},
 *       {@link dev.trawl.redis.RedisFeatureWriter}: how records are stored and loaded.
 *   <li>{@link dev.trawl.redis.UserStateHydrator}: a query hydrator reading the user's recent seen
 *       posts (a capped sorted set) and blocked authors (a set) and composing them into the request's
 *       {@link dev.trawl.filter.RequestFilter}.
 *   <li>{@link dev.trawl.redis.ImpressionLogger}: a side effect that appends each page to the seen set
 *       through a bounded queue of pre-allocated slots and one pipelining writer thread.
 * </ul>
 *
 * <h2>Keys</h2>
 * {@code pf:<post>} packed features (string), {@code ph:<post>} hash features, {@code us:<user>} seen
 * posts (sorted set: member the post id as 8 little-endian bytes, score the impression time in epoch
 * milliseconds), {@code ub:<user>} blocked authors (set of 8-byte little-endian ids). Prefixes are
 * configurable.
 *
 * <h2>Threads</h2>
 * Request threads build commands and park; Lettuce's event-loop thread decodes answers and publishes
 * them (waking the requests); the impression writer thread drains its queue. Nothing here blocks a
 * request thread beyond its deadline.
 */
package dev.trawl.redis;
