package dev.trawl.index;

import static dev.trawl.index.HostileFiles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.filter.AttributeSchema;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.SnapshotFormat.Kind;
import dev.trawl.vector.Metric;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index built with a host's own attribute schema indexes, filters and snapshots its items the way
 * the feed schema does: keyed attributes and flags of the host's naming, kept across a save and load,
 * attributes of another schema refused before anything changes, and a hostile schema section refused
 * with a message naming it.
 */
class CustomAttributeSchemaTest {
  private static final AttributeSchema SHOP =
      AttributeSchema.builder().keyed("brand").keyed("seller").flag("in_stock").flag("on_sale").build();
  private static final int BRAND = SHOP.keyedPosition("brand");
  private static final int SELLER = SHOP.keyedPosition("seller");
  private static final int IN_STOCK = SHOP.flagBit("in_stock");
  private static final int ON_SALE = SHOP.flagBit("on_sale");
  private static final int DIM = 8;
  private static final int ITEMS = 600;

  @TempDir Path dir;

  /** Item i: brand i % 5, seller i % 7 (none when i % 7 == 6), in stock unless i % 3 == 0, on sale when i % 4 == 0. */
  private static ItemAttributes attributesOf(int i, ItemAttributes out) {
    out.clear().key(BRAND, i % 5);
    if (i % 7 != 6) {
      out.key(SELLER, 100 + i % 7);
    }
    if (i % 3 != 0) {
      out.flag(IN_STOCK);
    }
    if (i % 4 == 0) {
      out.flag(ON_SALE);
    }
    return out;
  }

  private static float[][] vectors() {
    final Random random = new Random(7);
    final float[][] v = new float[ITEMS][DIM];
    for (float[] row : v) {
      for (int d = 0; d < DIM; d++) {
        row[d] = random.nextFloat();
      }
    }
    return v;
  }

