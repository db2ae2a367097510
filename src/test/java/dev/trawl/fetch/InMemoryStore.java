package dev.trawl.fetch;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store for the library's fetch tests: records in a map, answered on the store's own thread (as a
 * network client would), with switches for the failures the tests need: hold answers until a latch
 * opens, never answer, fail every call, call a hook inside fetch().
 */
final class InMemoryStore implements Fetcher, AutoCloseable {
  final Map<Long, float[]> records = new ConcurrentHashMap<>();
  final Set<Long> malformed = ConcurrentHashMap.newKeySet();
  final AtomicInteger calls = new AtomicInteger();
  final AtomicInteger keysRead = new AtomicInteger();
  volatile CountDownLatch holdAnswers;
  volatile boolean neverAnswer;
  volatile boolean failing;
  volatile boolean throwInFetch;
  volatile Runnable onFetch;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    final Thread t = new Thread(r, "in-memory-store");
    t.setDaemon(true);
    return t;
  });

  @Override
  public void fetch(FetchCall call) {
    calls.incrementAndGet();
    keysRead.addAndGet(call.size());
    final Runnable hook = onFetch;
    if (hook != null) {
      hook.run();
    }
    if (throwInFetch) {
      throw new IllegalStateException("store client bug");
    }
    if (neverAnswer) {
      return;
    }
    thread.execute(() -> answer(call));
  }

  private void answer(FetchCall call) {
    final CountDownLatch hold = holdAnswers;
    if (hold != null) {
      try {
        hold.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failing) {
      call.fail(0, call.size(), new IllegalStateException("store down"));
      return;
    }
    for (int i = 0; i < call.size(); i++) {
      final long key = call.key(i);
      final float[] r = records.get(key);
      if (malformed.contains(key)) {
        call.malformed(i);
      } else if (r == null) {
        call.absent(i);
      } else {
        System.arraycopy(r, 0, call.values(), call.offset(i), call.width());
        call.found(i);
      }
    }
    call.complete(0, call.size());
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
