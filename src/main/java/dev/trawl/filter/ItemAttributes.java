package dev.trawl.filter;

/**
 * The filterable attributes of one item, as a reusable, caller-owned holder: an author id, a
 * community id, a language code (any 64-bit values the host chooses) and up to 64 boolean flags
 * (bit numbers the host assigns, for example {@code NSFW = 0, SPOILER = 1}). {@link #NONE} means "not
 * set"; an unset attribute is not indexed.
 *
 * <pre>{@code
 * ItemAttributes attrs = new ItemAttributes();            // one per writing thread
 * index.add(postId, vector, attrs.clear().author(userId).community(c).language(EN).flag(NSFW));
 * }</pre>
 *
 * <p><b>Not thread-safe.</b> The index copies the values during the call and keeps no reference.
 * <b>Allocation:</b> none.
 */
public final class ItemAttributes {
  /** The value of an attribute that is not set. */
  public static final long NONE = Long.MIN_VALUE;

  long author = NONE;
  long community = NONE;
  long language = NONE;
  long flags;

  private static long checkValue(long value, String field) {
    if (value == NONE) {
      throw new IllegalArgumentException(
          field + " " + value + " is ItemAttributes.NONE, the value that means unset; use clear() to unset");
    }
    return value;
  }

  /** Unsets every attribute; returns this holder for chaining. */
  public ItemAttributes clear() {
    author = NONE;
    community = NONE;
    language = NONE;
    flags = 0L;
    return this;
  }

  /**
   * Sets the author.
   *
   * @throws IllegalArgumentException if {@code author} is {@link #NONE}, the value that means unset (the
   *     holder is unchanged)
   */
  public ItemAttributes author(long author) {
    this.author = checkValue(author, "author");
    return this;
  }

  /**
   * Sets the community.
   *
   * @throws IllegalArgumentException if {@code community} is {@link #NONE}, the value that means unset (the
   *     holder is unchanged)
   */
  public ItemAttributes community(long community) {
    this.community = checkValue(community, "community");
    return this;
  }

  /**
   * Sets the language.
   *
   * @throws IllegalArgumentException if {@code language} is {@link #NONE}, the value that means unset (the
   *     holder is unchanged)
   */
  public ItemAttributes language(long language) {
    this.language = checkValue(language, "language");
    return this;
  }

  /**
   * Sets flag {@code bit}.
   *
   * @throws IllegalArgumentException if {@code bit} is outside [0, 63] (the holder is unchanged)
   */
  public ItemAttributes flag(int bit) {
    if (bit < 0 || bit > 63) {
      throw new IllegalArgumentException("flag bit must be in [0, 63], got " + bit);
    }
    this.flags |= 1L << bit;
    return this;
  }

  /** Replaces all flags by the bit mask {@code flags}. */
  public ItemAttributes flags(long flags) {
    this.flags = flags;
    return this;
  }

  public long author() {
    return author;
  }

  public long community() {
    return community;
  }

  public long language() {
    return language;
  }

  public long flags() {
    return flags;
  }

  /** Whether flag {@code bit} (0..63) is set. */
  public boolean hasFlag(int bit) {
    return (flags & (1L << bit)) != 0;
  }

  void copyFrom(ItemAttributes other) {
    author = other.author;
    community = other.community;
    language = other.language;
    flags = other.flags;
  }
}
