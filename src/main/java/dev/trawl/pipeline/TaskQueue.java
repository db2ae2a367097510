package dev.trawl.pipeline;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded multi-producer multi-consumer queue of tasks (Vyukov's array queue): each cell carries
 * a sequence number that says whether it is free for the producer of ticket {@code t} or full for its
 * consumer, so offer and poll are one CAS each and allocate nothing. Written here rather than taken
 * from Agrona, whose concurrent queues need {@code --add-exports} of {@code jdk.internal.misc} on
 * recent JDKs.
 */
final class TaskQueue {
  private final int mask;
  private final AtomicReferenceArray<Runnable> cells;
  private final AtomicLongArray sequences;
  private final AtomicLong tail = new AtomicLong();
  private final AtomicLong head = new AtomicLong();

  TaskQueue(int capacity) {
    final int c = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
    mask = c - 1;
    cells = new AtomicReferenceArray<>(c);
    sequences = new AtomicLongArray(c);
    for (int i = 0; i < c; i++) {
      sequences.set(i, i);
    }
  }

  int capacity() {
    return mask + 1;
  }

  boolean offer(Runnable task) {
    while (true) {
      final long t = tail.get();
      final int i = (int) t & mask;
      final long seq = sequences.get(i);
      if (seq == t) {
        if (tail.compareAndSet(t, t + 1)) {
          cells.lazySet(i, task);
          sequences.set(i, t + 1);
          return true;
        }
      } else if (seq < t && t - head.get() >= cells.length()) {
        return false; // full
      }
      // else: another producer took ticket t (re-read the tail), or the cell's previous consumer
      // has claimed it but not released it yet; that is not full, and the consumer is between two
      // instructions, so wait for it rather than refuse a task into a queue with free cells
    }
  }

  Runnable poll() {
    while (true) {
      final long h = head.get();
      final int i = (int) h & mask;
      final long seq = sequences.get(i);
      if (seq == h + 1) {
        if (head.compareAndSet(h, h + 1)) {
          final Runnable task = cells.get(i);
          cells.lazySet(i, null);
          sequences.set(i, h + mask + 1);
          return task;
        }
      } else if (seq < h + 1) {
        return null; // empty
      }
    }
  }

  boolean isEmpty() {
    return head.get() >= tail.get();
  }
}
