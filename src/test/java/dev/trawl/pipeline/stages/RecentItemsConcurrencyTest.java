package dev.trawl.pipeline.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentItemsConcurrencyTest {
  /** Every item is written with author = 2 * id, community = 3 * id, createdAt = id. */
  @Test
  void scansDuringAppendsNeverSeeTornItemsAndAreNewestFirst() throws Exception {
    final RecentItems items = new RecentItems(64);
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicBoolean started = new AtomicBoolean();
    final Thread writer = new Thread(() -> {
      for (long id = 0; !stop.get(); id++) {
        items.append(id, 2 * id, 3 * id, id);
        started.lazySet(true);
      }
    });
    writer.start();
    // on a loaded machine the scans could all finish before the writer is first scheduled
    while (!started.get()) {
      Thread.onSpinWait();
    }
    final AtomicLong torn = new AtomicLong();
    final AtomicLong seen = new AtomicLong();
    final long[] last = new long[1];
    final RecentItems.Visitor<long[]> check = (state, id, author, community, created) -> {
      if (author != 2 * id || community != 3 * id || created != id || id >= state[0]) {
        torn.incrementAndGet();
      }
      state[0] = id;
      seen.incrementAndGet();
      return true;
    };
    try {
      for (int scan = 0; scan < 20_000; scan++) {
        last[0] = Long.MAX_VALUE;
        items.scanNewestFirst(last, check);
      }
    } finally {
      stop.set(true);
      writer.join();
    }
    assertThat(seen.get()).isPositive();
    assertThat(torn.get()).isZero();
  }
}
