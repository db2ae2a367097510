package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.hnsw.WriteFaults;
import dev.trawl.hnsw.WriteFaults.InjectedFault;
import dev.trawl.hnsw.WriteFaults.Step;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A write that fails at any step before its commit point leaves the index exactly as it was: live
 * set, versions, vectors, attributes and their bitmaps, tombstones, and what searches return. The
 * failures are injected with {@link WriteFaults} at every step a write passes.
 */
class WriteFailureTest {
  private static final int DIM = 16;
  private static final int ITEMS = 600;
  private static final float[][] DATA = Vectors.clustered(ITEMS + 50, DIM, 12, 11L);
  private static final float[][] QUERIES = Vectors.clustered(30, DIM, 12, 12L);

  enum Op {
    ADD_NEW,
    UPDATE_EXISTING,
    VERSIONED_UPSERT_REPLACING,
    VERSIONED_UPSERT_NEW,
    UPSERT_HIGH_LEVEL_NODE
  }

  @AfterEach
  void disarm() {
    WriteFaults.disarm();
  }

  private static VectorIndex populated() {
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(64).expectedItems(ITEMS)
            .repairThreshold(Double.POSITIVE_INFINITY) // no background repair between captures
            .build();
    final ItemAttributes attrs = new ItemAttributes();
    for (int i = 0; i < ITEMS; i++) {
      index.upsert(i, 10 + i, DATA[i], attrs.clear().author(i % 7).community(i % 5).flag(i % 3));
    }
    for (int i = 0; i < ITEMS; i += 9) {
      index.remove(i, 10_000 + i); // some tombstones, some remembered removals
    }
    return index;
  }

  /** Everything a host can observe, plus the tombstones below the graph's size. */
  private record State(
      int size,
      List<String> items,
      List<String> bitmaps,
      List<String> results,
      int deletedCount,
      boolean[] tombstones) {}

