package dev.trawl.fetch;

/**
 * Reads records from a store, asynchronously: the adapter between a {@link FeatureFetch} and a
 * store client (Redis, Memcached, an RPC service).
 *
 * <p>{@link #fetch} is called on the request thread with a {@link FetchCall} of up to a batch's misses
 * and must <b>return without waiting</b> for the store: send the reads (pipelined, in as few round
 * trips as the store allows) and publish the answers from the client's callback with
 * {@link FetchCall#complete} or {@link FetchCall#fail}. Every key must eventually be published, even
 * if the store never answers (use the client's command timeout): a key left unpublished stays in
 * flight, and requests that want it wait for their deadline, until
 * {@link FeatureFetch.Builder#maxInFlight} lets another request fetch it again.
 *
 * <p>If {@code fetch} throws, the call's unpublished keys fail (defaults, degraded, a breaker failure)
 * and the error is counted; it never reaches the host.
 *
 * <p>Implementations are shared by every request thread and must be thread-safe.
 */
@FunctionalInterface
public interface Fetcher {
  /**
   * Starts reading every key of {@code call}; see the interface comment.
   *
   * @param call the keys to read and where their records go; publish every key (complete or fail)
   *     exactly once
   */
  void fetch(FetchCall call);
}
