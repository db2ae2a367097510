package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A blocking stage runs on at most its share of the stage pool
 * ({@link PipelineBuilder#threadsPerBlockingStage}): a stage that hangs holds no more threads than
 * that however many requests arrive before the first of them reaches its deadline, so other blocking
 * stages on the pool keep running; healthy calls beyond the share are queued and complete; a queued
 * call that cannot be handed to the pool fails at once. Hangs are latches, never clocks: assertions
 * count entries, pages and counters.
 */
class BlockingStageThreadBoundTest {
  private static final Feature AFFINITY = Feature.candidate("affinity", 0.25f);
  private static final Duration GUARD = Duration.ofSeconds(60);

  private static final CandidateSource TEN = (ctx, out) -> {
    for (int i = 1; i <= 10; i++) {
      out.add(i, 1f / i);
    }
  };

  /**
   * A blocking hydrator that writes affinity 0.9, counts the calls inside it (and their high-water
   * mark), and then waits on {@link #gate}, ignoring interrupts as a read stuck on a dead connection
   * does.
   */
  static final class Gated implements CandidateHydrator {
    volatile CountDownLatch gate = new CountDownLatch(0);
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();

    @Override
    public Feature[] writes() {
      return new Feature[] {AFFINITY};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final CountDownLatch g = gate;
      entered.incrementAndGet();
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        final float[] a = batch.featureColumn(AFFINITY);
        for (int r = 0; r < batch.size(); r++) {
          a[r] = 0.9f;
        }
        PipelineAllocationTest.awaitUninterruptibly(g);
      } finally {
        inside.decrementAndGet();
      }
    }
  }

  private static PipelineBuilder pipeline(String name, Gated hydrator, WorkerPool pool) {
    return Pipeline.builder(name).source("ten", TEN).hydrator("gated", hydrator)
        .sourcesOnCallerThread().blockingStagesOn(pool).pageSize(10);
  }

  @Test
  void aHungStageHoldsAtMostHalfThePoolUnderConcurrentRequestsAndAnotherPipelinesStageKeepsRunning() {
    assertTimeoutPreemptively(GUARD, () -> {
      final int poolThreads = 8;
      final int requestThreads = 16;
      final int requestsEach = 3;
      try (WorkerPool pool = new WorkerPool(poolThreads, 1024)) {
        final Gated hung = new Gated();
        hung.gate = new CountDownLatch(1);
        final Pipeline hanging = pipeline("hanging", hung, pool).timeout(100, TimeUnit.MILLISECONDS)
            .build();
        final Gated healthy = new Gated();
        final Pipeline other = pipeline("other", healthy, pool).timeout(1, TimeUnit.SECONDS).build();

        final AtomicInteger hangingPagesDegraded = new AtomicInteger();
        final Thread[] clients = new Thread[requestThreads];
        final CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < requestThreads; t++) {
          clients[t] = new Thread(() -> {
            final RequestContext ctx = hanging.newContext();
            final PipelineResult page = new PipelineResult();
            PipelineAllocationTest.awaitUninterruptibly(start);
            for (int i = 0; i < requestsEach; i++) {
              hanging.execute(ctx, page);
              if (page.degraded()) {
                hangingPagesDegraded.incrementAndGet();
              }
            }
          }, "client-" + t);
          clients[t].start();
        }
        start.countDown();

        // Meanwhile the other pipeline's blocking stage, on the same pool, keeps being served.
        final RequestContext ctx = other.newContext();
        final PipelineResult page = new PipelineResult();
        int otherRequests = 0;
        int otherDegraded = 0;
        while (otherRequests < 5 || anyAlive(clients)) {
          other.execute(ctx, page);
          otherRequests++;
          if (page.degraded()) {
            otherDegraded++;
          }
        }
        for (Thread c : clients) {
          c.join();
        }
        final int mostInsideWhileHung = hung.mostInside.get();
        hung.gate.countDown();
        final StageStats stats = hanging.metrics().stage("gated");
        while (hanging.metrics().stage("gated").stillHung() > 0) {
          Thread.onSpinWait();
        }

        final int share = poolThreads / 2;
        final String seen = String.format("pool of %d threads, share %d: at most %d calls blocked in "
            + "the hung stage at once; hanging pipeline %d of %d pages degraded, its stage %s; other "
            + "pipeline's stage ran in %d of %d requests, %d pages degraded, its stage %s",
            poolThreads, share, mostInsideWhileHung, hangingPagesDegraded.get(),
            requestThreads * requestsEach, stats, healthy.entered.get(), otherRequests,
            otherDegraded, other.metrics().stage("gated"));
        assertThat(mostInsideWhileHung).as(seen).isPositive().isLessThanOrEqualTo(share);
        assertThat(hangingPagesDegraded.get()).as(seen).isEqualTo(requestThreads * requestsEach);
        assertThat(healthy.entered.get()).as(seen).isEqualTo(otherRequests);
        assertThat(otherDegraded).as(seen).isZero();
      }
    });
  }

  private static boolean anyAlive(Thread[] threads) {
    for (Thread t : threads) {
      if (t.isAlive()) {
        return true;
      }
    }
    return false;
  }
}
