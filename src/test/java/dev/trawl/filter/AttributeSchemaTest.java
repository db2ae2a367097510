package dev.trawl.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A host's own attributes are indexed and filtered like the feed's author, community and flags. */
class AttributeSchemaTest {
  private static final AttributeSchema SHOP = AttributeSchema.builder()
      .keyed("brand").keyed("seller").flag("in_stock").flag("on_sale").build();
  private static final int BRAND = SHOP.keyedPosition("brand");
  private static final int SELLER = SHOP.keyedPosition("seller");
  private static final int IN_STOCK = SHOP.flagBit("in_stock");
  private static final int ON_SALE = SHOP.flagBit("on_sale");

  @Test
  void aHostSchemaIndexesItsKeyedAttributesAndFlagsAndRequestsFilterByThem() {
    final AttributeIndex index = new AttributeIndex(SHOP);
    index.ensureCapacity(100);
    final ItemAttributes a = new ItemAttributes(SHOP);
    for (int ordinal = 0; ordinal < 100; ordinal++) {
      a.clear().key(BRAND, ordinal % 5).key(SELLER, 1_000 + ordinal % 7);
      if (ordinal % 2 == 0) {
        a.flag(IN_STOCK);
      }
      if (ordinal % 10 == 0) {
        a.flag(ON_SALE);
      }
      index.set(ordinal, a);
    }
    final RequestFilter filter = new RequestFilter(100);
    filter.allowAll().and(index.keyed(BRAND), 3).and(index.flags(), IN_STOCK)
        .andNot(index.keyed(SELLER), 1_001);
    final int[] out = new int[100];
    final int n = filter.collectAllowed(100, out);
    for (int i = 0; i < n; i++) {
      assertThat(out[i] % 5).isEqualTo(3);
      assertThat(out[i] % 2).isZero();
      assertThat(out[i] % 7).isNotEqualTo(1);
    }
    // 20 items of brand 3, the 10 even ones in stock, minus the two sold by seller 1001 (8 and 78)
    assertThat(n).isEqualTo(8);

    // a change moves the item between bitmaps; a clear takes it out of all of them
    index.change(8, a.clear().key(BRAND, 4).key(SELLER, 1_001).flag(ON_SALE));
    assertThat(index.keyed(BRAND).cardinality(3)).isEqualTo(19);
    assertThat(index.keyed(BRAND).cardinality(4)).isEqualTo(21);
    assertThat(index.flags().cardinality(IN_STOCK)).isEqualTo(49);
    index.clear(8);
    assertThat(index.keyed(BRAND).cardinality(4)).isEqualTo(20);
    assertThat(index.flags().cardinality(ON_SALE)).as("the 10 multiples of 10").isEqualTo(10);
    index.get(8, a);
    assertThat(a.key(BRAND)).isEqualTo(ItemAttributes.NONE);
    assertThat(a.flags()).isZero();
  }

  @Test
  void theFeedSchemaIsTheDefaultAndKeepsItsNamedAccessors() {
    final AttributeIndex index = new AttributeIndex();
    assertThat(index.schema()).isSameAs(AttributeSchema.feed());
    assertThat(AttributeSchema.feed().width()).as("author, community, language, flags").isEqualTo(4);
    index.ensureCapacity(2);
    index.set(1, new ItemAttributes().author(7).community(8).language(9).flag(63));
    assertThat(index.authors().cardinality(7)).isEqualTo(1);
    assertThat(index.keyed(AttributeSchema.feed().keyedPosition("community")).cardinality(8)).isEqualTo(1);
    assertThat(index.languages().cardinality(9)).isEqualTo(1);
    assertThat(index.flags().cardinality(63)).isEqualTo(1);
  }

  @Test
  void misuseIsRefusedWithTheNamesInvolved() {
    assertThatThrownBy(() -> AttributeSchema.builder().keyed("x").flag("x"))
        .hasMessageContaining("'x' is declared twice");
    assertThatThrownBy(() -> SHOP.keyedPosition("author")).hasMessageContaining("no keyed attribute 'author'");
    assertThatThrownBy(() -> new ItemAttributes(SHOP).author(1)).hasMessageContaining("no keyed attribute 'author'");
    assertThatThrownBy(() -> new ItemAttributes(SHOP).flag(2)).hasMessageContaining("flag bit must be in [0, 1]");
    assertThatThrownBy(() -> new AttributeIndex().set(0, new ItemAttributes(SHOP)))
        .hasMessageContaining("given to an index of");
    final AttributeSchema.Builder many = AttributeSchema.builder();
    for (int i = 0; i < AttributeSchema.MAX_FLAGS; i++) {
      many.flag("f" + i);
    }
    assertThatThrownBy(() -> many.flag("one-more")).hasMessageContaining("at most 64 flags");
  }
}
