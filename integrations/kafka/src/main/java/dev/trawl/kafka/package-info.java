/**
 * Feeds a {@link dev.trawl.index.VectorIndex} from an Apache Kafka topic of post events.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>The stream is the source of truth; the index converges.</b> Every event carries the
 *       post's whole state and a version, and the index applies a write only when its version is
 *       newer than the last one seen for that post (removals included, for a bounded horizon). So
 *       redeliveries, reordering and replays after a crash change nothing, and any set of events
 *       applied in any order leaves the state of each post's highest version.
 *   <li><b>Wire format</b> ({@link dev.trawl.kafka.EventFormat}): key = post id, 8 bytes
 *       big-endian; value = a little-endian binary layout with a magic byte and a layout version.
 *       {@link dev.trawl.kafka.PostEventEncoder} writes it, {@link
 *       dev.trawl.kafka.PostEventPublisher} sends it, {@link dev.trawl.kafka.PostEventDecoder}
 *       validates and reads it into a reused {@link dev.trawl.kafka.PostEvent} without allocating,
 *       returning an {@link dev.trawl.kafka.EventDefect} instead of throwing.
 *   <li><b>{@link dev.trawl.kafka.PostStreamConsumer}</b>: one polling thread with manually
 *       assigned partitions (a replica holds all of them or a shard), batches applied by per-thread
 *       appliers routed by post id, poison records to a dead-letter topic, offsets advanced and
 *       committed only after a batch is applied, snapshots with stream positions written between
 *       batches (exact cuts) and loaded at start.
 *   <li><b>Metrics</b> ({@link dev.trawl.kafka.ConsumerMetrics}): counts by outcome, lag and
 *       position per partition, HdrHistogram of write latencies, as immutable snapshots.
 *   <li><b>Synthetic streams</b> ({@link dev.trawl.kafka.StreamPlan}): a seeded, replayable stream
 *       of creates, re-embeddings, removes, redeliveries and bounded reordering over a vector file,
 *       with the live set it must converge to; used by the tests, the benchmark and {@code trawl
 *       produce}.
 * </ul>
 *
 * See {@code docs/streaming.md} for the schema, the guarantees, crash and restart semantics,
 * sharding, and measured numbers.
 */
package dev.trawl.kafka;
