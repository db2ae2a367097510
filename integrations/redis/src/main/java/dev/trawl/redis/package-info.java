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
 *   <li>{@link dev.trawl.redis.UserStateLayout}: where user state lives (a capped sorted set of recent
 *       seen posts, a set of blocked authors); {@link dev.trawl.redis.UserStateWriter} writes it.
 *   <li>{@link dev.trawl.redis.UserStateHydrator}: a query hydrator reading the user's state into the
 *       request's seen ids and blocked authors, which
 *       {@link dev.trawl.pipeline.stages.RequestFilterHydrator} composes into the request's
 *       {@link dev.trawl.filter.RequestFilter}.
 *   <li>{@link dev.trawl.redis.ImpressionLogger}: a side effect that appends each page to the seen set
 *       through a bounded queue of pre-allocated slots and one pipelining writer thread (writing
 *       with a {@link dev.trawl.redis.UserStateWriter}).
 * </ul>
 *
 * <h2>Keys</h2>
 * {@code pf:<post>} packed features (string), {@code ph:<post>} hash features, {@code us:<user>} seen
 * posts (sorted set: member the post id as 8 little-endian bytes, score the impression time in epoch
 * milliseconds), {@code ub:<user>} blocked authors (set of 8-byte little-endian ids). Prefixes are
 * configurable ({@link dev.trawl.redis.UserStateLayout}).
 *
 * <h2>Threads</h2>
 * Request threads build commands and park; Lettuce's event-loop thread decodes answers and publishes
 * them (waking the requests); the impression writer thread drains its queue. Nothing here blocks a
 * request thread beyond its deadline.
 */
package dev.trawl.redis;
