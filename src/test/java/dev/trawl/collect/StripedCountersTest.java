package dev.trawl.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.testkit.Allocations;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class StripedCountersTest {
  private static final int THREADS = 4;
  private static final int ADDS = 1_000_000;

  @Test
  void eachCounterSumsExactlyWhatItsThreadsAddedWhenThreadsShareAStripe() throws Exception {
    // two stripes for four threads: at least two threads add to the same cells
    final StripedCounters group = new StripedCounters(3, 1);
    final StripedCounters.Counter ones = group.newCounter();
    final StripedCounters.Counter threes = group.newCounter();
    final StripedCounters.Counter downs = group.newCounter();
    runOnThreads(() -> {
      for (int i = 0; i < ADDS; i++) {
        ones.increment();
        threes.add(3);
        downs.add(-1);
      }
    });
    assertThat(ones.sum()).isEqualTo((long) THREADS * ADDS);
    assertThat(threes.sum()).isEqualTo(3L * THREADS * ADDS);
    assertThat(downs.sum()).isEqualTo(-(long) THREADS * ADDS);
  }

  @Test
  void contendedAddsAllocateNothingWhereALongAdderUnderTheSameRaceAllocatesItsCells()
      throws Exception {
    final StripedCounters.Counter striped = new StripedCounters(1).newCounter();
    // a first race compiles the adding loop: a thread that makes a method due for compilation
    // allocates the string literals of the method's class (see Allocations), which is not the
    // counter allocating
    runOnThreads(new Increments(striped, null));
    assertThat(runOnThreads(new Increments(striped, null)))
        .as("bytes the racing threads allocated adding to a striped counter").isZero();
    assertThat(striped.sum()).isEqualTo(2L * THREADS * ADDS);

    // the positive control: the same race on a LongAdder makes it allocate its cells
    final LongAdder adder = new LongAdder();
    assertThat(runOnThreads(new Increments(null, adder)))
        .as("bytes the racing threads allocated adding to a LongAdder").isPositive();
    assertThat(adder.sum()).isEqualTo((long) THREADS * ADDS);
  }

  /**
   * {@value #ADDS} increments of one counter, in a class whose constant pool holds no string (so
   * compiling its loop allocates nothing on the adding thread).
   */
  private static final class Increments implements Runnable {
    private final StripedCounters.Counter striped;
    private final LongAdder adder;

    Increments(StripedCounters.Counter striped, LongAdder adder) {
      this.striped = striped;
      this.adder = adder;
    }

    @Override
    public void run() {
      for (int i = 0; i < ADDS; i++) {
        if (striped != null) {
          striped.increment();
        } else {
          adder.increment();
        }
      }
    }
  }

  @Test
  void stripesAreTwiceTheProcessorsAsAPowerOfTwoAndAtMost64() {
    assertThat(new StripedCounters(1, 1).stripes()).isEqualTo(2);
    assertThat(new StripedCounters(1, 2).stripes()).isEqualTo(4);
    assertThat(new StripedCounters(1, 3).stripes()).isEqualTo(8);
    assertThat(new StripedCounters(1, 32).stripes()).isEqualTo(64);
    assertThat(new StripedCounters(1, 200).stripes()).isEqualTo(64);
  }

  @Test
  void aGroupRefusesMoreCountersThanItsCapacityAndABadCapacity() {
    final StripedCounters group = new StripedCounters(2);
    group.newCounter();
    group.newCounter();
    assertThatThrownBy(group::newCounter).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds 2 counters");
    assertThatThrownBy(() -> new StripedCounters(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 1024], got 0");
    assertThatThrownBy(() -> new StripedCounters(1025)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Runs {@code adds} on {@value #THREADS} threads released together; returns the bytes those threads
   * allocated while running it (each thread measures itself, so thread start-up is not counted).
   */
  private static long runOnThreads(Runnable adds) throws InterruptedException {
    final CountDownLatch go = new CountDownLatch(1);
    final long[] bytes = new long[THREADS];
    final Thread[] threads = new Thread[THREADS];
    for (int t = 0; t < THREADS; t++) {
      final int slot = t;
      threads[t] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        final long before = Allocations.currentThreadBytes();
        adds.run();
        bytes[slot] = Allocations.currentThreadBytes() - before;
      });
      threads[t].start();
    }
    go.countDown();
    long sum = 0;
    for (int t = 0; t < THREADS; t++) {
      threads[t].join();
      sum += bytes[t];
    }
    return sum;
  }
}
