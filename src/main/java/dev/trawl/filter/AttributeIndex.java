package dev.trawl.filter;

import dev.trawl.vector.PagedArray;

/**
 * The attribute bitmap indexes of one vector index, laid out by an {@link AttributeSchema}: for each
 * keyed attribute a {@link KeyedBitmaps} from key to the ordinals carrying it ({@link #keyed(int)}),
 * one {@link KeyedBitmaps} from flag bit number to the ordinals with that flag ({@link #flags}),
 * plus each ordinal's own values so that an update or a removal can take it out of the right bitmaps.
 * With the ready-made {@link AttributeSchema#feed()} schema (the default) the keyed attributes are
 * {@link #authors}, {@link #communities} and {@link #languages}.
 *
 * <p>Maintained by {@code dev.trawl.index.VectorIndex}; requests read it through
 * {@link RequestFilter#and(KeyedBitmaps, long)} and friends.
 *
 * <p><b>Thread-safety:</b> the mutators ({@link #ensureCapacity}, {@link #set}, {@link #change},
 * {@link #clear}) must be called by one writer at a time (the vector index calls them under its id
 * lock); the bitmap indexes themselves are safe to read from any thread at any time.
 * <b>Allocation:</b> writes allocate when storage or a bitmap grows; reads allocate nothing.
 */
public final class AttributeIndex {
  private static final int PAGE_SHIFT = 10;
  /** Ordinals per page of {@link #valuePages}. */
  public static final int PAGE_ORDINALS = 1 << PAGE_SHIFT;

  private final AttributeSchema schema;
  /** Longs per ordinal: the keyed attributes in schema order, then the flag bits. */
  private final int width;
  private final KeyedBitmaps[] keyed;
  private final KeyedBitmaps flags = new KeyedBitmaps("flag");
  private final PagedArray<long[]> values;
  private final ItemAttributes scratch;
  private final long[] unchanged;

  /** Indexes for the ready-made {@link AttributeSchema#feed()} schema. */
  public AttributeIndex() {
    this(AttributeSchema.feed());
  }

  /**
   * Indexes for items of {@code schema}.
   *
   * @param schema the keyed attributes and flags items carry
   */
  public AttributeIndex(AttributeSchema schema) {
    this.schema = schema;
    this.width = schema.width();
    this.keyed = new KeyedBitmaps[schema.keyedCount()];
    for (int i = 0; i < keyed.length; i++) {
      keyed[i] = new KeyedBitmaps(schema.keyedName(i));
    }
    this.values = new PagedArray<>(PAGE_SHIFT, p -> newPage(width));
    this.scratch = new ItemAttributes(schema);
    this.unchanged = new long[keyed.length];
  }

  private static long[] newPage(int width) {
    final long[] page = new long[width << PAGE_SHIFT];
    for (int i = 0; i < page.length; i += width) {
      java.util.Arrays.fill(page, i, i + width - 1, ItemAttributes.NONE);
    }
    return page;
  }

  /** {@return the schema the index is laid out by} */
  public AttributeSchema schema() {
    return schema;
  }

  /**
   * Items by the key of keyed attribute {@code position} ({@link AttributeSchema#keyedPosition}).
   *
   * @param position the keyed attribute's position in the schema
   * @return the bitmap index of that attribute, the same object on every call (live: it changes as
   *     items are written)
   * @throws ArrayIndexOutOfBoundsException if the schema has no such position
   */
  public KeyedBitmaps keyed(int position) {
    return keyed[position];
  }

  /**
   * {@return the items by author id (the feed schema's keyed attribute {@code "author"}): the
   * bitmap index of that attribute, the same object on every call (live: it changes as items are
   * written)}
   */
  public KeyedBitmaps authors() {
    return keyed[schema.keyedPosition("author")];
  }

  /**
   * {@return the items by community id (the feed schema's keyed attribute {@code "community"}): the
   * bitmap index of that attribute, the same object on every call (live: it changes as items are
   * written)}
   */
  public KeyedBitmaps communities() {
    return keyed[schema.keyedPosition("community")];
  }

  /**
   * {@return the items by language code (the feed schema's keyed attribute {@code "language"}): the
   * bitmap index of that attribute, the same object on every call (live: it changes as items are
   * written)}
   */
  public KeyedBitmaps languages() {
    return keyed[schema.keyedPosition("language")];
  }

  /**
   * {@return the items by flag bit number, key {@code b} holding the items with flag {@code b} set:
   * the bitmap index of that attribute, the same object on every call (live: it changes as items
   * are written)}
   */
  public KeyedBitmaps flags() {
    return flags;
  }

