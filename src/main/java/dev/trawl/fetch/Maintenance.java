package dev.trawl.fetch;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The near caches' default maintenance executor: one daemon thread per process that replays the
 * access rings of the segments handed to it. Handing a segment over allocates nothing: its drain task
 * is pushed on an intrusive lock-free stack (each task is on it at most once, guarded by the
 * segment's "drain scheduled" flag), and the thread is unparked only if it is parked. (A fork-join
 * pool would allocate on the submitting thread whenever it starts a worker.)
 *
 * <p>Thread-safe. Accepts only near-cache drain tasks. The thread starts on first use and lives as
 * long as the process; it holds no reference to a cache between drains.
 */
final class Maintenance implements Executor {
  static final Maintenance SHARED = new Maintenance();

  private final AtomicReference<NearCache.DrainTask> stack = new AtomicReference<>();
  private volatile Thread thread;
  private volatile boolean parked;

  private Maintenance() {}

  @Override
  public void execute(Runnable task) {
    if (!(task instanceof NearCache.DrainTask)) {
      throw new IllegalArgumentException("the near-cache maintenance thread runs drain tasks only");
    }
    final NearCache.DrainTask t = (NearCache.DrainTask) task;
    NearCache.DrainTask top;
    do {
      top = stack.get();
      t.below = top;
    } while (!stack.compareAndSet(top, t));
    Thread th = thread;
    if (th == null) {
      th = start();
    }
    if (parked) {
      LockSupport.unpark(th);
    }
  }

  private synchronized Thread start() {
    if (thread == null) {
      final Thread th = new Thread(this::loop, "trawl-near-cache-maintenance");
      th.setDaemon(true);
      thread = th;
      th.start();
    }
    return thread;
  }

  private void loop() {
    while (true) {
      NearCache.DrainTask t = stack.getAndSet(null);
      if (t == null) {
        parked = true;
        if (stack.get() == null) {
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        parked = false;
        continue;
      }
      while (t != null) {
        final NearCache.DrainTask next = t.below;
        t.below = null;
        try {
          t.run();
        } catch (RuntimeException | Error e) {
          // a failed replay loses some frequency information, never the thread
        }
        t = next;
      }
    }
  }
}
