package dev.trawl.fetch;

/**
 * A {@link FeatureFetch}'s counters at one moment. Keys are counted once per request that looked them
 * up, except the store-side counts ({@code claimed} onwards), which count each store read once.
 * Immutable and thread-safe.
 *
 * @param lookups keys looked up by requests
 * @param cacheHits keys served from the near cache
 * @param negativeHits keys the near cache knew the store does not have
 * @param coalesced keys a request found already being fetched by another and waited for
 * @param claimed keys a request fetched from the store itself (one store read each)
 * @param storeCalls calls handed to the fetcher
 * @param found keys the store answered with a valid record
 * @param absent keys the store has no value for
 * @param malformed keys whose value could not be decoded (served as defaults)
 * @param failedKeys keys whose store read failed
 * @param timedOutKeys keys a request stopped waiting for at its fetch deadline
 * @param deferredKeys keys a request stopped waiting for at its miss wait
 *     ({@link FetchHydrator.Builder#missWait}): served as defaults, their read left to fill the cache
 * @param refusedKeys keys not fetched because the circuit breaker was open
 * @param staleReplaced in-flight keys presumed lost and fetched again
 * @param fetcherErrors times the fetcher threw instead of publishing a failure
 */
public record FetchStats(long lookups, long cacheHits, long negativeHits, long coalesced,
    long claimed, long storeCalls, long found, long absent, long malformed, long failedKeys,
    long timedOutKeys, long deferredKeys, long refusedKeys, long staleReplaced, long fetcherErrors) {
  /**
   * {@return the keys served without a store read of their own (cache hits, negative hits), over
   * lookups; 0 when there were none}
   */
  public double hitRatio() {
    return lookups == 0 ? 0 : (double) (cacheHits + negativeHits) / lookups;
  }
}