  /**
   * For snapshot loading only: the per-ordinal value pages, {@value #PAGE_ORDINALS} ordinals per page
   * and {@link AttributeSchema#width()} longs per ordinal (the keyed attributes in schema order, then
   * the flag bits: author, community, language, flags for the feed schema), which a loader fills in
   * bulk after {@link #ensureCapacity} and before the index is shared, together with
   * {@link KeyedBitmaps#restore} for the bitmaps.
   *
   * @return the value pages, filled in place by the loader
   */
  public PagedArray<long[]> valuePages() {
    return values;
  }

  /**
   * Makes room for ordinals {@code [0, ordinals)}. One writer at a time.
   *
   * @param ordinals the ordinals that must have value storage
   */
  public void ensureCapacity(int ordinals) {
    values.ensureCapacity(ordinals);
  }

  /** {@return the bytes held by the per-ordinal attribute values and every bitmap index} */
  public long memoryBytes() {
    long bytes = values.capacity() * width * Long.BYTES + flags.memoryBytes();
    for (KeyedBitmaps k : keyed) {
      bytes += k.memoryBytes();
    }
    return bytes;
  }

  /**
   * Indexes a fresh {@code ordinal} (no attributes yet) with {@code attributes}.
   *
   * @param ordinal an ordinal with no attributes yet
   * @param attributes the item's attributes, copied; null for none
   * @throws IllegalArgumentException if {@code attributes} are laid out by another schema
   */
  public void set(int ordinal, ItemAttributes attributes) {
    checkSchema(attributes);
    final long[] page = values.page(ordinal);
    final int base = (ordinal & (PAGE_ORDINALS - 1)) * width;
    System.arraycopy(attributes.keys, 0, page, base, keyed.length);
    page[base + keyed.length] = attributes.flags;
    index(ordinal, attributes.keys, attributes.flags);
  }

  /**
   * Replaces the attributes of {@code ordinal}. Each changed value is added to its new bitmap before it
   * leaves the old one, so a concurrent request sees the item under the old value, the new one or both,
   * never neither.
   *
   * @param ordinal the item's ordinal
   * @param attributes its new attributes in this index's schema, copied
   */
  public void change(int ordinal, ItemAttributes attributes) {
    checkSchema(attributes);
    get(ordinal, scratch);
    set(ordinal, attributes);
    final long[] old = scratch.keys;
    for (int i = 0; i < keyed.length; i++) {
      unchanged[i] = old[i] == attributes.keys[i] ? ItemAttributes.NONE : old[i];
    }
    unindex(ordinal, unchanged, scratch.flags & ~attributes.flags);
  }

  /**
   * Indexes {@code to} with the attributes of {@code from} (an update that keeps attributes).
   *
   * @param from the ordinal whose attributes are copied
   * @param to an ordinal with no attributes yet
   */
  public void copy(int from, int to) {
    get(from, scratch);
    set(to, scratch);
  }

  /**
   * Takes {@code ordinal} out of every bitmap (after it was removed or replaced).
   *
   * @param ordinal the ordinal whose attributes are dropped
   */
  public void clear(int ordinal) {
    get(ordinal, scratch);
    unindex(ordinal, scratch.keys, scratch.flags);
    final long[] page = values.page(ordinal);
    final int base = (ordinal & (PAGE_ORDINALS - 1)) * width;
    java.util.Arrays.fill(page, base, base + keyed.length, ItemAttributes.NONE);
    page[base + keyed.length] = 0L;
  }

  /**
   * Copies the stored attributes of {@code ordinal} into {@code out}.
   *
   * @param ordinal the item's ordinal
   * @param out receives the attributes
   * @throws IllegalArgumentException if {@code out} is laid out by another schema
   */
  public void get(int ordinal, ItemAttributes out) {
    checkSchema(out);
    final long[] page = values.page(ordinal);
    final int base = (ordinal & (PAGE_ORDINALS - 1)) * width;
    System.arraycopy(page, base, out.keys, 0, keyed.length);
    out.flags = page[base + keyed.length];
  }

  private void checkSchema(ItemAttributes attributes) {
    if (attributes.schema() != schema && !attributes.schema().sameAs(schema)) {
      throw new IllegalArgumentException("attributes of " + attributes.schema()
          + " given to an index of " + schema);
    }
  }

  private void index(int ordinal, long[] keys, long flagBits) {
    for (int i = 0; i < keyed.length; i++) {
      if (keys[i] != ItemAttributes.NONE) {
        keyed[i].add(keys[i], ordinal);
      }
    }
    for (long bits = flagBits; bits != 0; bits &= bits - 1) {
      flags.add(Long.numberOfTrailingZeros(bits), ordinal);
    }
  }

  private void unindex(int ordinal, long[] keys, long flagBits) {
    for (int i = 0; i < keyed.length; i++) {
      if (keys[i] != ItemAttributes.NONE) {
        keyed[i].remove(keys[i], ordinal);
      }
    }
    for (long bits = flagBits; bits != 0; bits &= bits - 1) {
      flags.remove(Long.numberOfTrailingZeros(bits), ordinal);
    }
  }
}
