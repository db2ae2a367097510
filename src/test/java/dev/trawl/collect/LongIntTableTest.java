package dev.trawl.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongIntTableTest {
  @Test
  void asAMapItKeepsTheFirstValueGrowsAndClears() {
    final LongIntTable t = new LongIntTable(2);
    for (int i = 0; i < 1000; i++) {
      assertThat(t.putIfAbsent(i * 7919L - 500, i)).isEqualTo(LongIntTable.MISSING);
    }
    assertThat(t.putIfAbsent(-500, 99)).isEqualTo(0);
    assertThat(t.get(999 * 7919L - 500)).isEqualTo(999);
    assertThat(t.size()).isEqualTo(1000);
    t.clear();
    assertThat(t.size()).isZero();
    assertThat(t.get(-500)).isEqualTo(LongIntTable.MISSING);
    assertThat(t.putIfAbsent(Long.MIN_VALUE, 1)).isEqualTo(LongIntTable.MISSING);
    assertThat(t.get(Long.MIN_VALUE)).isEqualTo(1);
    assertThat(t.getOrDefault(42, 7)).isEqualTo(7);
    assertThatThrownBy(() -> t.putIfAbsent(3, -1)).hasMessageContaining("value must be >= 0");
  }

  @Test
  void asASetAddReportsOnlyNewKeysIncludingZero() {
    final LongIntTable t = new LongIntTable(4);
    assertThat(t.add(0)).isTrue();
    assertThat(t.add(0)).isFalse();
    assertThat(t.contains(0)).isTrue();
    assertThat(t.contains(1)).isFalse();
    t.clear();
    assertThat(t.contains(0)).isFalse();
    assertThat(t.add(0)).isTrue();
  }

  @Test
  void asACounterItMatchesAHashMapOverRandomKeysAcrossClears() {
    final LongIntTable t = new LongIntTable(8);
    final SplittableRandom random = new SplittableRandom(3);
    for (int round = 0; round < 20; round++) {
      final Map<Long, Integer> expected = new HashMap<>();
      t.clear();
      for (int i = 0; i < 2_000; i++) {
        final long key = random.nextInt(300) * 1_000_003L; // equal low bits: the hash must spread them
        final int count = t.increment(key);
        assertThat(count).isEqualTo(expected.merge(key, 1, Integer::sum));
      }
      assertThat(t.size()).isEqualTo(expected.size());
      expected.forEach((k, v) -> assertThat(t.getOrDefault(k, 0)).isEqualTo(v));
    }
  }
}
