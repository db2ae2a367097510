package dev.trawl.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The attributes a host indexes its items by: <i>keyed</i> attributes (at most one 64-bit key per
 * item, e.g. an author id or a brand) and <i>flags</i> (named booleans, at most 64). Each attribute
 * gets its own bitmap index, so a request can keep or exclude the items with a key or a flag.
 * {@link #feed()} is the ready-made schema of a social feed: keyed {@code author}, {@code community}
 * and {@code language}, and 64 flags numbered {@code "0"} to {@code "63"}.
 *
 * <pre>{@code
 * AttributeSchema shop = AttributeSchema.builder().keyed("brand").keyed("seller")
 *     .flag("in_stock").flag("on_sale").build();
 * ItemAttributes a = new ItemAttributes(shop);
 * a.clear().key(shop.keyedPosition("brand"), ACME).flag(shop.flagBit("in_stock"));
 * }</pre>
 *
 * <p>Positions are dense and fixed at build time: keyed attribute {@code i} is the {@code i}-th
 * declared, flag {@code b} the {@code b}-th declared; the per-item value layout is the keyed keys in
 * that order followed by one word of flag bits ({@link #width()} longs).
 *
 * <p><b>Immutable and thread-safe.</b> Allocates only when built; lookups by name are a scan of a few
 * names, meant for set-up, not for the request path.
 */
public final class AttributeSchema {
  /** At most this many flags (one {@code long} of bits per item). */
  public static final int MAX_FLAGS = 64;

  /** Longest attribute name, in characters (snapshots store names in UTF-8). */
  public static final int MAX_NAME_LENGTH = 256;

  private static final AttributeSchema FEED = feedSchema();

  private final String[] keyed;
  private final String[] flags;

  private AttributeSchema(List<String> keyed, List<String> flags) {
    this.keyed = keyed.toArray(new String[0]);
    this.flags = flags.toArray(new String[0]);
  }

  private static AttributeSchema feedSchema() {
    final Builder b = builder().keyed("author").keyed("community").keyed("language");
    for (int bit = 0; bit < MAX_FLAGS; bit++) {
      b.flag(Integer.toString(bit));
    }
    return b.build();
  }

  /**
   * The ready-made schema of a social feed: keyed {@code author} (position 0), {@code community} (1)
   * and {@code language} (2), and 64 flags named by their bit number. {@link ItemAttributes}'s
   * {@code author/community/language} setters and {@link AttributeIndex#authors()} and friends use it.
   * @return the feed schema, one shared immutable instance
   */
  public static AttributeSchema feed() {
    return FEED;
  }

  /** {@return a new builder declaring no attribute yet} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return the number of keyed attributes (the valid positions are {@code 0} to this minus 1)}
   */
  public int keyedCount() {
    return keyed.length;
  }

  /** {@return the number of flags, 0 to 64 (the valid bits are {@code 0} to this minus 1)} */
  public int flagCount() {
    return flags.length;
  }

  /**
   * Name of keyed attribute {@code position}.
   *
   * @param position 0 to {@link #keyedCount()} - 1
   * @return the name it was declared with
   */
  public String keyedName(int position) {
    return keyed[position];
  }

  /**
   * Name of flag {@code bit}.
   *
   * @param bit 0 to {@link #flagCount()} - 1
   * @return the name it was declared with
   */
  public String flagName(int bit) {
    return flags[bit];
  }

  /**
   * Position of the keyed attribute {@code name}.
   *
   * @param name a declared keyed attribute's name
   * @return its position, the argument of {@link ItemAttributes#key(int, long)} and {@link
   *     AttributeIndex#keyed(int)}
   * @throws IllegalArgumentException if the schema has no such keyed attribute
   */
  public int keyedPosition(String name) {
    final int i = indexOf(keyed, name);
    if (i < 0) {
      throw new IllegalArgumentException("no keyed attribute '" + name + "' in " + this);
    }
    return i;
  }

  /**
   * Bit of the flag {@code name}.
   *
   * @param name a declared flag's name
   * @return its bit, the argument of {@link ItemAttributes#flag(int)}
   * @throws IllegalArgumentException if the schema has no such flag
   */
  public int flagBit(String name) {
    final int i = indexOf(flags, name);
    if (i < 0) {
      throw new IllegalArgumentException("no flag '" + name + "' in " + this);
    }
    return i;
  }

  /**
   * Whether the schema has a keyed attribute {@code name}.
   *
   * @param name any name
   * @return true when it names a keyed attribute of this schema
   */
  public boolean hasKeyed(String name) {
    return indexOf(keyed, name) >= 0;
  }

  /** {@return the longs stored per item: one per keyed attribute, then one word of flag bits} */
  public int width() {
    return keyed.length + 1;
  }

  /**
   * Whether this schema declares the same attributes, in the same order, as {@code other}.
   *
   * @param other another schema
   * @return true when items of one can be written to an index of the other
   */
  public boolean sameAs(AttributeSchema other) {
    return Arrays.equals(keyed, other.keyed) && Arrays.equals(flags, other.flags);
  }

  private static int indexOf(String[] names, String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "AttributeSchema[keyed=" + Arrays.toString(keyed) + ", flags=" + flags.length + "]";
  }

  /** Declares attributes in order. Not thread-safe. */
  public static final class Builder {
    private final List<String> keyed = new ArrayList<>();
    private final List<String> flags = new ArrayList<>();

    private Builder() {}

    /**
     * Declares a keyed attribute: each item has at most one {@code long} key for it.
     *
     * @param name the attribute's name, unique among the schema's keyed attributes and flags
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the name is blank, longer than {@link #MAX_NAME_LENGTH}
     *     or already declared
     */
    public Builder keyed(String name) {
      keyed.add(check(name));
      return this;
    }

    /**
     * Declares a flag: each item has it or not.
     *
     * @param name the flag's name, unique among the schema's keyed attributes and flags
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the name is blank, longer than {@link #MAX_NAME_LENGTH}
     *     or already declared, or if this would be flag 65
     */
    public Builder flag(String name) {
      if (flags.size() == MAX_FLAGS) {
        throw new IllegalArgumentException("at most " + MAX_FLAGS + " flags; cannot add '" + name + "'");
      }
      flags.add(check(name));
      return this;
    }

    private String check(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("attribute name must be non-blank");
      }
      if (name.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException(
            "attribute name of " + name.length() + " characters; at most " + MAX_NAME_LENGTH);
      }
      if (keyed.contains(name) || flags.contains(name)) {
        throw new IllegalArgumentException("attribute '" + name + "' is declared twice");
      }
      return name;
    }

    /**
     * Builds the schema.
     *
     * @return a new immutable schema of the attributes declared so far, in order
     */
    public AttributeSchema build() {
      return new AttributeSchema(keyed, flags);
    }
  }
}
