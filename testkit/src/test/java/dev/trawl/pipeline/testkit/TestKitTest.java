package dev.trawl.pipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.stages.DiversityCap;
import org.junit.jupiter.api.Test;

class TestKitTest {
  static Object sink;

  @Test
  void allocationMeterSeesASmallAllocationPerRun() {
    final double bytes = Allocations.bytesPerRun(() -> sink = new long[4], 1_000, 10_000);
    assertThat(bytes).isGreaterThanOrEqualTo(32);
    final double none = Allocations.bytesPerRun(() -> { }, 1_000, 10_000);
    assertThat(none).isLessThan(1.0);
  }

  @Test
  void steadyStateBytesAreZeroForAPathThatAllocatesNothingAndTheControlIsNot() {
    final long[] sum = {0};
    final Runnable add = () -> sum[0] += sum[0] ^ 7;
    assertThat(Allocations.steadyStateBytes(2_000, add)).isZero();
    assertThat(Allocations.total(2_000, Allocations.allocatingEvery(25, add))).isPositive();
  }

  @Test
  void threadIdsNameTheLiveThreadsWhoseNameHasThePrefix() throws Exception {
    final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    final Thread worker = new Thread(() -> {
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "testkit-thread-ids-worker");
    worker.start();
    try {
      assertThat(Allocations.threadIds("testkit-thread-ids-")).containsExactly(worker.getId());
      assertThat(Allocations.threadIds("no-such-thread-")).isEmpty();
    } finally {
      stop.countDown();
      worker.join();
    }
    assertThat(Allocations.threadIds("testkit-thread-ids-")).as("ended threads are not named").isEmpty();
  }

  @Test
  void candidatesDeclareTheColumnsOnlyWhenEveryRowHasThem() {
    assertThat(Candidates.builder().add(1, 1f, 2, 3, 4).build().writes())
        .containsExactly(Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT);
    assertThat(Candidates.builder().add(1, 1f, 2, 3, 4).add(5, 1f).build().writes()).isEmpty();
    // so a cap over partial candidates is refused at build time
    assertThatThrownBy(StageTest.with(Candidates.builder().add(1, 1f).build())
            .selector("cap", DiversityCap.perAuthor(1))::run)
        .hasMessageContaining("reads author");
  }

  @Test
  void repeatedRunsReuseTheContextAndStartFromFreshInputs() {
    final StageTest test = StageTest.with(Candidates.ofIds(1, 2, 3))
        .rule("seen", TestKitTest::dropSeen);
    assertThat(test.run(ctx -> ctx.seenIds().add(1)).ids()).containsExactly(2L, 3L);
    assertThat(test.run().ids()).containsExactly(1L, 2L, 3L);
  }

  /** A rule that removes the request's seen ids (the kit's own tests cannot see the library's). */
  private static void dropSeen(dev.trawl.pipeline.RequestContext ctx, dev.trawl.pipeline.CandidateBatch batch) {
    for (int r = 0, n = batch.size(); r < n; r++) {
      if (ctx.seenIds().contains(batch.id(r))) {
        batch.remove(r);
      }
    }
  }
}