  private static VectorIndex shopIndex(float[][] vectors) {
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).attributes(SHOP).expectedItems(ITEMS).seed(3).build();
    final ItemAttributes a = new ItemAttributes(SHOP);
    for (int i = 0; i < ITEMS; i++) {
      index.add(i, vectors[i], attributesOf(i, a));
    }
    index.remove(11); // a removed item must leave the bitmaps, in memory and in the file
    return index;
  }

  /** Ids found for the query under "brand 2, in stock, not on sale", k = 50, exact search. */
  private static long[] brandTwoInStockNotOnSale(VectorIndex index, float[] query) {
    final RequestFilter filter = index.newFilter()
        .and(index.attributes().keyed(BRAND), 2)
        .and(index.attributes().flags(), IN_STOCK)
        .andNot(index.attributes().flags(), ON_SALE);
    final Searcher searcher = index.newSearcher();
    final SearchResults out = new SearchResults(50);
    searcher.search(query, 50, 400, filter, out);
    final long[] ids = new long[out.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = out.id(i);
    }
    return ids;
  }

  @Test
  void keyedAttributesAndFlagsOfTheHostsSchemaFilterTheSearch() {
    final float[][] vectors = vectors();
    final VectorIndex index = shopIndex(vectors);
    assertThat(index.attributeSchema().sameAs(SHOP)).isTrue();
    final long[] ids = brandTwoInStockNotOnSale(index, vectors[0]);
    // exactly the items the rule admits: i % 5 == 2, i % 3 != 0, i % 4 != 0, not the removed 11
    int expected = 0;
    for (int i = 0; i < ITEMS; i++) {
      if (i % 5 == 2 && i % 3 != 0 && i % 4 != 0 && i != 11) {
        expected++;
      }
    }
    assertThat(ids).hasSize(Math.min(50, expected));
    for (long id : ids) {
      assertThat(id % 5).as("brand of %d", id).isEqualTo(2);
      assertThat(id % 3).as("in stock: %d", id).isNotEqualTo(0);
      assertThat(id % 4).as("on sale: %d", id).isNotEqualTo(0);
      assertThat(id).isNotEqualTo(11);
    }
    assertThat(index.attributes().keyed(SELLER).cardinality(106)).isZero(); // i % 7 == 6 has no seller
    assertThat(index.attributes().keyed(SELLER).cardinality(100)).isEqualTo(86);
  }

  @Test
  void attributesOfAnotherSchemaAreRefusedBeforeAnythingChanges() {
    final VectorIndex index = shopIndex(vectors());
    final ItemAttributes feed = new ItemAttributes().author(5);
    final float[] vector = new float[DIM];
    assertThatThrownBy(() -> index.add(10_000, vector, feed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("given to an index of");
    assertThatThrownBy(() -> index.upsert(3, 9, vector, feed)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.setAttributes(3, feed)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.setAttributes(3, 9, feed)).isInstanceOf(IllegalArgumentException.class);
    assertThat(index.contains(10_000)).isFalse();
    assertThat(index.size()).isEqualTo(ITEMS - 1);
    assertThat(index.version(3)).isEqualTo(VectorIndex.NO_VERSION);
    final ItemAttributes out = new ItemAttributes(SHOP);
    index.attributes(3, out);
    assertThat(out.key(BRAND)).isEqualTo(3);
    assertThat(out.hasFlag(IN_STOCK)).isFalse();
  }

  @Test
  void aSnapshotKeepsTheSchemaTheValuesAndTheBitmaps() throws Exception {
    final float[][] vectors = vectors();
    final VectorIndex index = shopIndex(vectors);
    final SnapshotInfo info = IndexSnapshot.write(index, dir.resolve("shop.trawl"));
    assertThat(info.sections()).extracting(SnapshotInfo.Section::name).contains("ATTRIBUTE_SCHEMA");
    final VectorIndex loaded = IndexSnapshot.load(dir.resolve("shop.trawl"));

    assertThat(loaded.attributeSchema().sameAs(SHOP)).isTrue();
    final ItemAttributes expected = new ItemAttributes(SHOP);
    final ItemAttributes actual = new ItemAttributes(SHOP);
    for (int i = 0; i < ITEMS; i++) {
      if (i == 11) {
        assertThat(loaded.contains(i)).isFalse();
        continue;
      }
      loaded.attributes(i, actual);
      attributesOf(i, expected);
      assertThat(actual.key(BRAND)).isEqualTo(expected.key(BRAND));
      assertThat(actual.key(SELLER)).isEqualTo(expected.key(SELLER));
      assertThat(actual.flags()).isEqualTo(expected.flags());
    }
    for (int q = 0; q < 20; q++) {
      assertThat(brandTwoInStockNotOnSale(loaded, vectors[q * 7]))
          .containsExactly(brandTwoInStockNotOnSale(index, vectors[q * 7]));
    }
    // the loaded index takes writes of its schema and refuses the feed's
    loaded.add(20_000, vectors[1], new ItemAttributes(SHOP).key(BRAND, 9));
    assertThat(loaded.attributes().keyed(BRAND).cardinality(9)).isEqualTo(1);
    assertThatThrownBy(() -> loaded.add(20_001, vectors[1], new ItemAttributes()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aFeedSchemaSnapshotHasNoSchemaSectionAndLoadsAsTheFeedSchema() throws Exception {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).build();
    index.add(1, new float[DIM], new ItemAttributes().author(4).flag(63));
    final SnapshotInfo info = IndexSnapshot.write(index, dir.resolve("feed.trawl"));
    assertThat(info.sections()).extracting(SnapshotInfo.Section::name).doesNotContain("ATTRIBUTE_SCHEMA");
    final VectorIndex loaded = IndexSnapshot.load(dir.resolve("feed.trawl"));
    assertThat(loaded.attributeSchema()).isSameAs(AttributeSchema.feed());
    assertThat(loaded.attributes().authors().contains(4, 0)).isTrue();
  }

  // ---------------------------------------------------------------- hostile schema sections

  private byte[] shopFile() throws Exception {
    return SampleSnapshots.bytes(shopIndex(vectors()), SourcePositions.NONE, dir);
  }

  private static byte[] schemaSection(int keyed, int flags, String... names) {
    int length = 8;
    for (String n : names) {
      length += 4 + n.getBytes(StandardCharsets.UTF_8).length;
    }
    final ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(keyed).putInt(flags);
    for (String n : names) {
      final byte[] b = n.getBytes(StandardCharsets.UTF_8);
      out.putInt(b.length).put(b);
    }
    return out.array();
  }

  @Test
  void aSchemaSectionThatCannotBeASchemaIsRefused() throws Exception {
    final SnapshotBytes valid = SnapshotBytes.parseValid(shopFile());
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA,
        schemaSection(2, 2, "brand", "brand", "in_stock", "on_sale")).build(),
        "ATTRIBUTE_SCHEMA", "declared twice");
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA,
        schemaSection(2, 65, "brand", "seller")).build(),
        "ATTRIBUTE_SCHEMA", "65 flags");
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA,
        schemaSection(-1, 2, "in_stock", "on_sale")).build(),
        "ATTRIBUTE_SCHEMA");
    final byte[] trailing = schemaSection(2, 2, "brand", "seller", "in_stock", "on_sale", "x");
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA, trailing).build(),
        "ATTRIBUTE_SCHEMA", "after the last name");
    final byte[] badUtf8 = schemaSection(2, 2, "brand", "seller", "in_stock", "on_sale");
    badUtf8[12] = (byte) 0xFF; // inside "brand"
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA, badUtf8).build(),
        "ATTRIBUTE_SCHEMA", "not UTF-8");
  }

  @Test
  void valuesOfAnotherWidthThanTheSchemaAreRefused() throws Exception {
    final SnapshotBytes valid = SnapshotBytes.parseValid(shopFile());
    // three keyed attributes declared: the values section (two keyed + flags per ordinal) is too short
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA,
        schemaSection(3, 2, "brand", "seller", "colour", "in_stock", "on_sale")).build(),
        "ATTRIBUTE_VALUES", "expected");
    // a flag fewer: the flag bitmap of bit 1 (on_sale) names a flag the schema does not have
    assertRefused(dir, valid.copy().content(Kind.ATTRIBUTE_SCHEMA,
        schemaSection(2, 1, "brand", "seller", "in_stock")).build(),
        "ATTRIBUTE_BITMAPS", "flag");
  }
}
