package dev.trawl.shadow;

import java.util.Arrays;

/**
 * A recorded feed request, enough to replay it offline: user, time, seed, page size, timeout, the
 * user's query vector, the request's id sets (seen ids, blocked authors, muted communities,
 * followed communities) and named numeric attributes (query features).
 *
 * <p>Reusable: {@link #clear} and refill, or let {@link RequestLog.Reader#next} overwrite it.
 *
 * <p><b>Not thread-safe.</b> <b>Allocation:</b> none once its arrays have grown to the working size;
 * the query vector array is replaced only when the dimension changes.
 */
public final class RequestRecord {
  private long userId;
  private long nowMillis;
  private long seed;
  private int pageSize;
  private long timeoutNanos;
  private float[] vector;
  private final LongColumn seen = new LongColumn();
  private final LongColumn blocked = new LongColumn();
  private final LongColumn muted = new LongColumn();
  private final LongColumn followed = new LongColumn();
  private String[] attributeNames = new String[4];
  private float[] attributeValues = new float[4];
  private int attributes;

  /** An empty record. */
  public RequestRecord() {
    clear();
  }

  /**
   * Resets every field: ids and time 0, page size and timeout 0 (= the pipeline's default), no
   * vector.
   *
   * @return this record, for chaining
   */
  public RequestRecord clear() {
    userId = 0;
    nowMillis = 0;
    seed = 0;
    pageSize = 0;
    timeoutNanos = 0;
    vector = null;
    seen.clear();
    blocked.clear();
    muted.clear();
    followed.clear();
    attributes = 0;
    return this;
  }

  /**
   * Sets the user the request is for.
   *
   * @param userId the user's id
   * @return this record, for chaining
   */
  public RequestRecord userId(long userId) {
    this.userId = userId;
    return this;
  }

  /**
   * Sets the request's "now".
   *
   * @param nowMillis the request's time, epoch milliseconds
   * @return this record, for chaining
   */
  public RequestRecord nowMillis(long nowMillis) {
    this.nowMillis = nowMillis;
    return this;
  }

  /**
   * Sets the request's seed.
   *
   * @param seed the seed of the request's random stream
   * @return this record, for chaining
   */
  public RequestRecord seed(long seed) {
    this.seed = seed;
    return this;
  }

  /**
   * Page size; 0 means the pipeline's default.
   *
   * @param pageSize the page size, 0 or more
   * @return this record, for chaining
   */
  public RequestRecord pageSize(int pageSize) {
    if (pageSize < 0) {
      throw new IllegalArgumentException("page size must be >= 0, got " + pageSize);
    }
    this.pageSize = pageSize;
    return this;
  }

  /**
   * Request timeout in nanoseconds; 0 means the pipeline's default.
   *
   * @param timeoutNanos the timeout, 0 or more
   * @return this record, for chaining
   */
  public RequestRecord timeoutNanos(long timeoutNanos) {
    if (timeoutNanos < 0) {
      throw new IllegalArgumentException("timeout must be >= 0, got " + timeoutNanos);
    }
    this.timeoutNanos = timeoutNanos;
    return this;
  }

  /**
   * Copies the first {@code dimension} entries of {@code source} as the query vector.
   *
   * @param source the query vector; copied
   * @param dimension how many of its entries are the vector
   * @return this record, for chaining
   */
  public RequestRecord vector(float[] source, int dimension) {
    if (dimension < 0 || dimension > source.length) {
      throw new IllegalArgumentException("dimension " + dimension + " outside [0, " + source.length + "]");
    }
    if (vector == null || vector.length != dimension) {
      vector = new float[dimension];
    }
    System.arraycopy(source, 0, vector, 0, dimension);
    return this;
  }

  /**
   * Removes the query vector.
   *
   * @return this record, for chaining
   */
  public RequestRecord noVector() {
    vector = null;
    return this;
  }

  /**
   * Adds a seen post.
   *
   * @param id a post the user has seen
   * @return this record, for chaining
   */
  public RequestRecord addSeen(long id) {
    seen.add(id);
    return this;
  }

  /**
   * Adds a blocked author.
   *
   * @param author an author the user blocked
   * @return this record, for chaining
   */
  public RequestRecord addBlockedAuthor(long author) {
    blocked.add(author);
    return this;
  }

  /**
   * Adds a muted community.
   *
   * @param community a community the user muted
   * @return this record, for chaining
   */
  public RequestRecord addMutedCommunity(long community) {
    muted.add(community);
    return this;
  }

  /**
   * Adds a followed community.
   *
   * @param community a community the user follows
   * @return this record, for chaining
   */
  public RequestRecord addFollowedCommunity(long community) {
    followed.add(community);
    return this;
  }

