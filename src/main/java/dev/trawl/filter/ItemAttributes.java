package dev.trawl.filter;

import java.util.Arrays;

/**
 * The filterable attributes of one item, as a reusable, caller-owned holder laid out by an
 * {@link AttributeSchema}: one 64-bit key per keyed attribute and a word of flag bits. {@link #NONE}
 * means "not set"; an unset attribute is not indexed.
 *
 * <p>With the ready-made {@link AttributeSchema#feed()} schema (the no-argument constructor) the
 * keyed attributes are an author id, a community id and a language code (any 64-bit values the host
 * chooses), and the flags are 64 bits the host assigns (for example {@code NSFW = 0, SPOILER = 1}):
 *
 * <pre>{@code
 * ItemAttributes attrs = new ItemAttributes();            // one per writing thread
 * index.add(postId, vector, attrs.clear().author(userId).community(c).language(EN).flag(NSFW));
 * }</pre>
 *
 * <p>With a host's own schema, keys are set by position ({@link #key(int, long)},
 * {@link AttributeSchema#keyedPosition}).
 *
 * <p><b>Not thread-safe.</b> The index copies the values during the call and keeps no reference.
 * <b>Allocation:</b> none after construction.
 */
public final class ItemAttributes {
  /** The value of an attribute that is not set. */
  public static final long NONE = Long.MIN_VALUE;

  private final AttributeSchema schema;
  final long[] keys;
  long flags;
  // positions of the feed schema's attributes, -1 when the schema lacks them
  private final int author;
  private final int community;
  private final int language;

  /** A holder for the ready-made {@link AttributeSchema#feed()} schema. */
  public ItemAttributes() {
    this(AttributeSchema.feed());
  }

  /**
   * A holder for items of {@code schema}, every attribute unset.
   *
   * @param schema the attributes the holder carries
   */
  public ItemAttributes(AttributeSchema schema) {
    this.schema = schema;
    this.keys = new long[schema.keyedCount()];
    this.author = schema.hasKeyed("author") ? schema.keyedPosition("author") : -1;
    this.community = schema.hasKeyed("community") ? schema.keyedPosition("community") : -1;
    this.language = schema.hasKeyed("language") ? schema.keyedPosition("language") : -1;
    clear();
  }

  /** {@return the schema this holder is laid out by} */
  public AttributeSchema schema() {
    return schema;
  }

  /** {@return this holder, every attribute unset} */
  public ItemAttributes clear() {
    Arrays.fill(keys, NONE);
    flags = 0L;
    return this;
  }

  /**
   * Sets the key of keyed attribute {@code position} ({@link #NONE} unsets it).
   *
   * @param position the keyed attribute's position ({@link AttributeSchema#keyedPosition})
   * @param key its value, or {@link #NONE} to unset it
   * @return this holder, for chaining
   * @throws IndexOutOfBoundsException if the schema has no such position
   */
  public ItemAttributes key(int position, long key) {
    keys[check(position)] = key;
    return this;
  }

  /**
   * The key of keyed attribute {@code position}, or {@link #NONE}.
   *
   * @param position the keyed attribute's position ({@link AttributeSchema#keyedPosition})
   * @return its value, or {@link #NONE} when unset
   */
  public long key(int position) {
    return keys[check(position)];
  }

  /**
   * Sets the author (the schema's keyed attribute {@code "author"}).
   *
   * @param author the author's id
   * @return this holder, for chaining
   * @throws IllegalArgumentException if {@code author} is {@link #NONE}, the value that means unset
   *     (the holder is unchanged; {@link #clear} unsets)
   */
  public ItemAttributes author(long author) {
    keys[feed(this.author, "author")] = checkValue(author, "author");
    return this;
  }

  /**
   * Sets the community (the schema's keyed attribute {@code "community"}).
   *
   * @param community the community's id
   * @return this holder, for chaining
   * @throws IllegalArgumentException if {@code community} is {@link #NONE}, the value that means
   *     unset (the holder is unchanged; {@link #clear} unsets)
   */
  public ItemAttributes community(long community) {
    keys[feed(this.community, "community")] = checkValue(community, "community");
    return this;
  }

  /**
   * Sets the language (the schema's keyed attribute {@code "language"}).
   *
   * @param language the language code
   * @return this holder, for chaining
   * @throws IllegalArgumentException if {@code language} is {@link #NONE}, the value that means
   *     unset (the holder is unchanged; {@link #clear} unsets)
   */
  public ItemAttributes language(long language) {
    keys[feed(this.language, "language")] = checkValue(language, "language");
    return this;
  }

  /**
   * Sets flag {@code bit}.
   *
   * @param bit the flag's bit ({@link AttributeSchema#flagBit})
   * @return this holder, for chaining
   * @throws IllegalArgumentException if {@code bit} is not a flag of the schema (the holder is
   *     unchanged)
   */
  public ItemAttributes flag(int bit) {
    if (bit < 0 || bit >= schema.flagCount()) {
      throw new IllegalArgumentException(
          "flag bit must be in [0, " + (schema.flagCount() - 1) + "], got " + bit);
    }
    this.flags |= 1L << bit;
    return this;
  }

  /**
   * Replaces all flags by the bit mask {@code flags}.
   *
   * @param flags bit {@code b} set for each flag {@code b} to set; bits beyond the schema's flags
   *     are kept as given
   * @return this holder, for chaining
   */
  public ItemAttributes flags(long flags) {
    this.flags = flags;
    return this;
  }

  /**
   * {@return the author (the feed schema's keyed attribute {@code "author"}), or {@link #NONE} when
   * unset}
   */
  public long author() {
    return keys[feed(author, "author")];
  }

  /**
   * {@return the community (the feed schema's keyed attribute {@code "community"}), or {@link
   * #NONE} when unset}
   */
  public long community() {
    return keys[feed(community, "community")];
  }

  /**
   * {@return the language (the feed schema's keyed attribute {@code "language"}), or {@link #NONE}
   * when unset}
   */
  public long language() {
    return keys[feed(language, "language")];
  }

  /**
   * {@return the flags as a bit mask, bit {@code b} set for flag {@code b}}
   */
  public long flags() {
    return flags;
  }

  /**
   * Whether flag {@code bit} (0..63) is set.
   *
   * @param bit a flag's bit
   * @return true when that flag is set
   */
  public boolean hasFlag(int bit) {
    return (flags & (1L << bit)) != 0;
  }

  void copyFrom(ItemAttributes other) {
    System.arraycopy(other.keys, 0, keys, 0, keys.length);
    flags = other.flags;
  }

  private static long checkValue(long value, String field) {
    if (value == NONE) {
      throw new IllegalArgumentException(
          field + " " + value + " is ItemAttributes.NONE, the value that means unset; use clear() to unset");
    }
    return value;
  }

  private int check(int position) {
    if (position < 0 || position >= keys.length) {
      throw new IndexOutOfBoundsException("keyed attribute " + position + " of " + schema);
    }
    return position;
  }

  private int feed(int position, String name) {
    if (position < 0) {
      throw new IllegalStateException(schema + " has no keyed attribute '" + name + "'");
    }
    return position;
  }
}
