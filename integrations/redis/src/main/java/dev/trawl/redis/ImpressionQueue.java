package dev.trawl.redis;

import dev.trawl.pipeline.PipelineResult;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded many-producer, one-consumer queue of impressions (user, time, up to {@code maxIds} post
 * ids) in pre-allocated slots, so offering allocates nothing and never waits: when every slot is
 * taken, {@link #offer} returns false.
 *
 * <p>Each slot carries a sequence number (the classic bounded-queue scheme): a producer claims the
 * slot whose sequence equals the tail position by advancing the tail with a compare-and-set, writes
 * the record, then publishes it by setting the sequence one past the position; the consumer reads a
 * slot whose sequence says it is published and hands it back by setting the sequence a full lap
 * ahead.
 *
 * <p><b>Thread-safety:</b> any number of producers, one consumer thread. <b>Allocation:</b> the slots,
 * once.
 */
final class ImpressionQueue {
  private static final VarHandle SEQUENCE = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int HEADER = 3;

  private final long[] sequence;
  private final long[] records;
  private final int stride;
  private final int mask;
  private final int maxIds;
  private final AtomicLong tail = new AtomicLong();
  private long head;

  ImpressionQueue(int slots, int maxIds) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two, got " + slots);
    }
    this.sequence = new long[slots];
    for (int i = 0; i < slots; i++) {
      sequence[i] = i;
    }
    this.maxIds = maxIds;
    this.stride = HEADER + maxIds;
    this.records = new long[slots * stride];
    this.mask = slots - 1;
  }

  /** Enqueues an impression: copies up to {@code maxIds} ids of {@code page}; false when full. */
  boolean offer(long user, long time, PipelineResult page, int count) {
    final int n = Math.min(count, maxIds);
    long pos = tail.get();
    while (true) {
      final int slot = (int) pos & mask;
      final long seq = (long) SEQUENCE.getAcquire(sequence, slot);
      final long diff = seq - pos;
      if (diff == 0) {
        if (tail.compareAndSet(pos, pos + 1)) {
          final int at = slot * stride;
          records[at] = user;
          records[at + 1] = time;
          records[at + 2] = n;
          for (int i = 0; i < n; i++) {
            records[at + HEADER + i] = page.id(i);
          }
          SEQUENCE.setRelease(sequence, slot, pos + 1);
          return true;
        }
        pos = tail.get();
      } else if (diff < 0) {
        return false; // the consumer has not handed this slot back yet: full
      } else {
        pos = tail.get();
      }
    }
  }

  /** Consumer side: receives one impression; {@code ids} is valid during the call only. */
  @FunctionalInterface
  interface Consumer {
    void accept(long user, long time, long[] records, int offset, int count);
  }

  /** Hands up to {@code limit} published impressions to {@code consumer}; returns how many. */
  int drain(Consumer consumer, int limit) {
    int n = 0;
    while (n < limit) {
      final int slot = (int) head & mask;
      if ((long) SEQUENCE.getAcquire(sequence, slot) != head + 1) {
        break;
      }
      final int at = slot * stride;
      consumer.accept(records[at], records[at + 1], records, at + HEADER, (int) records[at + 2]);
      SEQUENCE.setRelease(sequence, slot, head + mask + 1);
      head++;
      n++;
    }
    return n;
  }

  /** Whether a published impression is waiting (consumer side). */
  boolean hasNext() {
    return (long) SEQUENCE.getAcquire(sequence, (int) head & mask) == head + 1;
  }
}
