package dev.trawl.fetch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One call to a store: the keys a request found neither in the near cache nor already being fetched
 * by another request, handed to a {@link Fetcher}. The fetcher decodes each answer straight into
 * {@link #values()} (no per-value objects), marks the key {@link #found}, {@link #absent} or
 * {@link #malformed}, and publishes a range of keys with {@link #complete} (or {@link #fail}s it).
 * Publishing stores each answer in the near cache, releases the keys for other requests, and wakes
 * every request waiting on them.
 *
 * <pre>{@code
 * // in a Fetcher, for keys [from, to) answered by one store command:
 * for (int i = from; i < to; i++) {
 *   byte[] v = answer(i);
 *   if (v == null) call.absent(i);
 *   else if (decode(v, call.values(), call.offset(i), call.width())) call.found(i);
 *   else call.malformed(i);
 * }
 * call.complete(from, to);
 * }</pre>
 *
 * <p><b>Thread-safety:</b> the fetcher marks and publishes from whatever thread its client calls back
 * on; disjoint ranges may be marked and published from different threads at once, but each key is
 * marked and published once, by one thread. Requests read a key's answer only after it is published.
 * Publishing a key twice, or a key out of range, throws. <b>Allocation:</b> a call is created per
 * store round of a request (the miss path); publishing allocates nothing.
 */
public final class FetchCall {
  static final int PENDING = 0;
  static final int FOUND = 1;
  static final int ABSENT = 2;
  static final int MALFORMED = 3;
  static final int FAILED = 4;
  private static final VarHandle STATUS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final FetchException REFUSED = FetchException.stackless("circuit breaker open");

  private final FeatureFetch fetch;
  private final long[] keys;
  private final InFlight.Pending[] pendings;
  private final float[] values;
  private final byte[] marks;
  private final int[] status;
  private final int width;
  private int size;
  private final AtomicInteger remaining = new AtomicInteger();
  /** 0 until the breaker was told the call's outcome: success, failure or "too slow". */
  private final AtomicInteger outcome = new AtomicInteger();
  private volatile boolean anyFailed;
  private Thread[] waiters = new Thread[2];
  private int waiterCount;
  private boolean published;

  FetchCall(FeatureFetch fetch, int capacity) {
    this.fetch = fetch;
    this.width = fetch.width();
    this.keys = new long[capacity];
    this.pendings = new InFlight.Pending[capacity];
    this.values = new float[capacity * width];
    this.marks = new byte[capacity];
    this.status = new int[capacity];
  }

  // ------------------------------------------------------------ fetcher side

  /** {@return the number of keys in this call} */
  public int size() {
    return size;
  }

  /**
   * Key {@code i}, {@code 0 <= i < size()}.
   *
   * @param i the key's index in the call, {@code 0 <= i < size()}
   * @return the key to read
   */
  public long key(int i) {
    return keys[checkIndex(i)];
  }

  /** {@return the floats per record} */
  public int width() {
    return width;
  }

  /**
   * The buffer the fetcher decodes into: key {@code i}'s record is
   * {@code values()[offset(i) .. offset(i) + width())}. Owned by the call.
   *
   * @return the call's record buffer, valid until the call is published
   */
  public float[] values() {
    return values;
  }

  /**
   * Where key {@code i}'s record starts in {@link #values()}.
   *
   * @param i the key's index in the call, {@code 0 <= i < size()}
   * @return the index of the record's first float in {@link #values()}
   */
  public int offset(int i) {
    return checkIndex(i) * width;
  }

  /**
   * Key {@code i}'s record was decoded into {@link #values()}.
   *
   * @param i the key's index in the call, {@code 0 <= i < size()}
   */
  public void found(int i) {
    marks[checkIndex(i)] = FOUND;
  }

  /**
   * The store has no value for key {@code i} (cached as a negative entry).
   *
   * @param i the key's index in the call, {@code 0 <= i < size()}
   */
  public void absent(int i) {
    marks[checkIndex(i)] = ABSENT;
  }

  /**
   * Key {@code i}'s value could not be decoded (wrong length, not finite, wrong type): the request
   * uses the features' defaults, the key is counted as malformed and cached as a negative entry, so a
   * bad value is not fetched again on every request until it is fixed and the negative entry expires.
   * @param i the key's index in the call, {@code 0 <= i < size()}
   */
  public void malformed(int i) {
    marks[checkIndex(i)] = MALFORMED;
  }

  /**
   * Publishes keys {@code [from, to)}: each as marked (an unmarked key counts as absent).
   *
   * @param from the first key published
   * @param to the key after the last one published
   * @throws IllegalArgumentException if the range is out of bounds
   * @throws IllegalStateException if a key in it was already published
   */
  public void complete(int from, int to) {
    publish(from, to, false, false, false);
  }

  /**
   * Keys {@code [from, to)} could not be fetched (connection lost, timeout, refused): the requests
   * waiting for them use defaults and are marked degraded; nothing is cached; the circuit breaker
   * counts a failure.
   *
   * @param from the first key that failed
   * @param to the key after the last one
   * @param cause why; kept as {@link FeatureFetch#lastFailure()}
   * @throws IllegalArgumentException if the range is out of bounds
   * @throws IllegalStateException if a key in it was already published
   */
  public void fail(int from, int to, Throwable cause) {
    fetch.lastFailure = cause;
    publish(from, to, true, false, true);
  }

  /** The breaker refused the call: every key fails, without telling the breaker about it. */
  void refuse() {
    outcome.set(4);
    fetch.lastFailure = REFUSED;
    publish(0, size, true, true, false);
  }

  /** The fetcher threw: every key it had not published yet fails. */
  void failUnpublished(Throwable cause) {
    fetch.lastFailure = cause;
    publish(0, size, true, true, true);
  }

  /**
   * Publishes each key of the range: the status first (a compare-and-set, so a key is published once
   * even if a failing fetcher and its callback race), then the near cache, then the in-flight table.
   */
  private void publish(int from, int to, boolean failed, boolean skipPublished,
      boolean countFailed) {
    if (from < 0 || to > size || from > to) {
      throw new IllegalArgumentException("range [" + from + ", " + to + ") is not within [0, " + size + ")");
    }
    final long now = fetch.clock.nanoTime();
    final NearCache cache = fetch.cache;
    int found = 0;
    int absent = 0;
    int malformed = 0;
    int published = 0;
    try {
      for (int i = from; i < to; i++) {
        final int s = failed ? FAILED : marks[i] == 0 ? ABSENT : marks[i];
        if (!STATUS.compareAndSet(status, i, PENDING, s)) {
          if (skipPublished) {
            continue;
          }
          throw new IllegalStateException("key " + keys[i] + " (index " + i + ") was already published");
        }
        published++;
        final long key = keys[i];
        if (s == FOUND) {
          found++;
          if (cache != null) {
            cache.put(key, fetch.kindOf(key), now, values, i * width);
          }
        } else if (s != FAILED) {
          if (s == MALFORMED) {
            malformed++;
          } else {
            absent++;
          }
          if (cache != null) {
            cache.putAbsent(key, now);
          }
        }
        // the near cache has the answer before the key leaves the in-flight table, so no request can
        // find neither while the answer is known (see InFlight.claimOrJoin)
        fetch.inFlight.remove(key, pendings[i]);
      }
    } finally {
      fetch.countPublished(found, absent, malformed, countFailed ? published : 0);
      if (failed) {
        anyFailed = true;
        reportOutcome(2);
      }
      if (remaining.addAndGet(-published) == 0 && !anyFailed) {
        reportOutcome(1);
      }
      wakeWaiters();
    }
  }

  private void reportOutcome(int o) {
    if (outcome.compareAndSet(0, o) && fetch.breaker != null) {
      if (o == 1) {
        fetch.breaker.onSuccess();
      } else {
        fetch.breaker.onFailure();
      }
    }
  }

  private void wakeWaiters() {
    synchronized (this) {
      for (int i = 0; i < waiterCount; i++) {
        LockSupport.unpark(waiters[i]);
      }
      if (remaining.get() == 0) {
        published = true;
        Arrays.fill(waiters, 0, waiterCount, null);
        waiterCount = 0;
      }
    }
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("key index " + i + " of a call of " + size);
    }
    return i;
  }

  // ------------------------------------------------------------ request side

  /** Appends a key claimed by the owning request. */
  int add(long key, InFlight.Pending pending) {
    final int i = size++;
    keys[i] = key;
    pendings[i] = pending;
    remaining.incrementAndGet();
    return i;
  }

  /** The answer status of key {@code i}: {@code PENDING} until published. */
  int status(int i) {
    return (int) STATUS.getAcquire(status, i);
  }

  /** Whether every key has been published. */
  boolean isDone() {
    return remaining.get() == 0;
  }

  /**
   * Registers {@code thread} to be unparked whenever a range is published. Registering after the last
   * publication is a no-op (the caller re-checks the status before parking).
   */
  synchronized void addWaiter(Thread thread) {
    if (published) {
      return;
    }
    for (int i = 0; i < waiterCount; i++) {
      if (waiters[i] == thread) {
        return;
      }
    }
    if (waiterCount == waiters.length) {
      waiters = Arrays.copyOf(waiters, waiterCount * 2);
    }
    waiters[waiterCount++] = thread;
  }

  /**
   * The owning request stops waiting with keys still unpublished: tells the breaker the store was
   * too slow (once per call, and only if the call's outcome is not known yet).
   */
  void tooSlow() {
    if (remaining.get() > 0) {
      reportOutcome(3);
    }
  }

  @Override
  public String toString() {
    return "FetchCall[" + fetch.name() + ", " + size + " keys, " + remaining.get() + " unpublished]";
  }
}