  private static State capture(VectorIndex index) {
    final List<String> items = new ArrayList<>();
    final ItemAttributes a = new ItemAttributes();
    final float[] v = new float[DIM];
    for (long id = 0; id < ITEMS + 50; id++) {
      if (index.contains(id)) {
        index.attributes(id, a);
        index.vector(id, v);
        items.add(id + " v" + index.version(id) + " " + a.author() + "/" + a.community() + "/"
            + a.flags() + " " + Arrays.toString(v));
      } else {
        items.add(id + " absent v" + index.version(id));
      }
    }
    final List<String> bitmaps = new ArrayList<>();
    for (int k = 0; k < 7; k++) {
      bitmaps.add("author " + k + ": " + index.attributes().authors().cardinality(k));
    }
    for (int k = 0; k < 5; k++) {
      bitmaps.add("community " + k + ": " + index.attributes().communities().cardinality(k));
    }
    for (int k = 0; k < 3; k++) {
      bitmaps.add("flag " + k + ": " + index.attributes().flags().cardinality(k));
    }
    final List<String> results = new ArrayList<>();
    final Searcher searcher = index.newSearcher();
    final SearchResults out = new SearchResults(10);
    for (float[] q : QUERIES) {
      final int n = searcher.search(q, 10, 64, out);
      final StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        b.append(out.id(i)).append(':').append(out.distance(i)).append(' ');
      }
      results.add(b.toString());
    }
    final int ordinals = index.graph().size();
    final boolean[] tombstones = new boolean[ordinals];
    for (int o = 0; o < ordinals; o++) {
      tombstones[o] = index.graph().isDeleted(o);
    }
    return new State(index.size(), items, bitmaps, results, index.graph().deletedCount(), tombstones);
  }

  private static void assertUnchanged(VectorIndex index, State before) {
    final State after = capture(index);
    assertThat(after.size()).isEqualTo(before.size());
    assertThat(after.items()).containsExactlyElementsOf(before.items());
    assertThat(after.bitmaps()).containsExactlyElementsOf(before.bitmaps());
    assertThat(after.results()).containsExactlyElementsOf(before.results());
    assertThat(after.deletedCount()).isEqualTo(before.deletedCount());
    assertThat(Arrays.copyOf(after.tombstones(), before.tombstones().length))
        .containsExactly(before.tombstones());
  }

  /** An id whose new ordinal will sit on an upper level: the write passes LEVEL_LINKED twice. */
  private static long run(VectorIndex index, Op op, ItemAttributes attrs) {
    switch (op) {
      case ADD_NEW:
        index.add(ITEMS + 1, DATA[ITEMS + 1], attrs.clear().author(3).flag(2));
        return ITEMS + 1;
      case UPDATE_EXISTING:
        index.update(4, DATA[ITEMS + 2], attrs.clear().author(6).community(1));
        return 4;
      case VERSIONED_UPSERT_REPLACING:
        assertThat(index.upsert(5, 20_000, DATA[ITEMS + 3], null)).isEqualTo(WriteOutcome.APPLIED);
        return 5;
      case VERSIONED_UPSERT_NEW:
        assertThat(index.upsert(ITEMS + 4, 1, DATA[ITEMS + 4], attrs.clear().community(4)))
            .isEqualTo(WriteOutcome.APPLIED);
        return ITEMS + 4;
      default:
        assertThat(index.upsert(6, 20_000, DATA[ITEMS + 5], attrs.clear().author(1)))
            .isEqualTo(WriteOutcome.APPLIED);
        return 6;
    }
  }

  private static void failThenRecover(Op op, Step step, int skip) {
    final VectorIndex index = populated();
    final ItemAttributes attrs = new ItemAttributes();
    final State before = capture(index);
    WriteFaults.arm(step, skip);
    assertThatThrownBy(() -> run(index, op, attrs))
        .as("%s at %s (skip %d)", op, step, skip)
        .isInstanceOf(InjectedFault.class);
    WriteFaults.disarm();
    assertUnchanged(index, before);

    // the same write then succeeds, and removing its id leaves no ghost behind
    final long id = run(index, op, attrs);
    assertThat(index.contains(id)).isTrue();
    assertThat(index.size()).isEqualTo(before.size() + (op == Op.ADD_NEW || op == Op.VERSIONED_UPSERT_NEW ? 1 : 0));
    index.remove(id);
    assertThat(index.contains(id)).isFalse();
    final Searcher searcher = index.newSearcher();
    final SearchResults out = new SearchResults(ITEMS);
    final float[] probe = DATA[(int) Math.min(id, ITEMS + 5)];
    final int n = searcher.searchExact(probe, ITEMS, out);
    for (int i = 0; i < n; i++) {
      assertThat(out.id(i)).isNotEqualTo(id);
    }
  }

  @ParameterizedTest
  @EnumSource(Op.class)
  void aWriteFailingAfterItsIdIsMappedChangesNothing(Op op) {
    failThenRecover(op, Step.MAPPED, 0);
  }

  @ParameterizedTest
  @EnumSource(Op.class)
  void aWriteFailingAfterItsVectorIsStoredChangesNothing(Op op) {
    failThenRecover(op, Step.VECTOR_STORED, 0);
  }

  @ParameterizedTest
  @EnumSource(Op.class)
  void aWriteFailingAfterLinkingALevelChangesNothing(Op op) {
    failThenRecover(op, Step.LEVEL_LINKED, 0);
  }

  @ParameterizedTest
  @EnumSource(Op.class)
  void aWriteFailingJustBeforePublishingChangesNothing(Op op) {
    failThenRecover(op, Step.BEFORE_PUBLISH, 0);
  }

  @Test
  void aWriteFailingAfterLinkingItsSecondLevelChangesNothing() {
    // find a fresh ordinal with an upper level: the write linking it passes LEVEL_LINKED twice
    final VectorIndex probe = populated();
    int ordinal = probe.graph().size();
    while (probe.graph().levelOf(ordinal) == 0) {
      ordinal++;
    }
    final VectorIndex index = populated();
    final ItemAttributes attrs = new ItemAttributes();
    for (int o = index.graph().size(); o < ordinal; o++) {
      index.add(100_000 + o, DATA[o % ITEMS]); // plain adds up to the ordinal before it
    }
    // reuse is on: freed ordinals would be taken first; there are none before a repair pass
    assertThat(index.graph().reclaimer().freeCount()).isZero();
    final State before = capture(index);
    WriteFaults.arm(Step.LEVEL_LINKED, 1);
    assertThatThrownBy(() -> index.add(ITEMS + 10, DATA[ITEMS + 10], attrs.clear().author(2)))
        .isInstanceOf(InjectedFault.class);
    WriteFaults.disarm();
    assertThat(index.graph().levelOf(ordinal)).isPositive();
    assertUnchanged(index, before);
    index.add(ITEMS + 10, DATA[ITEMS + 10], attrs);
    assertThat(index.contains(ITEMS + 10)).isTrue();
  }

  @Test
  void theFirstWriteIntoAnEmptyIndexFailingLeavesItEmpty() {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).build();
    WriteFaults.arm(Step.BEFORE_PUBLISH, 0);
    assertThatThrownBy(() -> index.upsert(1, 1, DATA[0], new ItemAttributes().author(1)))
        .isInstanceOf(InjectedFault.class);
    assertThat(index.size()).isZero();
    assertThat(index.contains(1)).isFalse();
    assertThat(index.version(1)).isEqualTo(VectorIndex.NO_VERSION);
    assertThat(index.attributes().authors().cardinality(1)).isZero();
    assertThat(index.graph().entryNode()).isEqualTo(-1);
    assertThat(index.upsert(1, 1, DATA[0], null)).isEqualTo(WriteOutcome.APPLIED);
    final SearchResults out = new SearchResults(1);
    assertThat(index.newSearcher().search(DATA[0], 1, 8, out)).isEqualTo(1);
    assertThat(out.id(0)).isEqualTo(1);
  }

  @Test
  void aFailedWritesOrdinalIsReusedNotLeaked() {
    final VectorIndex index = populated();
    final int ordinals = index.graph().size();
    for (int i = 0; i < 20; i++) {
      WriteFaults.arm(Step.BEFORE_PUBLISH, 0);
      assertThatThrownBy(() -> index.add(ITEMS + 20, DATA[ITEMS + 20])).isInstanceOf(InjectedFault.class);
    }
    WriteFaults.disarm();
    assertThat(index.graph().size()).isEqualTo(ordinals + 1);
  }
}
