package dev.trawl.kafka;

/**
 * Why a record is not a valid post event. {@link #NONE} means it is valid. A record with any other
 * defect is a poison message: the consumer sends it to the dead-letter topic with this defect's
 * name and {@link PostEventDecoder#reason} in its headers and leaves the index unchanged.
 *
 * <p>Immutable constants; thread-safe.
 */
public enum EventDefect {
  /** A valid event. */
  NONE,
  /** The record has no key. */
  NULL_KEY,
  /** The key is not 8 bytes. */
  KEY_LENGTH,
  /** The record has no value (a Kafka tombstone carries no version, so it cannot be ordered). */
  NULL_VALUE,
  /** The value is shorter than the 12-byte header. */
  TOO_SHORT,
  /** The first byte is not {@link EventFormat#MAGIC}. */
  BAD_MAGIC,
  /** The layout version is not one this build reads. */
  LAYOUT_VERSION,
  /** The op code is neither UPSERT nor REMOVE. */
  UNKNOWN_OP,
  /** The reserved header byte is not 0. */
  RESERVED_BYTE,
  /** The version is {@code Long.MIN_VALUE}, which means "no version". */
  NO_VERSION,
  /** The value's length does not match its op (and, for an upsert, its declared dimension). */
  LENGTH,
  /** The upsert's dimension is not the index's. */
  DIMENSION,
  /** A vector component is NaN or infinite. */
  NOT_FINITE,
  /** The index refused the vector (for example the zero vector under cosine). */
  REJECTED
}
