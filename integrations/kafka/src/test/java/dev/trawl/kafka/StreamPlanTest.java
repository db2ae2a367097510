package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The synthetic stream is deterministic, has what its options ask for, and knows its end state. */
class StreamPlanTest {
  private static StreamPlan plan(long seed) {
    return StreamPlan.builder(2_000)
        .removeEvery(10)
        .updateEvery(4)
        .duplicateEvery(7)
        .shuffleWindow(30)
        .seed(seed)
        .build();
  }

  @Test
  void sameSeedSameStreamOtherSeedOtherStream() {
    final StreamPlan a = plan(1);
    final StreamPlan b = plan(1);
    final StreamPlan c = plan(2);
    assertThat(a.size()).isEqualTo(b.size());
    boolean differs = false;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.id(i)).isEqualTo(b.id(i));
      assertThat(a.version(i)).isEqualTo(b.version(i));
      assertThat(a.op(i)).isEqualTo(b.op(i));
      differs |= i < c.size() && a.id(i) != c.id(i);
    }
    assertThat(differs).isTrue();
  }

  @Test
  void countsFollowTheOptions() {
    final StreamPlan p = plan(3);
    int creates = 0;
    int updates = 0;
    int removes = 0;
    for (int i = 0; i < p.size(); i++) {
      if (p.op(i) == EventFormat.REMOVE) {
        removes++;
      } else if (p.version(i) == 1) {
        creates++;
      } else {
        updates++;
      }
    }
    final int logical = 2_000 + 500 + 200;
    final int copies = logical / 7;
    assertThat(p.size()).isEqualTo(logical + copies);
    assertThat(removes + updates + creates).isEqualTo(p.size());
    assertThat(p.liveCount()).isEqualTo(2_000 - 200);
    assertThat(p.liveIds()).hasSize(1_800);
  }

  @Test
  void reorderingIsBoundedByTheWindowAndHappens() {
    final StreamPlan ordered =
        StreamPlan.builder(2_000).removeEvery(10).updateEvery(4).duplicateEvery(7).seed(3).build();
    final StreamPlan shuffled = plan(3);
    // the same multiset of events, each moved by at most the window
    final Map<String, Integer> firstAt = new HashMap<>();
    for (int i = 0; i < ordered.size(); i++) {
      firstAt.putIfAbsent(ordered.id(i) + "/" + ordered.version(i), i);
    }
    int moved = 0;
    int outOfVersionOrder = 0;
    final Map<Long, Long> lastVersion = new HashMap<>();
    for (int i = 0; i < shuffled.size(); i++) {
      final Integer at = firstAt.get(shuffled.id(i) + "/" + shuffled.version(i));
      assertThat(at).isNotNull();
      assertThat(Math.abs(at - i)).isLessThanOrEqualTo(31);
      moved += at != i ? 1 : 0;
      final Long prior = lastVersion.put(shuffled.id(i), shuffled.version(i));
      outOfVersionOrder += prior != null && prior > shuffled.version(i) ? 1 : 0;
    }
    assertThat(moved).isGreaterThan(shuffled.size() / 2);
    assertThat(outOfVersionOrder)
        .as("events of one post delivered out of version order")
        .isPositive();
  }

  @Test
  void finalEventIsTheHighestVersionOfEachPost() {
    final StreamPlan p = plan(5);
    final Map<Long, Long> max = new HashMap<>();
    final Map<Long, Byte> op = new HashMap<>();
    for (int i = 0; i < p.size(); i++) {
      if (p.version(i) > max.getOrDefault(p.id(i), 0L)) {
        max.put(p.id(i), p.version(i));
        op.put(p.id(i), p.op(i));
      }
    }
    int live = 0;
    for (long id : p.mentionedIds()) {
      assertThat(p.version(p.finalEvent(id))).isEqualTo(max.get(id));
      live += op.get(id) == EventFormat.UPSERT ? 1 : 0;
    }
    assertThat(live).isEqualTo(p.liveCount());
    assertThat(p.finalEvent(1_000_000)).isEqualTo(-1);
  }

  @Test
  void reEmbeddingsMixTwoRowsAndChangeAttributes() {
    final StreamPlan p = plan(6);
    final float[] out = new float[2];
    final float[] scratch = new float[2];
    final StreamPlan.Rows rows =
        (row, v) -> {
          v[0] = row;
          v[1] = 1;
        };
    final ItemAttributes a1 = new ItemAttributes();
    final ItemAttributes a2 = new ItemAttributes();
    for (int i = 0; i < p.size(); i++) {
      if (p.op(i) == EventFormat.UPSERT) {
        p.vector(i, rows, scratch, out);
        if (p.version(i) == 1) {
          assertThat(out[0]).isEqualTo((float) p.row(i));
          assertThat(p.idOfRow(p.row(i))).isEqualTo(p.id(i));
        } else {
          assertThat(out[1]).isEqualTo(1f);
          p.attributes(i, a2);
        }
        p.attributes(i, a1);
        assertThat(a1.author()).isEqualTo(Math.floorMod(p.id(i), 97L));
      }
    }
  }

  @Test
  void customIdsAreUsed() {
    final long[] ids = {100, -5, 7};
    final StreamPlan p = StreamPlan.builder(3).ids(ids).build();
    assertThat(p.liveIds()).containsExactly(-5, 7, 100);
    assertThat(p.size()).isEqualTo(3);
  }
}
