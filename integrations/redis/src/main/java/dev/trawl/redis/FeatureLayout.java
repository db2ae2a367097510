package dev.trawl.redis;

/**
 * How a post's feature record is stored in Redis. Both layouts were measured (bytes per post in
 * Redis, time to fetch a batch); {@link #PACKED} is the default and the recommended one.
 */
public enum FeatureLayout {
  /**
   * One string per post, key {@code <prefix><id>}, value the record's floats packed little-endian
   * ({@link PackedFloats}: 32 bytes for 8 features). Read with {@code MGET} of a whole chunk of keys;
   * decoded in place with no per-value objects. Written with {@code SET}.
   */
  PACKED,
  /**
   * One hash per post, key {@code <prefix><id>}, one field per feature holding the value as decimal
   * text. Read with one {@code HMGET} per post (pipelined); every value is parsed from text. Written
   * with {@code HSET}. Readable and updatable field by field, at several times the memory and fetch
   * cost of {@link #PACKED}.
   */
  HASH
}
