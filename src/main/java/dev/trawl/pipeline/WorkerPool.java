package dev.trawl.pipeline;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The pipeline's own small pool of daemon threads for running sources in parallel, and stages that
 * {@linkplain Stage#mayBlock() may block} where they can be abandoned, built so that
 * handing a task over allocates nothing: a bounded lock-free array queue and
 * park/unpark instead of locks and conditions (a {@code ThreadPoolExecutor} allocates a queue node
 * per task and a condition node whenever a worker waits).
 *
 * <p>Workers spin briefly, then park; {@link #execute} claims one parked worker (a CAS on its idle
 * flag, so back-to-back tasks wake different workers) and unparks it. {@link #shared()} is
 * a process-wide pool of {@code max(2, availableProcessors)} threads used for sources by default;
 * {@link #sharedForBlockingStages()} a second one of {@code max(8, 2 x availableProcessors)} threads
 * for blocking stages, sized for threads that wait rather than compute (a pipeline lets one blocking
 * stage run on at most {@linkplain PipelineBuilder#threadsPerBlockingStage its share} of them at
 * once, by default half). Both are bounded: a full
 * queue refuses tasks ({@link RejectedExecutionException}), which the pipeline counts as a failure of
 * the stage, never running it on the request thread instead. A worker clears its interrupt flag
 * before every task, so an interrupt meant for an abandoned stage never reaches the next one.
 *
 * <p><b>Thread-safe. Allocation:</b> none per task; threads and the queue are created up front.
 */
public final class WorkerPool implements Executor, AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static volatile WorkerPool shared;
  private static volatile WorkerPool sharedForStages;

  private final TaskQueue queue;
  private final Worker[] workers;
  private volatile boolean closed;

  /**
   * Starts {@code threads} daemon workers (named {@code trawl-worker-*}) with room for
   * {@code queueCapacity} waiting tasks.
   *
   * @param threads the number of workers
   * @param queueCapacity the tasks that may wait; a task beyond it is refused
   * @throws IllegalArgumentException if either is not positive
   */
  public WorkerPool(int threads, int queueCapacity) {
    this(threads, queueCapacity, "trawl-worker-");
  }

  private WorkerPool(int threads, int queueCapacity, String namePrefix) {
    if (threads <= 0 || queueCapacity <= 0) {
      throw new IllegalArgumentException(
          "threads and queueCapacity must be positive, got " + threads + ", " + queueCapacity);
    }
    this.queue = new TaskQueue(queueCapacity);
    this.workers = new Worker[threads];
    final int pool = POOLS.incrementAndGet();
    for (int i = 0; i < threads; i++) {
      workers[i] = new Worker(this);
      final WorkerThread t = new WorkerThread(workers[i], namePrefix + pool + "-" + i);
      t.setDaemon(true);
      workers[i].thread = t;
    }
    for (Worker w : workers) {
      w.thread.start();
    }
  }

  /** {@return the process-wide default pool, started on first use} */
  public static WorkerPool shared() {
    WorkerPool p = shared;
    if (p == null) {
      synchronized (WorkerPool.class) {
        p = shared;
        if (p == null) {
          p = new WorkerPool(Math.max(2, Runtime.getRuntime().availableProcessors()), 4096,
              "trawl-source-");
          shared = p;
        }
      }
    }
    return p;
  }

  /**
   * The process-wide default pool for stages that {@linkplain Stage#mayBlock() may block}, started on
   * first use: {@code max(8, 2 x availableProcessors)} daemon threads named {@code trawl-stage-*},
   * room for 1,024 waiting tasks.
   *
   * @return the shared pool for blocking stages
   */
  public static WorkerPool sharedForBlockingStages() {
    WorkerPool p = sharedForStages;
    if (p == null) {
      synchronized (WorkerPool.class) {
        p = sharedForStages;
        if (p == null) {
          p = new WorkerPool(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()), 1024,
              "trawl-stage-");
          sharedForStages = p;
        }
      }
    }
    return p;
  }

  /** {@return the number of worker threads} */
  public int threads() {
    return workers.length;
  }

  /** {@return the workers running a task right now (a racy gauge, for metrics)} */
  public int busyThreads() {
    int busy = 0;
    for (Worker w : workers) {
      if (w.busy) {
        busy++;
      }
    }
    return busy;
  }

  /**
   * Queues {@code task} and wakes an idle worker.
   *
   * @throws RejectedExecutionException if the pool is closed or the queue is full
   */
  @Override
  public void execute(Runnable task) {
    if (closed) {
      throw new RejectedExecutionException("worker pool is closed");
    }
    if (!queue.offer(task)) {
      throw new RejectedExecutionException("worker pool queue is full (" + queue.capacity() + ")");
    }
    // Claim one parked worker per task: two tasks submitted back to back must wake two workers,
    // not the same one twice.
    for (Worker w : workers) {
      if (w.idle.get() && w.idle.compareAndSet(true, false)) {
        LockSupport.unpark(w.thread);
        return;
      }
    }
  }

  /** {@return a new array of the worker threads' ids, e.g. to measure their allocation} */
  public long[] threadIds() {
    final long[] ids = new long[workers.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = workers[i].thread.getId();
    }
    return ids;
  }

  /** Stops the workers after the queued tasks; {@link #shared()} must not be closed. */
  @Override
  public void close() {
    if (this == shared || this == sharedForStages) {
      throw new IllegalStateException("the shared worker pools cannot be closed");
    }
    closed = true;
    for (Worker w : workers) {
      LockSupport.unpark(w.thread);
    }
  }

  /**
   * A worker's thread: carries the scratch of the blocking stage it runs, so that
   * {@link RequestContext#scratch()} called from that stage finds its own scratch even after the
   * request thread has moved on.
   */
  static final class WorkerThread extends Thread {
    Object stageScratch;

    WorkerThread(Runnable worker, String name) {
      super(worker, name);
    }
  }

  private static final class Worker implements Runnable {
    private static final int SPINS = 200;
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final WorkerPool pool;
    Thread thread;
    final AtomicBoolean idle = new AtomicBoolean();
    volatile boolean busy;

    Worker(WorkerPool pool) {
      this.pool = pool;
    }

    @Override
    public void run() {
      final TaskQueue q = pool.queue;
      int spins = 0;
      while (true) {
        final Runnable task = q.poll();
        if (task != null) {
          spins = 0;
          Thread.interrupted(); // a late interrupt for an earlier task must not reach this one
          busy = true;
          try {
            task.run();
          } catch (Throwable t) {
            // tasks catch their own failures; anything else must not kill the worker
          }
          busy = false;
          continue;
        }
        if (pool.closed) {
          return;
        }
        if (++spins < SPINS) {
          Thread.onSpinWait();
          continue;
        }
        // Dekker pair with execute(): we publish idle, then re-read the queue; the submitter
        // publishes the task, then reads idle. One of us sees the other. The timed park is a
        // safety net only.
        idle.set(true);
        if (q.isEmpty() && !pool.closed) {
          LockSupport.parkNanos(this, PARK_NANOS);
        }
        idle.set(false);
        spins = 0;
      }
    }
  }
}