  /**
   * Sets the attribute {@code name} (replacing an earlier value).
   *
   * @param name the attribute's name, such as a query feature's
   * @param value its value
   * @return this record, for chaining
   * @throws IllegalArgumentException if the name is null or empty
   */
  public RequestRecord attribute(String name, float value) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("attribute name must be non-empty");
    }
    for (int i = 0; i < attributes; i++) {
      if (attributeNames[i].equals(name)) {
        attributeValues[i] = value;
        return this;
      }
    }
    if (attributes == attributeNames.length) {
      attributeNames = Arrays.copyOf(attributeNames, attributes * 2);
      attributeValues = Arrays.copyOf(attributeValues, attributes * 2);
    }
    attributeNames[attributes] = name;
    attributeValues[attributes++] = value;
    return this;
  }

  /**
   * {@return the user the request is for}
   */
  public long userId() {
    return userId;
  }

  /**
   * {@return the request's "now", epoch milliseconds}
   */
  public long nowMillis() {
    return nowMillis;
  }

  /**
   * {@return the seed of the request's random stream}
   */
  public long seed() {
    return seed;
  }

  /**
   * {@return the page size, 0 for the pipeline's default}
   */
  public int pageSize() {
    return pageSize;
  }

  /**
   * {@return the timeout in nanoseconds, 0 for the pipeline's default}
   */
  public long timeoutNanos() {
    return timeoutNanos;
  }

  /**
   * {@return whether the record holds a query vector}
   */
  public boolean hasVector() {
    return vector != null;
  }

  /** {@return the query vector (the record's own array; read-only by contract), or {@code null}} */
  public float[] vector() {
    return vector;
  }

  /**
   * {@return the number of seen posts recorded}
   */
  public int seenCount() {
    return seen.size;
  }

  /**
   * One of the seen posts.
   *
   * @param i 0 to {@link #seenCount()} - 1, in the order added
   * @return that entry of the seen posts
   */
  public long seen(int i) {
    return seen.get(i);
  }

  /**
   * {@return the number of blocked authors recorded}
   */
  public int blockedAuthorCount() {
    return blocked.size;
  }

  /**
   * One of the blocked authors.
   *
   * @param i 0 to {@link #blockedAuthorCount()} - 1, in the order added
   * @return that entry of the blocked authors
   */
  public long blockedAuthor(int i) {
    return blocked.get(i);
  }

  /**
   * {@return the number of muted communities recorded}
   */
  public int mutedCommunityCount() {
    return muted.size;
  }

  /**
   * One of the muted communities.
   *
   * @param i 0 to {@link #mutedCommunityCount()} - 1, in the order added
   * @return that entry of the muted communities
   */
  public long mutedCommunity(int i) {
    return muted.get(i);
  }

  /**
   * {@return the number of followed communities recorded}
   */
  public int followedCommunityCount() {
    return followed.size;
  }

  /**
   * One of the followed communities.
   *
   * @param i 0 to {@link #followedCommunityCount()} - 1, in the order added
   * @return that entry of the followed communities
   */
  public long followedCommunity(int i) {
    return followed.get(i);
  }

  /**
   * {@return the number of attributes recorded}
   */
  public int attributeCount() {
    return attributes;
  }

  /**
   * The name of attribute {@code i}.
   *
   * @param i 0 to {@link #attributeCount()} - 1
   * @return the attribute's name
   */
  public String attributeName(int i) {
    checkAttribute(i);
    return attributeNames[i];
  }

  /**
   * The value of attribute {@code i}.
   *
   * @param i 0 to {@link #attributeCount()} - 1
   * @return the attribute's value
   */
  public float attributeValue(int i) {
    checkAttribute(i);
    return attributeValues[i];
  }

  /**
   * Copies every field of {@code other}.
   *
   * @param other the record copied; unchanged
   * @return this record, for chaining
   */
  public RequestRecord copyFrom(RequestRecord other) {
    clear();
    userId = other.userId;
    nowMillis = other.nowMillis;
    seed = other.seed;
    pageSize = other.pageSize;
    timeoutNanos = other.timeoutNanos;
    if (other.vector != null) {
      vector(other.vector, other.vector.length);
    }
    seen.copyFrom(other.seen);
    blocked.copyFrom(other.blocked);
    muted.copyFrom(other.muted);
    followed.copyFrom(other.followed);
    for (int i = 0; i < other.attributes; i++) {
      attribute(other.attributeNames[i], other.attributeValues[i]);
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RequestRecord)) {
      return false;
    }
    final RequestRecord r = (RequestRecord) o;
    if (userId != r.userId || nowMillis != r.nowMillis || seed != r.seed || pageSize != r.pageSize
        || timeoutNanos != r.timeoutNanos || !Arrays.equals(vector, r.vector)
        || !seen.sameAs(r.seen) || !blocked.sameAs(r.blocked) || !muted.sameAs(r.muted)
        || !followed.sameAs(r.followed)
        || attributes != r.attributes) {
      return false;
    }
    for (int i = 0; i < attributes; i++) {
      if (!attributeNames[i].equals(r.attributeNames[i])
          || Float.compare(attributeValues[i], r.attributeValues[i]) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(userId) * 31 + Long.hashCode(seed);
  }

  @Override
  public String toString() {
    return "RequestRecord{user=" + userId + ", now=" + nowMillis + ", seed=" + seed + ", page=" + pageSize
        + ", dim=" + (vector == null ? -1 : vector.length) + ", seen=" + seen.size + ", blocked="
        + blocked.size + ", muted=" + muted.size + ", followed=" + followed.size + ", attributes=" + attributes + "}";
  }

  private void checkAttribute(int i) {
    if (i < 0 || i >= attributes) {
      throw new IndexOutOfBoundsException("attribute " + i + " of " + attributes);
    }
  }

  /** A growable {@code long} column. */
  private static final class LongColumn {
    long[] values = new long[8];
    int size;

    void clear() {
      size = 0;
    }

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long get(int i) {
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException("entry " + i + " of " + size);
      }
      return values[i];
    }

    void copyFrom(LongColumn o) {
      clear();
      for (int i = 0; i < o.size; i++) {
        add(o.values[i]);
      }
    }

    boolean sameAs(LongColumn o) {
      return Arrays.equals(values, 0, size, o.values, 0, o.size);
    }
  }
}
