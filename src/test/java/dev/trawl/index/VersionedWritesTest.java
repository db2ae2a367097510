package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionedWritesTest {
  private static final int DIM = 8;
  private static final float[][] V = Vectors.clustered(64, DIM, 4, 7L);

  private static VectorIndex index() {
    return VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).build();
  }

  private static float[] stored(VectorIndex index, long id) {
    final float[] out = new float[DIM];
    index.vector(id, out);
    return out;
  }

  @Test
  void anUpsertAppliesOnlyWhenItsVersionIsNewer() {
    final VectorIndex index = index();
    assertThat(index.upsert(1, 5, V[0], null)).isEqualTo(WriteOutcome.APPLIED);
    assertThat(index.upsert(1, 5, V[1], null)).isEqualTo(WriteOutcome.STALE); // redelivery
    assertThat(index.upsert(1, 4, V[2], null)).isEqualTo(WriteOutcome.STALE); // overtaken
    assertThat(stored(index, 1)).containsExactly(V[0]);
    assertThat(index.version(1)).isEqualTo(5);
    assertThat(index.upsert(1, 6, V[3], null)).isEqualTo(WriteOutcome.APPLIED);
    assertThat(stored(index, 1)).containsExactly(V[3]);
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void aLateUpsertOlderThanARemovalDoesNotResurrectThePost() {
    final VectorIndex index = index();
    index.upsert(7, 1, V[0], null);
    assertThat(index.remove(7, 3)).isEqualTo(WriteOutcome.APPLIED);
    assertThat(index.upsert(7, 2, V[1], null)).isEqualTo(WriteOutcome.STALE);
    assertThat(index.contains(7)).isFalse();
    assertThat(index.remove(7, 3)).isEqualTo(WriteOutcome.STALE); // redelivered removal
    assertThat(index.version(7)).isEqualTo(3);
    assertThat(index.upsert(7, 4, V[1], null)).isEqualTo(WriteOutcome.APPLIED);
    assertThat(stored(index, 7)).containsExactly(V[1]);
  }

  @Test
  void aRemovalThatOvertakesItsCreationIsRememberedAndReportedAbsent() {
    final VectorIndex index = index();
    assertThat(index.remove(9, 10)).isEqualTo(WriteOutcome.ABSENT);
    assertThat(index.version(9)).isEqualTo(10);
    assertThat(index.upsert(9, 2, V[0], null)).isEqualTo(WriteOutcome.STALE);
    assertThat(index.contains(9)).isFalse();
    assertThat(index.size()).isZero();
  }

  @Test
  void removalsAreRememberedUpToTheBuildersBoundOldestForgottenFirst() {
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).removalMemory(3).build();
    for (long id = 1; id <= 4; id++) {
      index.remove(id, 100);
    }
    assertThat(index.version(1)).isEqualTo(VectorIndex.NO_VERSION); // forgotten: the oldest
    for (long id = 2; id <= 4; id++) {
      assertThat(index.version(id)).isEqualTo(100);
      assertThat(index.upsert(id, 50, V[0], null)).isEqualTo(WriteOutcome.STALE);
    }
    assertThat(index.upsert(1, 50, V[0], null)).isEqualTo(WriteOutcome.APPLIED);
  }

  @Test
  void aRemovalWrittenAgainIsNotForgottenByItsOlderRingEntry() {
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).removalMemory(2).build();
    index.remove(1, 10);
    index.upsert(1, 11, V[0], null);
    index.remove(1, 12); // the ring holds (1,10) and (1,12)
    index.remove(2, 10); // pushes out (1,10): the id's version is 12, so it stays remembered
    assertThat(index.version(1)).isEqualTo(12);
    assertThat(index.upsert(1, 11, V[0], null)).isEqualTo(WriteOutcome.STALE);
  }

  @Test
  void attributeChangesAreVersionedToo() {
    final VectorIndex index = index();
    final ItemAttributes attrs = new ItemAttributes().author(5);
    index.upsert(1, 1, V[0], attrs);
    assertThat(index.setAttributes(1, 1, attrs.clear().author(6))).isEqualTo(WriteOutcome.STALE);
    assertThat(index.setAttributes(1, 2, attrs.clear().author(6))).isEqualTo(WriteOutcome.APPLIED);
    assertThat(index.setAttributes(2, 2, attrs)).isEqualTo(WriteOutcome.ABSENT);
    final ItemAttributes out = new ItemAttributes();
    index.attributes(1, out);
    assertThat(out.author()).isEqualTo(6);
    assertThat(index.attributes().authors().cardinality(5)).isZero();
    assertThat(index.attributes().authors().cardinality(6)).isEqualTo(1);
    // an upsert without attributes keeps them
    index.upsert(1, 3, V[1], null);
    index.attributes(1, out);
    assertThat(out.author()).isEqualTo(6);
    assertThat(index.version(1)).isEqualTo(3);
  }

  @Test
  void badVersionedWritesFailBeforeAnythingChanges() {
    final VectorIndex index = index();
    index.upsert(1, 1, V[0], null);
    assertThatThrownBy(() -> index.upsert(1, VectorIndex.NO_VERSION, V[1], null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NO_VERSION");
    assertThatThrownBy(() -> index.remove(1, VectorIndex.NO_VERSION))
        .isInstanceOf(IllegalArgumentException.class);
    final float[] nan = V[1].clone();
    nan[3] = Float.NaN;
    assertThatThrownBy(() -> index.upsert(1, 2, nan, null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.upsert(1, 2, new float[DIM + 1], null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(index.version(1)).isEqualTo(1);
    assertThat(stored(index, 1)).containsExactly(V[0]);
  }

  @Test
  void unversionedWritesForgetTheVersion() {
    final VectorIndex index = index();
    index.upsert(1, 8, V[0], null);
    index.update(1, V[1]);
    assertThat(index.version(1)).isEqualTo(VectorIndex.NO_VERSION);
    assertThat(index.upsert(1, 2, V[2], null)).isEqualTo(WriteOutcome.APPLIED);
    index.remove(1);
    assertThat(index.version(1)).isEqualTo(VectorIndex.NO_VERSION);
    assertThat(index.upsert(1, 1, V[2], null)).isEqualTo(WriteOutcome.APPLIED);
  }

  @Test
  void versionsRemovalsAndStreamPositionsSurviveASnapshot(@TempDir Path dir) throws Exception {
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).removalMemory(1000).build();
    for (int i = 0; i < 40; i++) {
      index.upsert(i, 100 + i, V[i], null);
    }
    index.upsert(40, V[40]); // unversioned
    index.remove(3, 500);
    index.remove(1_000, 7); // never live
    index.remove(5, 501);
    index.upsert(5, 502, V[5], null); // the ring's (5, 501) is stale now
    final SourcePositions positions =
        SourcePositions.builder().put("posts", 1, 77).put("posts", 0, 1234).put("edits", 3, 5).build();
    final Path file = dir.resolve("versions.idx");
    final SnapshotInfo written = IndexSnapshot.write(index, file, positions);
    assertThat(written.positions()).isEqualTo(positions);
    assertThat(IndexSnapshot.readInfo(file).positions()).isEqualTo(positions);

    final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(file);
    final VectorIndex restored = loaded.index();
    assertThat(loaded.positions()).isEqualTo(positions);
    assertThat(loaded.positions().offset("posts", 0)).isEqualTo(1234);
    assertThat(loaded.positions().offset("posts", 2)).isEqualTo(-1);
    assertThat(restored.size()).isEqualTo(index.size());
    for (long id = 0; id <= 40; id++) {
      assertThat(restored.version(id)).as("version of %d", id).isEqualTo(index.version(id));
    }
    assertThat(restored.version(1_000)).isEqualTo(7);
    assertThat(restored.upsert(3, 499, V[3], null)).isEqualTo(WriteOutcome.STALE);
    assertThat(restored.upsert(1_000, 6, V[3], null)).isEqualTo(WriteOutcome.STALE);
    assertThat(restored.contains(5)).isTrue();
    assertThat(restored.upsert(5, 502, V[6], null)).isEqualTo(WriteOutcome.STALE);
    assertThat(stored(restored, 5)).containsExactly(V[5]);
  }

  @Test
  void aSnapshotWithoutVersionsOrPositionsLoadsWithNone(@TempDir Path dir) throws Exception {
    final VectorIndex index = index();
    index.add(1, V[0]);
    final Path file = dir.resolve("plain.idx");
    final SnapshotInfo info = IndexSnapshot.write(index, file);
    assertThat(info.sections()).extracting(SnapshotInfo.Section::name)
        .doesNotContain("VERSIONS", "REMOVALS", "SOURCE_POSITIONS");
    final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(file);
    assertThat(loaded.positions()).isEqualTo(SourcePositions.NONE);
    assertThat(loaded.index().version(1)).isEqualTo(VectorIndex.NO_VERSION);
  }

  @Test
  void sourcePositionsRejectBadEntries() {
    assertThatThrownBy(() -> SourcePositions.builder().put("", 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SourcePositions.builder().put("t", -1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SourcePositions.builder().put("t", 0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SourcePositions.builder().put("x".repeat(1025), 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    final SourcePositions p = SourcePositions.builder().put("t", 0, 1).put("t", 0, 9).build();
    assertThat(p.size()).isEqualTo(1);
    assertThat(p.offset("t", 0)).isEqualTo(9);
  }

  @Test
  void statsCountItemsSlotsAndLevels() {
    final VectorIndex index = index();
    for (int i = 0; i < 60; i++) {
      index.upsert(i, 1, V[i], null);
    }
    index.remove(0, 2);
    index.upsert(1, 2, V[2], null);
    final IndexStats stats = index.stats();
    assertThat(stats.liveItems()).isEqualTo(59);
    assertThat(stats.ordinals()).isEqualTo(61); // one more for the update's new slot
    assertThat(stats.published()).isEqualTo(61);
    assertThat(stats.deleted()).isEqualTo(2);
    assertThat(stats.nodesAt(0)).isEqualTo(61);
    assertThat(stats.levels()).isEqualTo(stats.topLevel() + 1);
    long links = 0;
    for (int l = 0; l < stats.levels(); l++) {
      links += stats.linksAt(l);
    }
    assertThat(links).isEqualTo(index.graph().linkCount());
    assertThat(stats.linkSlots()).isEqualTo(index.graph().linkSlotCount());
    assertThat(stats.memoryBytes()).isEqualTo(index.memoryBytes());
  }
}
