package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TaskQueueTest {
  private static final class Task implements Runnable {
    @Override
    public void run() {}
  }

  @Test
  void isFifoAndRefusesWhenFull() {
    final TaskQueue q = new TaskQueue(4);
    final Runnable[] tasks = new Runnable[5];
    for (int i = 0; i < tasks.length; i++) {
      tasks[i] = new Task();
    }
    for (int i = 0; i < 4; i++) {
      assertThat(q.offer(tasks[i])).isTrue();
    }
    assertThat(q.offer(tasks[4])).as("full").isFalse();
    assertThat(q.poll()).isSameAs(tasks[0]);
    assertThat(q.offer(tasks[4])).isTrue();
    for (int i = 1; i < 5; i++) {
      assertThat(q.poll()).isSameAs(tasks[i]);
    }
    assertThat(q.poll()).isNull();
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void everyTaskOfManyProducersIsTakenExactlyOnceByManyConsumers() throws Exception {
    final TaskQueue q = new TaskQueue(64);
    final int perProducer = 20_000;
    final Runnable[] tasks = new Runnable[2 * perProducer];
    for (int i = 0; i < tasks.length; i++) {
      tasks[i] = new Task(); // distinct objects (a non-capturing lambda is one shared instance)
    }
    final ConcurrentHashMap<Runnable, Boolean> taken = new ConcurrentHashMap<>();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger count = new AtomicInteger();
    final Thread[] threads = new Thread[4];
    for (int p = 0; p < 2; p++) {
      final int base = p * perProducer;
      threads[p] = new Thread(() -> {
        for (int i = 0; i < perProducer; i++) {
          while (!q.offer(tasks[base + i])) {
            Thread.onSpinWait();
          }
        }
      });
    }
    for (int c = 2; c < 4; c++) {
      threads[c] = new Thread(() -> {
        while (count.get() < tasks.length) {
          final Runnable r = q.poll();
          if (r == null) {
            Thread.onSpinWait();
            continue;
          }
          if (taken.put(r, Boolean.TRUE) != null) {
            duplicates.incrementAndGet();
          }
          count.incrementAndGet();
        }
      });
    }
    for (Thread t : threads) {
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(duplicates).hasValue(0);
    assertThat(taken).hasSize(tasks.length);
  }
}
