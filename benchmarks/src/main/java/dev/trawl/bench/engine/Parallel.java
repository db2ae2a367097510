package dev.trawl.bench.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs an indexed task over {@code [0, count)} on N plain threads, items handed out in order; the first
 * failure stops the hand-out and is rethrown. Used by every index build in the benchmarks.
 */
public final class Parallel {
  /** One item's work. */
  public interface IntTask {
    void run(int i) throws Exception;
  }

  private Parallel() {}

  public static void forEach(int count, int threads, IntTask task) throws Exception {
    if (threads <= 1) {
      for (int i = 0; i < count; i++) {
        task.run(i);
      }
      return;
    }
    final AtomicInteger next = new AtomicInteger();
    final List<Thread> workers = new ArrayList<>();
    final Exception[] failure = new Exception[1];
    for (int t = 0; t < threads; t++) {
      final Thread worker = new Thread(() -> {
        try {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            task.run(i);
          }
        } catch (Exception e) {
          synchronized (failure) {
            failure[0] = e;
          }
          next.set(count);
        }
      }, "build-" + t);
      workers.add(worker);
      worker.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    if (failure[0] != null) {
      throw failure[0];
    }
  }
}
