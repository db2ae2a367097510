package dev.trawl.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

class RequestFilterTest {
  private static final int LIMIT = 5_000;

  private static RoaringBitmap randomSet(SplittableRandom random, double density) {
    final RoaringBitmap set = new RoaringBitmap();
    for (int i = 0; i < LIMIT; i++) {
      if (random.nextDouble() < density) {
        set.add(i);
      }
    }
    return set;
  }

  private static void assertAcceptsExactly(RequestFilter filter, RoaringBitmap expected) {
    for (int i = 0; i < LIMIT; i++) {
      assertThat(filter.accepts(i)).as("ordinal %d", i).isEqualTo(expected.contains(i));
    }
    assertThat(filter.allowedCount(LIMIT)).isEqualTo(expected.getCardinality());
    final int[] out = new int[LIMIT];
    final int n = filter.collectAllowed(LIMIT, out);
    assertThat(n).isEqualTo(expected.getCardinality());
    assertThat(java.util.Arrays.copyOf(out, n)).containsExactly(expected.toArray());
  }

  @Test
  void composedOperationsMatchRoaringSetAlgebraLeftToRight() {
    final SplittableRandom random = new SplittableRandom(11);
    final RequestFilter filter = new RequestFilter(64); // grows on demand
    for (int round = 0; round < 40; round++) {
      final boolean startAll = random.nextBoolean();
      RoaringBitmap expected = startAll ? RoaringBitmap.bitmapOfRange(0, LIMIT) : new RoaringBitmap();
      if (startAll) {
        filter.allowAll();
      } else {
        filter.allowNone();
      }
      for (int step = 0; step < 5; step++) {
        final RoaringBitmap operand = randomSet(random, random.nextDouble() * 0.6);
        switch (random.nextInt(3)) {
          case 0 -> {
            filter.and(operand);
            expected = RoaringBitmap.and(expected, operand);
          }
          case 1 -> {
            filter.or(operand);
            expected = RoaringBitmap.or(expected, operand);
          }
          default -> {
            filter.andNot(operand);
            expected = RoaringBitmap.andNot(expected, operand);
          }
        }
      }
      assertAcceptsExactly(filter, expected);
    }
  }

  @Test
  void resetForgetsThePreviousRequest() {
    final RequestFilter filter = new RequestFilter(LIMIT);
    filter.allowAll().andNot(RoaringBitmap.bitmapOfRange(0, 100)).and(RoaringBitmap.bitmapOf(5, 500));
    filter.allowAll();
    assertAcceptsExactly(filter, RoaringBitmap.bitmapOfRange(0, LIMIT));
    filter.allowNone();
    assertAcceptsExactly(filter, new RoaringBitmap());
  }

  @Test
  void excludedIdsAreResolvedAndMissingIdsIgnored() {
    final RequestFilter filter = new RequestFilter(LIMIT);
    final IdResolver resolver = id -> id < 1_000 ? (int) id * 2 : IdResolver.MISSING;
    filter.allowAll().andNotIds(new long[] {99, 3, 7, 5_000}, 1, 3, resolver);
    assertAcceptsExactly(filter, RoaringBitmap.andNot(
        RoaringBitmap.bitmapOfRange(0, LIMIT), RoaringBitmap.bitmapOf(6, 14)));
  }

  @Test
  void idRangeOutsideTheArrayIsRejectedAndTheFilterUnchanged() {
    final RequestFilter filter = new RequestFilter(LIMIT);
    filter.allowAll().andNotOrdinal(3);
    assertThatThrownBy(() -> filter.andNotIds(new long[] {1, 2}, 1, 2, id -> (int) id))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("[1, 1 + 2)");
    assertThat(filter.accepts(1)).isTrue();
    assertThat(filter.accepts(2)).isTrue();
    assertThat(filter.accepts(3)).isFalse();
  }

  @Test
  void attributeKeysComposeUnderTheIndexLockAndUnknownKeysAreEmpty() {
    final KeyedBitmaps communities = new KeyedBitmaps("community");
    for (int i = 0; i < 300; i++) {
      communities.add(i % 3, i);
    }
    final RequestFilter filter = new RequestFilter(LIMIT);
    filter.allowAll().and(communities, 1).andNot(communities, 42);
    final RoaringBitmap expected = new RoaringBitmap();
    for (int i = 1; i < 300; i += 3) {
      expected.add(i);
    }
    assertAcceptsExactly(filter, expected);
    filter.allowAll().and(communities, 42);
    assertAcceptsExactly(filter, new RoaringBitmap());
  }

  @Test
  void ordinalsBeyondCapacityAreNeitherIncludedNorExcluded() {
    final OrdinalBitset set = new OrdinalBitset(64);
    assertThat(set.contains(1_000_000)).isFalse();
    assertThat(set.contains(-1)).isFalse();
    set.add(1_000_000);
    assertThat(set.contains(1_000_000)).isTrue();
    assertThat(set.cardinality()).isEqualTo(1);
    set.clear();
    assertThat(set.cardinality()).isZero();
    assertThat(set.contains(1_000_000)).isFalse();
  }

  @Test
  void composingFromAttributeBitmapsIsSafeWhileWritersChangeThem() throws Exception {
    final KeyedBitmaps authors = new KeyedBitmaps("author");
    for (int i = 0; i < 1_000; i++) {
      authors.add(1, i); // a stable key: ordinals [0, 1000)
    }
    final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    final Thread writer = new Thread(() -> {
      final SplittableRandom random = new SplittableRandom(4);
      while (!done.get()) {
        final int ordinal = 1_000 + random.nextInt(50_000);
        authors.add(2, ordinal); // a churning key
        authors.remove(2, 1_000 + random.nextInt(50_000));
      }
    });
    writer.start();
    try {
      final RequestFilter filter = new RequestFilter(64);
      for (int round = 0; round < 2_000; round++) {
        filter.allowAll().and(authors, 1).andNot(authors, 2);
        assertThat(filter.allowedCount(60_000)).isEqualTo(1_000);
        filter.allowNone().or(authors, 2);
        assertThat(filter.accepts(500)).isFalse();
        assertThat(filter.allowedCount(1_000)).isZero();
      }
    } finally {
      done.set(true);
      writer.join();
    }
  }
}
