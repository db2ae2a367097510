package dev.trawl.kafka;

import static dev.trawl.kafka.EventFormat.FLOAT_LE;
import static dev.trawl.kafka.EventFormat.INT_LE;
import static dev.trawl.kafka.EventFormat.LONG_BE;
import static dev.trawl.kafka.EventFormat.LONG_LE;

import dev.trawl.filter.ItemAttributes;
import java.util.Locale;

/**
 * Decodes and validates records as post events ({@link EventFormat}) for an index of one dimension.
 * {@link #decode} never throws for bad input: it returns the {@link EventDefect}, and {@link
 * #reason} turns the last defect into a sentence for the dead-letter header.
 *
 * <pre>{@code
 * PostEventDecoder decoder = new PostEventDecoder(384);   // one per consuming thread
 * PostEvent event = new PostEvent(384);                   // reused for every record
 * EventDefect defect = decoder.decode(record.key(), record.value(), event);
 * if (defect != EventDefect.NONE) deadLetter(record, defect, decoder.reason(defect));
 * }</pre>
 *
 * <p>A valid event satisfies: an 8-byte key; the magic, layout version 1, a known op and a zero
 * reserved byte; a version other than {@code Long.MIN_VALUE}; a length of exactly 12 bytes (REMOVE)
 * or 56 + 4d bytes (UPSERT) where d is the declared dimension, equal to the decoder's; every
 * component finite. Checks run in that order and the first failure is returned. The holder is only
 * meaningful after {@link EventDefect#NONE}.
 *
 * <p><b>Not thread-safe</b> (it remembers the last defect's details): one per thread. {@link
 * #decode} allocates nothing; {@link #reason} builds a string (the poison path only).
 */
public final class PostEventDecoder {
  private final int dimension;
  private long detail;
  private long detail2;

