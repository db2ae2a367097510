package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.KeyedBitmaps;
import dev.trawl.filter.RequestFilter;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attribute values and bitmaps in snapshots. */
class SnapshotAttributesTest {
  private static final int NSFW = 0;
  private static final int SPOILER = 5;

  @TempDir Path dir;

  /** The attributes item {@code i} is given in {@code version}: a deterministic function of both. */
  private static ItemAttributes attributesOf(long i, int version, ItemAttributes out) {
    out.clear().author(i % 13 + 100 * version).community(i % 5);
    if (i % 3 != 0) {
      out.language(i % 2 == 0 ? 0x656eL : 0x6672L);
    }
    if (i % 4 == 0) {
      out.flag(NSFW);
    }
    if ((i + version) % 7 == 0) {
      out.flag(SPOILER);
    }
    return out;
  }

  private static VectorIndex indexWithAttributes(int n, int dim) {
    final float[][] vectors = Vectors.clustered(n, dim, 6, 31);
    final VectorIndex index =
        VectorIndex.builder(dim, Metric.COSINE).m(6).efConstruction(40).seed(3).repairThreshold(1.0).build();
    final ItemAttributes attrs = new ItemAttributes();
    for (int i = 0; i < n; i++) {
      if (i % 10 == 9) {
        index.add(i, vectors[i]); // some items have no attributes at all
      } else {
        index.add(i, vectors[i], attributesOf(i, 0, attrs));
      }
    }
    for (int i = 0; i < n; i += 9) {
      index.remove(i);
    }
    for (int i = 1; i < n; i += 8) {
      if (index.contains(i)) {
        index.update(i, vectors[(i * 7) % n]); // keeps the attributes under a new ordinal
      }
    }
    for (int i = 2; i < n; i += 6) {
      if (index.contains(i)) {
        index.setAttributes(i, attributesOf(i, 1, attrs));
      }
    }
    return index;
  }

  private static void assertSameAttributes(VectorIndex expected, VectorIndex actual, long ids) {
    final ItemAttributes a = new ItemAttributes();
    final ItemAttributes b = new ItemAttributes();
    for (long id = 0; id < ids; id++) {
      assertThat(actual.contains(id)).isEqualTo(expected.contains(id));
      if (expected.contains(id)) {
        expected.attributes(id, a);
        actual.attributes(id, b);
        assertThat(List.of(b.author(), b.community(), b.language(), b.flags()))
            .as("attributes of id " + id)
            .isEqualTo(List.of(a.author(), a.community(), a.language(), a.flags()));
      }
    }
    final AttributeIndex ea = expected.attributes();
    final AttributeIndex aa = actual.attributes();
    assertSameBitmaps(ea.authors(), aa.authors(), 0, 500);
    assertSameBitmaps(ea.communities(), aa.communities(), 0, 10);
    assertSameBitmaps(ea.languages(), aa.languages(), 0x656e, 0x656e);
    assertSameBitmaps(ea.languages(), aa.languages(), 0x6672, 0x6672);
    assertSameBitmaps(ea.flags(), aa.flags(), 0, 63);
  }

  private static void assertSameBitmaps(KeyedBitmaps expected, KeyedBitmaps actual, long from, long to) {
    assertThat(actual.keyCount()).isEqualTo(expected.keyCount());
    for (long key = from; key <= to; key++) {
      assertThat(actual.copyOf(key)).as(expected + " key " + key).isEqualTo(expected.copyOf(key));
    }
  }

  @Test
  void attributesAndBitmapsRoundTripAndFilteredSearchesAgree() throws IOException {
    final VectorIndex original = indexWithAttributes(3000, 8);
    final Path file = dir.resolve("attrs.trawl");
    final SnapshotInfo info = IndexSnapshot.write(original, file);
    assertThat(info.sections())
        .extracting(SnapshotInfo.Section::name)
        .contains("ATTRIBUTE_VALUES", "ATTRIBUTE_BITMAPS");
    final VectorIndex loaded = IndexSnapshot.load(file);
    assertSameAttributes(original, loaded, 3000);

    final float[][] queries = Vectors.clustered(50, 8, 6, 77);
    final RequestFilter fa = original.newFilter();
    final RequestFilter fb = loaded.newFilter();
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    final Searcher sa = original.newSearcher();
    final Searcher sb = loaded.newSearcher();
    for (float[] q : queries) {
      fa.allowAll().andNot(original.attributes().flags(), NSFW).andNot(original.attributes().authors(), 104);
      fb.allowAll().andNot(loaded.attributes().flags(), NSFW).andNot(loaded.attributes().authors(), 104);
      sa.search(q, 10, 40, fa, ra);
      sb.search(q, 10, 40, fb, rb);
      assertThat(rb.idsCopy()).isEqualTo(ra.idsCopy());
    }

    // the loaded index keeps its bitmaps up to date on writes
    final ItemAttributes attrs = new ItemAttributes();
    for (VectorIndex index : List.of(original, loaded)) {
      index.setAttributes(4, attributesOf(4, 2, attrs));
      index.remove(5);
      index.add(5000, queries[0], attributesOf(5000, 0, attrs));
      index.update(6, queries[1], attributesOf(6, 3, attrs));
    }
    assertSameAttributes(original, loaded, 5001);
  }

