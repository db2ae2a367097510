package dev.trawl.filter;

import dev.trawl.vector.PagedArray;

/**
 * The attribute bitmap indexes of one vector index: {@link #authors}, {@link #communities},
 * {@link #languages} (key = the attribute's value) and {@link #flags} (key = flag bit number), each a
 * {@link KeyedBitmaps} from key to the ordinals carrying it, plus each ordinal's own values so that an
 * update or a removal can take it out of the right bitmaps.
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
  private static final int FIELDS = 4; // author, community, language, flags
  private static final int PAGE_SHIFT = 10;
  /** Ordinals per page of {@link #valuePages}. */
  public static final int PAGE_ORDINALS = 1 << PAGE_SHIFT;

  private final KeyedBitmaps authors = new KeyedBitmaps("author");
  private final KeyedBitmaps communities = new KeyedBitmaps("community");
  private final KeyedBitmaps languages = new KeyedBitmaps("language");
  private final KeyedBitmaps flags = new KeyedBitmaps("flag");
  private final PagedArray<long[]> values =
      new PagedArray<>(PAGE_SHIFT, p -> newPage());
  private final ItemAttributes scratch = new ItemAttributes();

  private static long[] newPage() {
    final long[] page = new long[FIELDS << PAGE_SHIFT];
    for (int i = 0; i < page.length; i += FIELDS) {
      page[i] = ItemAttributes.NONE;
      page[i + 1] = ItemAttributes.NONE;
      page[i + 2] = ItemAttributes.NONE;
    }
    return page;
  }

  /** Items by author id. */
  public KeyedBitmaps authors() {
    return authors;
  }

  /** Items by community id. */
  public KeyedBitmaps communities() {
    return communities;
  }

  /** Items by language code. */
  public KeyedBitmaps languages() {
    return languages;
  }

  /** Items by flag bit number (0..63): key {@code b} holds the items with flag {@code b} set. */
  public KeyedBitmaps flags() {
    return flags;
  }

  /**
   * For snapshot loading only: the per-ordinal value pages, {@value #PAGE_ORDINALS} ordinals per page
   * and four longs per ordinal (author, community, language, flags), which a loader fills in bulk after
   * {@link #ensureCapacity} and before the index is shared, together with
   * {@link KeyedBitmaps#restore} for the bitmaps.
   */
  public PagedArray<long[]> valuePages() {
    return values;
  }

  /** Makes room for ordinals {@code [0, ordinals)}. One writer at a time. */
  public void ensureCapacity(int ordinals) {
    values.ensureCapacity(ordinals);
  }

  /** Bytes held: the per-ordinal attribute values and every bitmap index. */
  public long memoryBytes() {
    return values.capacity() * FIELDS * Long.BYTES
        + authors.memoryBytes()
        + communities.memoryBytes()
        + languages.memoryBytes()
        + flags.memoryBytes();
  }

  /** Indexes a fresh {@code ordinal} (no attributes yet) with {@code attributes}. */
  public void set(int ordinal, ItemAttributes attributes) {
    final long[] page = values.page(ordinal);
    final int base = (ordinal & ((1 << PAGE_SHIFT) - 1)) * FIELDS;
    page[base] = attributes.author;
    page[base + 1] = attributes.community;
    page[base + 2] = attributes.language;
    page[base + 3] = attributes.flags;
    index(ordinal, attributes.author, attributes.community, attributes.language, attributes.flags);
  }

  /**
   * Replaces the attributes of {@code ordinal}. Each changed value is added to its new bitmap before it
   * leaves the old one, so a concurrent request sees the item under the old value, the new one or both,
   * never neither.
   */
  public void change(int ordinal, ItemAttributes attributes) {
    get(ordinal, scratch);
    set(ordinal, attributes);
    unindexChanged(ordinal, scratch, attributes);
  }

  /** Indexes {@code to} with the attributes of {@code from} (an update that keeps attributes). */
  public void copy(int from, int to) {
    get(from, scratch);
    set(to, scratch);
  }

  /** Takes {@code ordinal} out of every bitmap (after it was removed or replaced). */
  public void clear(int ordinal) {
    get(ordinal, scratch);
    unindex(ordinal, scratch.author, scratch.community, scratch.language, scratch.flags);
    final long[] page = values.page(ordinal);
    final int base = (ordinal & ((1 << PAGE_SHIFT) - 1)) * FIELDS;
    page[base] = ItemAttributes.NONE;
    page[base + 1] = ItemAttributes.NONE;
    page[base + 2] = ItemAttributes.NONE;
    page[base + 3] = 0L;
  }

  /** Copies the stored attributes of {@code ordinal} into {@code out}. */
  public void get(int ordinal, ItemAttributes out) {
    final long[] page = values.page(ordinal);
    final int base = (ordinal & ((1 << PAGE_SHIFT) - 1)) * FIELDS;
    out.author = page[base];
    out.community = page[base + 1];
    out.language = page[base + 2];
    out.flags = page[base + 3];
  }

  private void index(int ordinal, long author, long community, long language, long flagBits) {
    if (author != ItemAttributes.NONE) {
      authors.add(author, ordinal);
    }
    if (community != ItemAttributes.NONE) {
      communities.add(community, ordinal);
    }
    if (language != ItemAttributes.NONE) {
      languages.add(language, ordinal);
    }
    for (long bits = flagBits; bits != 0; bits &= bits - 1) {
      flags.add(Long.numberOfTrailingZeros(bits), ordinal);
    }
  }

  private void unindex(int ordinal, long author, long community, long language, long flagBits) {
    if (author != ItemAttributes.NONE) {
      authors.remove(author, ordinal);
    }
    if (community != ItemAttributes.NONE) {
      communities.remove(community, ordinal);
    }
    if (language != ItemAttributes.NONE) {
      languages.remove(language, ordinal);
    }
    for (long bits = flagBits; bits != 0; bits &= bits - 1) {
      flags.remove(Long.numberOfTrailingZeros(bits), ordinal);
    }
  }

  private void unindexChanged(int ordinal, ItemAttributes old, ItemAttributes now) {
    unindex(
        ordinal,
        old.author == now.author ? ItemAttributes.NONE : old.author,
        old.community == now.community ? ItemAttributes.NONE : old.community,
        old.language == now.language ? ItemAttributes.NONE : old.language,
        old.flags & ~now.flags);
  }
}
