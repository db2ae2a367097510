package dev.trawl.filter;

import org.roaringbitmap.RoaringBitmap;

/**
 * The per-request filter: which node ordinals a search may return, composed from the request's
 * exclusions (seen posts, blocked authors, muted communities) and restrictions (only language X, only
 * community Y), then handed to the planner and the graph walk.
 *
 * <h2>Representation</h2>
 * Two reusable request-scoped {@link OrdinalBitset}s: an <i>include</i> set {@code I}, which is
 * either "everything" (not materialised) or an explicit bitset, and an <i>exclude</i> set {@code E};
 * the filter accepts {@code I \ E}. The operations keep that form exact, left to right, starting from
 * {@link #allowAll} or {@link #allowNone}:
 * <ul>
 *   <li>{@code and(B)}: {@code I := I ∩ B} (I := B when I is everything);
 *   <li>{@code or(B)}: {@code I := I ∪ B} and {@code E := E \ B};
 *   <li>{@code andNot(B)}: {@code E := E ∪ B} while I is everything (cheap for a few hundred seen
 *       posts on a huge index), otherwise {@code I := I \ B}.
 * </ul>
 * So "everything except seen, blocked authors and muted communities, in language X" is
 * {@code allowAll().and(languages, X).andNot(authors, a)...andNotIds(seen, ...)}.
 *
 * <p>{@code B} is a caller-owned {@link RoaringBitmap} (read during the call only), a key of an
 * index-maintained {@link KeyedBitmaps} (read under that index's lock), or ordinals and external ids
 * (resolved through an {@link IdResolver}).
 *
 * <p><b>Not thread-safe</b>: one per request context, reused for every request; a search reads it
 * while the owning thread is not composing. <b>Allocation:</b> none in steady state; the bitsets grow
 * once when the index outgrows them. Costs: clearing and counting are O(words touched), {@code or} and
 * {@code andNot} O(|B|), {@code and} O(|B|) the first time and O(|I| log |B|) after.
 */
public final class RequestFilter {
  static final int AND = 0;
  static final int OR = 1;
  static final int AND_NOT = 2;

  private final OrdinalBitset include;
  private final OrdinalBitset exclude;
  private final IdResolver index; // null: not bound to an index, no reuse check
  private boolean includeAll = true;
  private int pointExclusions;
  private long composedAt = IdResolver.NEVER_REUSED;

  /**
   * A filter accepting everything, sized for an index of about {@code capacity} ordinals, not bound to
   * an index: correct only while the index does not reuse ordinals. Prefer
   * {@code VectorIndex.newFilter()}.
   *
   * @param capacity the ordinals the bitsets are first sized for; they grow when a larger ordinal
   *     is set
   */
  public RequestFilter(int capacity) {
    this(capacity, null);
  }

  /**
   * A filter for {@code index}: when that index reuses the ordinals of removed items, the
   * filter rejects every ordinal given to a new item after the filter was reset ({@link #allowAll},
   * {@link #allowNone}), because its bits for that ordinal describe the previous item (a seen post, an
   * author's membership). Such an item is missing from this one request, never wrongly returned.
   *
   * @param capacity the ordinals the bitsets are first sized for; they grow when a larger ordinal
   *     is set
   * @param index the index whose ordinals the filter holds, asked for reuse stamps; null for none
   *     (no reuse check)
   */
  public RequestFilter(int capacity, IdResolver index) {
    include = new OrdinalBitset(capacity);
    exclude = new OrdinalBitset(capacity);
    this.index = index;
  }

  /**
   * Resets to "accept every item"; the usual start of a request.
   *
   * @return this filter, for chaining
   */
  public RequestFilter allowAll() {
    return reset(true);
  }

  /**
   * Resets to "accept nothing", to build an allow-list with {@link #or}.
   *
   * @return this filter, for chaining
   */
  public RequestFilter allowNone() {
    return reset(false);
  }

  private RequestFilter reset(boolean all) {
    include.clear();
    exclude.clear();
    includeAll = all;
    pointExclusions = 0;
    // Read the count before any bit is set from the index's current state.
    composedAt = index == null ? IdResolver.NEVER_REUSED : index.reuseStamp();
    return this;
  }

  /**
   * Keeps only items also in {@code bitmap}.
   *
   * @param bitmap ordinals of the index, for example a host's own set; read during the call only,
   *     not kept
   * @return this filter, for chaining
   */
  public RequestFilter and(RoaringBitmap bitmap) {
    return apply(AND, bitmap);
  }

  /**
   * Also accepts every item in {@code bitmap}.
   *
   * @param bitmap ordinals of the index, for example a host's own set; read during the call only,
   *     not kept
   * @return this filter, for chaining
   */
  public RequestFilter or(RoaringBitmap bitmap) {
    return apply(OR, bitmap);
  }

  /**
   * Rejects every item in {@code bitmap}.
   *
   * @param bitmap ordinals of the index, for example a host's own set; read during the call only,
   *     not kept
   * @return this filter, for chaining
   */
  public RequestFilter andNot(RoaringBitmap bitmap) {
    return apply(AND_NOT, bitmap);
  }

