package dev.trawl.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The bounded executor behind shadowing and request sampling: a fixed array of pre-allocated jobs
 * and a few daemon worker threads. A job moves {@code FREE -> CLAIMED} (a request thread fills it)
 * {@code -> QUEUED -> RUNNING} (a worker handles it) {@code -> FREE}, each step a CAS or volatile
 * write on its state. When no job is free, {@link #offer} fails at once: the caller drops the work.
 *
 * <p>Why not a {@code ThreadPoolExecutor}: its queue allocates a node per task and its lock may
 * allocate under contention; Agrona's lock-free queues need {@code --add-exports} on modern JDKs.
 * A scan is O(capacity) and capacity is small. Order among queued jobs is not kept.
 *
 * <p><b>Thread-safe.</b> <b>Allocation:</b> none after construction, if the handler allocates none.
 */
final class JobPool<J> implements AutoCloseable {
  /** Handles one job on a worker thread. Must not keep the job after returning. */
  @FunctionalInterface
  interface Handler<J> {
    void handle(J job);
  }

  private static final int FREE = 0;
  private static final int CLAIMED = 1;
  private static final int QUEUED = 2;
  private static final int RUNNING = 3;

  private final List<J> jobs;
  private final int capacity;
  private final AtomicIntegerArray states;
  private final Handler<J> handler;
  private final List<Worker> workers;
  private final AtomicLong handlerErrors = new AtomicLong();
  private final AtomicLong fillFailures = new AtomicLong();
  private volatile boolean closed;

  JobPool(List<J> jobs, int workerCount, String name, Handler<J> handler) {
    this.jobs = List.copyOf(jobs);
    this.capacity = jobs.size();
    this.states = new AtomicIntegerArray(capacity);
    this.handler = handler;
    final List<Worker> ws = new ArrayList<>(workerCount);
    for (int i = 0; i < workerCount; i++) {
      final Worker w = new Worker();
      w.thread = new Thread(w, name + "-" + i);
      w.thread.setDaemon(true);
      ws.add(w);
    }
    workers = List.copyOf(ws);
    for (int i = 0; i < workers.size(); i++) {
      workers.get(i).thread.start();
    }
  }

  /**
   * Fills a claimed job on the request thread from what was offered. The offer's state comes as
   * arguments, so an implementation is created once (a field), never per offer.
   */
  @FunctionalInterface
  interface Filler<J, A, B> {
    void fill(J job, A a, B b, long n);
  }

  /** {@link #offer}: the request was not sampled. */
  static final int NOT_SAMPLED = -2;
  /** {@link #offer}: every job is busy (or the pool is closed); the sample is dropped. */
  static final int FULL = -1;
  /** {@link #offer}: the filler threw; the job went back unused (counted in {@link #fillFailures}). */
  static final int FILL_FAILED = -3;
  /** {@link #offer}: the job is queued for the workers. */
  static final int QUEUED_JOB = 0;

  /**
   * The one offer path of shadowing and request recording: draws whether an offered request is
   * sampled at {@code rate} (no draw at 0 or 1; otherwise one {@code ThreadLocalRandom} draw) and, if
   * so, claims a free job, fills it with {@code filler} and queues it. If the filler throws, the job
   * goes back unused and the failure is counted. Returns {@link #QUEUED_JOB}, {@link #NOT_SAMPLED},
   * {@link #FULL} (the caller counts a dropped sample) or {@link #FILL_FAILED}. Never blocks, never
   * throws; allocates nothing unless the filler does.
   */
  <A, B> int offer(double rate, Filler<? super J, A, B> filler, A a, B b, long n) {
    if (rate <= 0.0 || (rate < 1.0 && ThreadLocalRandom.current().nextDouble() >= rate)) {
      return NOT_SAMPLED;
    }
    final int claimed = claim();
    if (claimed == FULL) {
      return FULL;
    }
    try {
      filler.fill(jobs.get(claimed), a, b, n);
    } catch (RuntimeException e) {
      fillFailures.incrementAndGet();
      release(claimed);
      return FILL_FAILED;
    }
    submit(claimed);
    return QUEUED_JOB;
  }

  /** {@return offers whose filler threw (their request was not queued)} */
  long fillFailures() {
    return fillFailures.get();
  }

  /**
   * Checks a sample rate for {@link #offer}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= rate <= 1}
   */
  static double checkRate(double rate) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("sample rate must be in [0, 1], got " + rate);
    }
    return rate;
  }

  /** Claims a free job for filling; its index, or {@link #FULL} when all are busy (or closed). */
  private int claim() {
    if (closed) {
      return FULL;
    }
    return move(FREE, CLAIMED, ThreadLocalRandom.current().nextInt(capacity));
  }

  /** Returns a claimed job unused. */
  private void release(int index) {
    states.set(index, FREE);
  }

  /** Queues a claimed, filled job for the workers (the volatile write publishes its contents). */
  private void submit(int index) {
    states.set(index, QUEUED);
    final List<Worker> ws = workers;
    for (int i = 0; i < ws.size(); i++) {
      final Worker w = ws.get(i);
      if (w.waiting) {
        LockSupport.unpark(w.thread);
        return;
      }
    }
  }

  /** Handler invocations that threw (the job was dropped, the worker kept going). */
  long handlerErrors() {
    return handlerErrors.get();
  }

  long[] workerThreadIds() {
    final long[] ids = new long[workers.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = workers.get(i).thread.getId();
    }
    return ids;
  }

  boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
    final long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!allIn(FREE)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    for (int i = 0; i < workers.size(); i++) {
      LockSupport.unpark(workers.get(i).thread);
    }
    for (int i = 0; i < workers.size(); i++) {
      try {
        workers.get(i).thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private int move(int from, int to, int start) {
    final AtomicIntegerArray s = states;
    final int n = capacity;
    for (int k = 0, i = start; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
      if (s.get(i) == from && s.compareAndSet(i, from, to)) {
        return i;
      }
    }
    return -1;
  }

  private boolean allIn(int state) {
    for (int i = 0; i < capacity; i++) {
      if (states.get(i) != state) {
        return false;
      }
    }
    return true;
  }

  private boolean anyIn(int state) {
    for (int i = 0; i < capacity; i++) {
      if (states.get(i) == state) {
        return true;
      }
    }
    return false;
  }

  private final class Worker implements Runnable {
    volatile boolean waiting;
    Thread thread;

    @Override
    public void run() {
      int next = 0;
      while (!closed) {
        final int index = move(QUEUED, RUNNING, next);
        if (index < 0) {
          // announce before the re-check, so a submit either sees us waiting or we see its job
          waiting = true;
          if (!anyIn(QUEUED) && !closed) {
            LockSupport.parkNanos(this, 10_000_000L);
          }
          waiting = false;
          continue;
        }
        next = index + 1 == capacity ? 0 : index + 1;
        try {
          handler.handle(jobs.get(index));
        } catch (RuntimeException e) {
          // a worker must outlive any bad job
          handlerErrors.incrementAndGet();
        } finally {
          states.set(index, FREE);
        }
      }
    }
  }
}
