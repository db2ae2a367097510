package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdSetTest {
  @Test
  void membersKeepInsertionOrderAndDuplicatesAreIgnored() {
    final IdSet set = new IdSet(2);
    for (long id : new long[] {5, -1, 5, Long.MIN_VALUE, 0, -1}) {
      set.add(id);
    }
    assertThat(set.size()).isEqualTo(4);
    assertThat(new long[] {set.get(0), set.get(1), set.get(2), set.get(3)})
        .containsExactly(5, -1, Long.MIN_VALUE, 0);
    assertThat(set.contains(Long.MIN_VALUE)).isTrue();
    assertThat(set.contains(6)).isFalse();
    final long[] out = new long[3];
    assertThat(set.copyTo(out)).isEqualTo(3);
    assertThat(out).containsExactly(5, -1, Long.MIN_VALUE);
    assertThatThrownBy(() -> set.get(4)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void clearForgetsEveryMemberAndTheSetRefills() {
    final IdSet set = new IdSet(4);
    for (long id = 0; id < 1_000; id++) {
      set.add(id * 31);
    }
    set.clear();
    assertThat(set.isEmpty()).isTrue();
    assertThat(set.contains(31)).isFalse();
    assertThat(set.add(31)).isTrue();
    assertThat(set.get(0)).isEqualTo(31);
  }

  @Test
  void addAllCopiesAnotherSetInItsOrder() {
    final IdSet a = new IdSet(4);
    final IdSet b = new IdSet(4);
    a.add(3);
    b.add(9);
    b.add(3);
    a.addAll(b);
    assertThat(a.toString()).isEqualTo("IdSet[3, 9]");
  }
}