  /**
   * Keeps only items carrying {@code key} in {@code attribute} (nothing when no item carries it).
   *
   * @param attribute an attribute's bitmap index of the same index, such as {@code
   *     index.attributes().authors()}
   * @param key the attribute value, such as an author id
   * @return this filter, for chaining
   */
  public RequestFilter and(KeyedBitmaps attribute, long key) {
    attribute.applyTo(this, AND, key);
    return this;
  }

  /**
   * Also accepts the items carrying {@code key} in {@code attribute}.
   *
   * @param attribute an attribute's bitmap index of the same index, such as {@code
   *     index.attributes().authors()}
   * @param key the attribute value, such as an author id
   * @return this filter, for chaining
   */
  public RequestFilter or(KeyedBitmaps attribute, long key) {
    attribute.applyTo(this, OR, key);
    return this;
  }

  /**
   * Rejects the items carrying {@code key} in {@code attribute}.
   *
   * @param attribute an attribute's bitmap index of the same index, such as {@code
   *     index.attributes().authors()}
   * @param key the attribute value, such as an author id
   * @return this filter, for chaining
   */
  public RequestFilter andNot(KeyedBitmaps attribute, long key) {
    attribute.applyTo(this, AND_NOT, key);
    return this;
  }

  /**
   * Rejects the node {@code ordinal}; negative ordinals (missing items) are ignored.
   *
   * @param ordinal the ordinal of the item to reject, as {@code ordinalOf(id)} returned it just now
   * @return this filter, for chaining
   */
  public RequestFilter andNotOrdinal(int ordinal) {
    if (ordinal >= 0) {
      pointExclusions++;
      if (includeAll) {
        exclude.add(ordinal);
      } else {
        include.remove(ordinal);
      }
    }
    return this;
  }

  /**
   * Rejects the items with the external ids {@code ids[offset, offset + count)}, resolved through
   * {@code resolver}; ids not in the index are ignored.
   *
   * @param ids the items' external ids, such as a user's seen posts; read during the call only
   * @param offset the first id of the range
   * @param count how many ids the range holds
   * @param resolver the index the ids are looked up in
   * @return this filter, for chaining
   * @throws IndexOutOfBoundsException if the range is outside {@code ids} (nothing is changed)
   */
  public RequestFilter andNotIds(long[] ids, int offset, int count, IdResolver resolver) {
    if (offset < 0 || count < 0 || offset > ids.length - count) {
      throw new IndexOutOfBoundsException(
          "ids range [" + offset + ", " + offset + " + " + count + ") is outside an array of "
              + ids.length);
    }
    for (int i = offset, end = offset + count; i < end; i++) {
      andNotOrdinal(resolver.ordinalOf(ids[i]));
    }
    return this;
  }

  RequestFilter apply(int op, RoaringBitmap bitmap) {
    switch (op) {
      case AND:
        if (includeAll) {
          include.addAll(bitmap);
          includeAll = false;
        } else {
          include.retainAll(bitmap);
        }
        break;
      case OR:
        if (!includeAll) {
          include.addAll(bitmap);
        }
        exclude.removeAll(bitmap);
        break;
      case AND_NOT:
        if (includeAll) {
          exclude.addAll(bitmap);
        } else {
          include.removeAll(bitmap);
        }
        break;
      default:
        throw new IllegalArgumentException("unknown operation " + op);
    }
    return this;
  }

  /**
   * Whether the item at {@code ordinal} may be returned. Allocates nothing.
   *
   * @param ordinal an ordinal of the index
   * @return true when a search with this filter may return the item at {@code ordinal}
   */
  public boolean accepts(int ordinal) {
    return (includeAll || include.contains(ordinal))
        && !exclude.contains(ordinal)
        && !(composedAt != IdResolver.NEVER_REUSED && index.reusedSince(ordinal, composedAt));
  }

  /**
   * How many items were excluded one by one ({@link #andNotOrdinal}, {@link #andNotIds}) since the last
   * reset. Such exclusions are usually a user's seen or hidden posts, which cluster around that user's
   * interests, i.e. near the query, unlike attribute exclusions, which spread over the index; the
   * planner's cost estimate assumes the walk's beam may widen by this count.
   *
   * @return the count of one-by-one exclusions since the last reset
   */
  public int pointExclusions() {
    return pointExclusions;
  }

  /** {@return whether the include side is "everything", i.e. the filter only excludes} */
  public boolean excludesOnly() {
    return includeAll;
  }

  /**
   * Number of ordinals in {@code [0, limit)} the filter accepts (not counting tombstones or unpublished
   * nodes). O(words touched), or O(limit / 64) never.
   *
   * @param limit the index's allocated ordinals
   * @return the count of accepted ordinals below {@code limit}
   */
  public int allowedCount(int limit) {
    return includeAll
        ? limit - exclude.countBelow(limit)
        : include.countAndNotBelow(exclude, limit);
  }

  /**
   * Writes the accepted ordinals below {@code limit} into {@code out}, ascending, stopping when it is
   * full; returns how many. O(words touched) for an include set, O(limit / 64) for an exclude-only
   * filter.
   *
   * @param limit the index's allocated ordinals
   * @param out receives the accepted ordinals from index 0
   * @return how many were written, at most {@code out.length}
   */
  public int collectAllowed(int limit, int[] out) {
    return includeAll
        ? exclude.collectComplementBelow(limit, out)
        : include.collectAndNotBelow(exclude, limit, out);
  }
}
