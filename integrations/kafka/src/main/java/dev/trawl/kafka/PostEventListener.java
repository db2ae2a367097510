package dev.trawl.kafka;

import dev.trawl.index.WriteOutcome;

/**
 * Told about every valid event a {@link PostStreamConsumer} applied, with what the index did: the
 * host's hook for state the index does not keep (for example each post's created-at time for a
 * recency score).
 *
 * <p>Called on the applying thread(s), after the index write, before the batch's offsets are
 * committed; with several apply threads, concurrently (events of one post always on the same
 * thread, in stream order). The event holder is reused: copy what you keep. An exception thrown
 * here is counted ({@link ConsumerMetrics#listenerFailures()}) and logged, and the stream goes on.
 */
@FunctionalInterface
public interface PostEventListener {
  /** A listener that does nothing. */
  PostEventListener NONE = (event, outcome) -> {};

  /** {@code event} was applied with {@code outcome} (APPLIED, STALE or ABSENT). */
  void onEvent(PostEvent event, WriteOutcome outcome);
}
