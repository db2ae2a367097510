package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link PostStreamConsumer.Builder#yieldWhile}: apply threads wait while the host is busy, never
 * longer than the bound per event, never after close, and never lose an event; on a real broker.
 */
class HostYieldTest {
  private static final int DIM = 128;

  @Test
  void eventsWaitWhileTheHostIsBusyAndAreAllAppliedOnceItIsIdle() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "yield-busy";
    broker.createTopic(topic, 1);
    produce(broker, topic, 40);
    final AtomicBoolean busy = new AtomicBoolean(true);
    final AtomicLong asked = new AtomicLong();
    final VectorIndex index = newIndex();
    try (PostStreamConsumer consumer =
        consumer(broker, topic, index, counting(busy::get, asked), Duration.ofSeconds(10))) {
      consumer.start();
      // the apply thread asks again every 50 us while it waits: 200 answers mean it is waiting
      awaitAsked(asked, 200);
      assertThat(index.size()).as("events applied while the host was busy").isZero();
      busy.set(false);
      assertThat(consumer.await(m -> m.received() == 40, Duration.ofMinutes(1))).isTrue();
      final ConsumerMetrics m = consumer.metrics();
      assertThat(m.applied()).isEqualTo(40);
      assertThat(m.heldEvents()).isGreaterThanOrEqualTo(1);
      assertThat(m.expiredHolds()).isZero();
    }
    assertThat(index.size()).isEqualTo(40);
  }

  @Test
  void aHostThatIsAlwaysBusyStillGetsEveryEventAppliedEachAfterOneFullHold() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "yield-always";
    broker.createTopic(topic, 1);
    produce(broker, topic, 25);
    final VectorIndex index = newIndex();
    final Duration hold = Duration.ofMillis(20);
    try (PostStreamConsumer consumer = consumer(broker, topic, index, () -> true, hold)) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == 25, Duration.ofMinutes(1))).isTrue();
      final ConsumerMetrics m = consumer.metrics();
      assertThat(m.applied()).isEqualTo(25);
      assertThat(m.heldEvents()).isEqualTo(25);
      assertThat(m.expiredHolds()).isEqualTo(25);
      assertThat(m.heldNanos()).isGreaterThanOrEqualTo(25 * hold.toNanos());
    }
    assertThat(index.size()).isEqualTo(25);
  }

  @Test
  void closeEndsTheWaitsAndFinishesTheBatchWithoutLosingAnEvent() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "yield-close";
    broker.createTopic(topic, 1);
    produce(broker, topic, 5);
    final AtomicLong asked = new AtomicLong();
    final VectorIndex index = newIndex();
    final ConsumerMetrics m;
    try (PostStreamConsumer consumer =
        consumer(broker, topic, index, counting(() -> true, asked), Duration.ofSeconds(10))) {
      consumer.start();
      awaitAsked(asked, 200);
      consumer.close();
      m = consumer.metrics();
    }
    // a hold that ran to its 10 s bound would count as expired: close ended the first event's wait,
    // and the batch's other four events did not wait at all
    assertThat(m.expiredHolds()).isZero();
    assertThat(m.heldEvents()).isEqualTo(1);
    assertThat(m.applied()).isEqualTo(5);
    assertThat(index.size()).isEqualTo(5);
    assertThat(m.position(0)).isEqualTo(5);
  }

  @Test
  void aHostCheckThatThrowsLetsEventsApplyAtOnce() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "yield-throws";
    broker.createTopic(topic, 1);
    produce(broker, topic, 10);
    final VectorIndex index = newIndex();
    final BooleanSupplier broken = () -> {
      throw new IllegalStateException("host bug");
    };
    try (PostStreamConsumer consumer =
        consumer(broker, topic, index, broken, Duration.ofSeconds(10))) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == 10, Duration.ofMinutes(1))).isTrue();
      assertThat(consumer.metrics().applied()).isEqualTo(10);
      assertThat(consumer.metrics().heldEvents()).isZero();
    }
  }

  @Test
  void aHoldBoundOutsideZeroToTenSecondsIsRefusedWithItsValue() {
    final PostStreamConsumer.Builder b = PostStreamConsumer.builder("localhost:1", "t");
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-1), Duration.ofSeconds(11)}) {
      assertThatThrownBy(() -> b.yieldWhile(() -> true, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxHold must be in (0, 10 s]")
          .hasMessageContaining(bad.toString());
    }
  }

  @Test
  void waitingAndNotWaitingForTheHostAllocateNothing() {
    final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    final long self = Thread.currentThread().getId();
    final AtomicLong calls = new AtomicLong();
    // busy on every other check: each turn waits one short park, then goes
    final HostYield yield = new HostYield(() -> (calls.incrementAndGet() & 1) == 1, 1_000_000);
    final HostYield idle = new HostYield(() -> false, 1_000_000);
    final long[] sink = new long[1];
    for (int i = 0; i < 20_000; i++) { // warm-up: compiled before the window
      yield.awaitTurn();
      idle.awaitTurn();
    }
    long before = threads.getThreadAllocatedBytes(self);
    for (int i = 0; i < 2_000; i++) {
      yield.awaitTurn();
      idle.awaitTurn();
    }
    final long bytes = threads.getThreadAllocatedBytes(self) - before;
    // positive control: the same window around an allocation is seen
    before = threads.getThreadAllocatedBytes(self);
    for (int i = 0; i < 2_000; i++) {
      idle.awaitTurn();
      sink[0] += new long[4].length;
    }
    final long control = threads.getThreadAllocatedBytes(self) - before;
    assertThat(yield.heldEvents()).isPositive();
    assertThat(bytes).isZero();
    assertThat(control).isGreaterThanOrEqualTo(2_000L * 32);
  }

  private static BooleanSupplier counting(BooleanSupplier busy, AtomicLong asked) {
    return () -> {
      asked.incrementAndGet();
      return busy.getAsBoolean();
    };
  }

  private static void awaitAsked(AtomicLong asked, long times) throws InterruptedException {
    final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (asked.get() < times) {
      assertThat(System.nanoTime()).as("the host was asked %d times", asked.get()).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static VectorIndex newIndex() {
    return VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(40).build();
  }

  private static PostStreamConsumer consumer(
      LocalBroker broker, String topic, VectorIndex index, BooleanSupplier busy, Duration hold)
      throws Exception {
    return PostStreamConsumer.builder(broker.bootstrap(), topic)
        .index(index, SourcePositions.NONE)
        .yieldWhile(busy, hold)
        .build();
  }

  private static void produce(LocalBroker broker, String topic, int posts) throws Exception {
    final float[][] rows = Arrays.copyOf(TestData.siftBase(), posts);
    final StreamPlan plan = StreamPlan.builder(posts).seed(3).build();
    StreamFixture.produce(broker.bootstrap(), topic, plan, rows);
  }
}
