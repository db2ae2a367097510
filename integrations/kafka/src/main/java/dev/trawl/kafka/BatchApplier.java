package dev.trawl.kafka;

import dev.trawl.index.VectorIndex;
import dev.trawl.index.WriteOutcome;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One apply thread's share of a batch: decodes the records routed to it, writes them to the index
 * with versioned upserts and removes, and collects the poison ones. Records are routed by post id,
 * so every event of one post is applied by one applier, in stream order.
 *
 * <p>Confined to one thread per batch (the consumer hands it over with a happens-before edge). Owns
 * its decoder, event holder and counters; allocates only for poison records.
 */
final class BatchApplier {
  private static final System.Logger LOG = System.getLogger(BatchApplier.class.getName());

  /** A record that goes to the dead-letter topic, and why. */
  record Poison(ConsumerRecord<byte[], byte[]> record, EventDefect defect, String reason) {}

  private final VectorIndex index;
  private final PostEventDecoder decoder;
  private final PostEvent event;
  private final PostEventListener listener;
  private final Recorder applyNanos;
  private final HostYield hostYield; // null: apply at once
  final List<Poison> poison = new ArrayList<>();
  long applied;
  long stale;
  long absent;
  long listenerFailures;

  BatchApplier(
      VectorIndex index, PostEventListener listener, Recorder applyNanos, HostYield hostYield) {
    this.index = index;
    this.decoder = new PostEventDecoder(index.dimension());
    this.event = new PostEvent(index.dimension());
    this.listener = listener;
    this.applyNanos = applyNanos;
    this.hostYield = hostYield;
  }

  /** Clears the counters and the poison list for a new batch. */
  void reset() {
    poison.clear();
    applied = 0;
    stale = 0;
    absent = 0;
    listenerFailures = 0;
  }

  /**
   * Which of {@code appliers} handles a record with this key: by post id; malformed keys go to 0.
   */
  static int route(byte[] key, int appliers) {
    if (appliers == 1 || key == null || key.length != EventFormat.KEY_BYTES) {
      return 0;
    }
    long h = (long) EventFormat.LONG_BE.get(key, 0);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) Math.floorMod(h, (long) appliers);
  }

  /** Applies the records of {@code batch[0, count)} routed to applier {@code self} of {@code n}. */
  void apply(ConsumerRecord<byte[], byte[]>[] batch, int count, int self, int n) {
    for (int i = 0; i < count; i++) {
      final ConsumerRecord<byte[], byte[]> record = batch[i];
      if (n > 1 && route(record.key(), n) != self) {
        continue;
      }
      applyOne(record);
    }
  }

  private void applyOne(ConsumerRecord<byte[], byte[]> record) {
    final EventDefect defect = decoder.decode(record.key(), record.value(), event);
    if (defect != EventDefect.NONE) {
      poison.add(new Poison(record, defect, decoder.reason(defect)));
      return;
    }
    if (hostYield != null) {
      hostYield.awaitTurn();
    }
    final long start = System.nanoTime();
    final WriteOutcome outcome;
    try {
      outcome =
          event.op == EventFormat.UPSERT
              ? index.upsert(event.id, event.version, event.vector, event.attributes)
              : index.remove(event.id, event.version);
    } catch (IllegalArgumentException e) {
      // the index checks before it changes anything (for example the zero vector under cosine)
      poison.add(
          new Poison(
              record, EventDefect.REJECTED, "the index rejected the event: " + e.getMessage()));
      return;
    }
    applyNanos.recordValue(Math.max(0, System.nanoTime() - start));
    switch (outcome) {
      case APPLIED:
        applied++;
        break;
      case STALE:
        stale++;
        break;
      default:
        absent++;
        break;
    }
    try {
      listener.onEvent(event, outcome);
    } catch (RuntimeException e) {
      if (listenerFailures++ == 0) {
        LOG.log(
            System.Logger.Level.WARNING, "post event listener failed (counted, stream goes on)", e);
      }
    }
  }
}