  /** A decoder for events whose vectors must have {@code dimension} components. */
  public PostEventDecoder(int dimension) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    this.dimension = dimension;
  }

  /** The dimension upserts must have. */
  public int dimension() {
    return dimension;
  }

  /**
   * Validates the record and, when it is valid, fills {@code out}.
   *
   * @param out a holder of this decoder's dimension
   * @return {@link EventDefect#NONE} for a valid event, otherwise the first defect found
   */
  public EventDefect decode(byte[] key, byte[] value, PostEvent out) {
    if (key == null) {
      return EventDefect.NULL_KEY;
    }
    if (key.length != EventFormat.KEY_BYTES) {
      detail = key.length;
      return EventDefect.KEY_LENGTH;
    }
    if (value == null) {
      return EventDefect.NULL_VALUE;
    }
    final int length = value.length;
    if (length < EventFormat.REMOVE_BYTES) {
      detail = length;
      return EventDefect.TOO_SHORT;
    }
    if (value[EventFormat.OFF_MAGIC] != EventFormat.MAGIC) {
      detail = value[EventFormat.OFF_MAGIC] & 0xFF;
      return EventDefect.BAD_MAGIC;
    }
    if (value[EventFormat.OFF_LAYOUT] != EventFormat.LAYOUT_VERSION) {
      detail = value[EventFormat.OFF_LAYOUT] & 0xFF;
      return EventDefect.LAYOUT_VERSION;
    }
    final byte op = value[EventFormat.OFF_OP];
    if (op != EventFormat.UPSERT && op != EventFormat.REMOVE) {
      detail = op & 0xFF;
      return EventDefect.UNKNOWN_OP;
    }
    if (value[EventFormat.OFF_RESERVED] != 0) {
      detail = value[EventFormat.OFF_RESERVED] & 0xFF;
      return EventDefect.RESERVED_BYTE;
    }
    final long version = (long) LONG_LE.get(value, EventFormat.OFF_VERSION);
    if (version == Long.MIN_VALUE) {
      return EventDefect.NO_VERSION;
    }
    if (op == EventFormat.REMOVE) {
      if (length != EventFormat.REMOVE_BYTES) {
        detail = length;
        detail2 = -1;
        return EventDefect.LENGTH;
      }
      out.id = (long) LONG_BE.get(key, 0);
      out.op = op;
      out.version = version;
      out.createdAt = 0L;
      out.attributes.clear();
      return EventDefect.NONE;
    }
    if (length < EventFormat.UPSERT_HEADER_BYTES) {
      detail = length;
      detail2 = -2;
      return EventDefect.LENGTH;
    }
    final int declared = (int) INT_LE.get(value, EventFormat.OFF_DIMENSION);
    if (declared < 0 || (long) EventFormat.UPSERT_HEADER_BYTES + 4L * declared != length) {
      detail = length;
      detail2 = declared;
      return EventDefect.LENGTH;
    }
    if (declared != dimension) {
      detail = declared;
      return EventDefect.DIMENSION;
    }
    if (out.vector.length != dimension) {
      throw new IllegalArgumentException(
          "the holder has dimension " + out.vector.length + ", the decoder " + dimension);
    }
    final float[] vector = out.vector;
    int p = EventFormat.OFF_VECTOR;
    for (int i = 0; i < declared; i++, p += 4) {
      final float x = (float) FLOAT_LE.get(value, p);
      if (!Float.isFinite(x)) {
        detail = i;
        detail2 = Float.floatToRawIntBits(x);
        return EventDefect.NOT_FINITE;
      }
      vector[i] = x;
    }
    out.id = (long) LONG_BE.get(key, 0);
    out.op = op;
    out.version = version;
    out.createdAt = (long) LONG_LE.get(value, EventFormat.OFF_CREATED_AT);
    // NONE (Long.MIN_VALUE) on the wire means unset; the holder takes only set values
    final ItemAttributes attrs = out.attributes.clear();
    final long author = (long) LONG_LE.get(value, EventFormat.OFF_AUTHOR);
    final long community = (long) LONG_LE.get(value, EventFormat.OFF_COMMUNITY);
    final long language = (long) LONG_LE.get(value, EventFormat.OFF_LANGUAGE);
    if (author != ItemAttributes.NONE) {
      attrs.author(author);
    }
    if (community != ItemAttributes.NONE) {
      attrs.community(community);
    }
    if (language != ItemAttributes.NONE) {
      attrs.language(language);
    }
    attrs.flags((long) LONG_LE.get(value, EventFormat.OFF_FLAGS));
    return EventDefect.NONE;
  }

  /**
   * A sentence saying what is wrong, for the defect the last {@link #decode} returned (its numbers
   * come from that call). Allocates the string.
   */
  public String reason(EventDefect defect) {
    switch (defect) {
      case NONE:
        return "valid";
      case NULL_KEY:
        return "the record has no key (expected the post id as 8 bytes, big-endian)";
      case KEY_LENGTH:
        return "the key is " + detail + " bytes, expected 8 (the post id, big-endian)";
      case NULL_VALUE:
        return "the record has no value (a tombstone has no version: send a REMOVE event)";
      case TOO_SHORT:
        return "the value is " + detail + " bytes, shorter than the 12-byte header";
      case BAD_MAGIC:
        return String.format(
            Locale.ROOT,
            "first byte 0x%02x is not the event magic 0x%02x",
            detail,
            EventFormat.MAGIC);
      case LAYOUT_VERSION:
        return "layout version " + detail + " is not supported (this build reads 1)";
      case UNKNOWN_OP:
        return "op " + detail + " is unknown (1 = UPSERT, 2 = REMOVE)";
      case RESERVED_BYTE:
        return "reserved header byte is " + detail + ", expected 0";
      case NO_VERSION:
        return "version is Long.MIN_VALUE, which means no version";
      case LENGTH:
        if (detail2 == -1) {
          return "a REMOVE value is 12 bytes, got " + detail;
        }
        if (detail2 == -2) {
          return "an UPSERT value is at least 56 bytes, got " + detail;
        }
        return "the value is "
            + detail
            + " bytes, but an UPSERT declaring dimension "
            + detail2
            + " is "
            + (EventFormat.UPSERT_HEADER_BYTES + 4L * detail2)
            + " bytes";
      case DIMENSION:
        return "the vector has dimension " + detail + ", the index has " + dimension;
      case NOT_FINITE:
        return "vector component "
            + detail
            + " is "
            + Float.intBitsToFloat((int) detail2)
            + " (components must be finite)";
      case REJECTED:
        return "the index rejected the vector";
      default:
        throw new AssertionError(defect);
    }
  }
}