  @Test
  void loadingThroughSmallMappingsReadsTheSameIndex() throws IOException {
    final VectorIndex original = indexWithAttributes(3000, 8);
    final Path file = dir.resolve("chunked.trawl");
    IndexSnapshot.write(original, file);
    // mappings of 72 KiB + 8 bytes: every section spans several, and elements meet their edges
    final VectorIndex loaded = SnapshotReader.load(file, (72 << 10) + 8);
    assertSameAttributes(original, loaded, 3000);
    final float[] a = new float[8];
    final float[] b = new float[8];
    for (long id = 0; id < 3000; id++) {
      if (original.contains(id)) {
        original.vector(id, a);
        loaded.vector(id, b);
        assertThat(b).isEqualTo(a);
      }
    }
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    for (float[] q : Vectors.clustered(20, 8, 6, 78)) {
      original.newSearcher().search(q, 10, 40, ra);
      loaded.newSearcher().search(q, 10, 40, rb);
      assertThat(rb.idsCopy()).isEqualTo(ra.idsCopy());
    }
  }

  @Test
  void indexWithoutAttributesWritesNoAttributeSections() throws IOException {
    final VectorIndex index = VectorIndex.builder(4, Metric.L2).build();
    final float[][] vectors = Vectors.clustered(100, 4, 3, 1);
    for (int i = 0; i < vectors.length; i++) {
      index.add(i, vectors[i]);
    }
    final SnapshotInfo info = IndexSnapshot.write(index, dir.resolve("plain.trawl"));
    assertThat(info.sections()).extracting(SnapshotInfo.Section::name).hasSize(6).doesNotContain("ATTRIBUTE_VALUES");
    assertThat(IndexSnapshot.load(dir.resolve("plain.trawl")).attributes().authors().keyCount()).isZero();
  }

  @Test
  void itemsLoadedWithoutAttributesCanBeGivenSome() throws IOException {
    final VectorIndex index = VectorIndex.builder(4, Metric.L2).build();
    final float[][] vectors = Vectors.clustered(2_000, 4, 3, 1);
    for (int i = 0; i < vectors.length; i++) {
      index.add(i, vectors[i]);
    }
    IndexSnapshot.write(index, dir.resolve("plain.trawl"));
    final VectorIndex loaded = IndexSnapshot.load(dir.resolve("plain.trawl"));
    final ItemAttributes a = new ItemAttributes();
    loaded.setAttributes(1_999, a.clear().author(7));
    loaded.attributes(1_999, a.clear());
    assertThat(a.author()).isEqualTo(7);
    assertThat(loaded.attributes().authors().keyCount()).isEqualTo(1);
  }

  @Test
  void everySingleByteCorruptionOfAFileWithAttributesIsDetected() throws IOException {
    final Path file = dir.resolve("tiny.trawl");
    IndexSnapshot.write(indexWithAttributes(30, 3), file);
    final byte[] good = Files.readAllBytes(file);
    for (int position = 0; position < good.length; position++) {
      final byte[] bad = good.clone();
      bad[position] ^= (byte) 0x41;
      final Path damaged = Files.write(dir.resolve("damaged-" + position + ".trawl"), bad);
      assertThat(catchThrowable(() -> IndexSnapshot.load(damaged)))
          .as("byte %d of %d", position, good.length)
          .isInstanceOf(SnapshotException.class);
      Files.delete(damaged);
    }
  }

  @Test
  void attributeChangesRacingSnapshotsLeaveEachItemWhole() throws Exception {
    final int n = 2000;
    final VectorIndex index = indexWithAttributes(n, 6);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread changer =
        new Thread(
            () -> {
              final ItemAttributes attrs = new ItemAttributes();
              for (int round = 0; round < 20; round++) {
                for (long id = 0; id < n; id++) {
                  if (index.contains(id)) {
                    try {
                      index.setAttributes(id, attributesOf(id, 10 + round % 2, attrs));
                    } catch (java.util.NoSuchElementException removed) {
                      // removed meanwhile by nobody here; tolerate
                    }
                  }
                }
              }
            });
    changer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    changer.start();
    int snapshots = 0;
    while (changer.isAlive() || snapshots < 2) {
      final Path file = dir.resolve("race-" + snapshots + ".trawl");
      IndexSnapshot.write(index, file);
      final VectorIndex loaded = IndexSnapshot.load(file); // checks bitmaps against values
      final ItemAttributes got = new ItemAttributes();
      final ItemAttributes want = new ItemAttributes();
      for (long id = 0; id < n; id++) {
        if (loaded.contains(id)) {
          loaded.attributes(id, got);
          final List<Long> actual = List.of(got.author(), got.community(), got.language(), got.flags());
          // only the items added without attributes (id % 10 == 9) may have none, and then none at all,
          // until the changer first gives them some
          boolean matches = id % 10 == 9
              && got.author() == ItemAttributes.NONE
              && got.community() == ItemAttributes.NONE
              && got.language() == ItemAttributes.NONE
              && got.flags() == 0;
          for (int version : new int[] {0, 1, 10, 11}) {
            attributesOf(id, version, want);
            matches |= actual.equals(List.of(want.author(), want.community(), want.language(), want.flags()));
          }
          assertThat(matches).as("snapshot %d, id %d: %s", snapshots, id, actual).isTrue();
        }
      }
      Files.delete(file);
      snapshots++;
    }
    changer.join();
    assertThat(failure.get()).isNull();
  }
}
