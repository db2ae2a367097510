package dev.trawl.kafka;

import static dev.trawl.kafka.EventFormat.FLOAT_LE;
import static dev.trawl.kafka.EventFormat.INT_LE;
import static dev.trawl.kafka.EventFormat.LONG_BE;
import static dev.trawl.kafka.EventFormat.LONG_LE;

import dev.trawl.filter.ItemAttributes;

/**
 * Producer-side encoding of post events ({@link EventFormat}): keys and values as byte arrays for a
 * {@code KafkaProducer<byte[], byte[]>}. {@link PostEventPublisher} wraps a producer with it.
 *
 * <p>Stateless and thread-safe. The methods returning {@code byte[]} allocate exactly that array (a
 * Kafka producer keeps the arrays it is given until they are sent, so they cannot be reused); the
 * {@code (…, byte[] out, int offset)} variants allocate nothing.
 */
public final class PostEventEncoder {
  private PostEventEncoder() {}

  /** The record key of post {@code id}: 8 bytes, big-endian. */
  public static byte[] key(long id) {
    final byte[] key = new byte[EventFormat.KEY_BYTES];
    LONG_BE.set(key, 0, id);
    return key;
  }

  /**
   * The post id of an 8-byte key.
   *
   * @throws IllegalArgumentException if {@code key} is null or not 8 bytes
   */
  public static long id(byte[] key) {
    if (key == null || key.length != EventFormat.KEY_BYTES) {
      throw new IllegalArgumentException(
          "a key is 8 bytes, got " + (key == null ? "null" : key.length + " bytes"));
    }
    return (long) LONG_BE.get(key, 0);
  }

  /**
   * A new UPSERT value.
   *
   * @param attributes the item's attributes, or null for none
   * @throws IllegalArgumentException if {@code version} is {@code Long.MIN_VALUE}
   */
  public static byte[] upsert(
      long version, long createdAt, ItemAttributes attributes, float[] vector) {
    final byte[] out = new byte[EventFormat.upsertBytes(vector.length)];
    upsert(version, createdAt, attributes, vector, out, 0);
    return out;
  }

  /**
   * Writes an UPSERT value into {@code out} at {@code offset}.
   *
   * @return the number of bytes written, {@link EventFormat#upsertBytes}{@code (vector.length)}
   * @throws IllegalArgumentException if {@code version} is {@code Long.MIN_VALUE}
   * @throws IndexOutOfBoundsException if {@code out} has too little room (nothing is written)
   */
  public static int upsert(
      long version,
      long createdAt,
      ItemAttributes attributes,
      float[] vector,
      byte[] out,
      int offset) {
    final int length = EventFormat.upsertBytes(vector.length);
    java.util.Objects.checkFromIndexSize(offset, length, out.length);
    header(EventFormat.UPSERT, version, out, offset);
    LONG_LE.set(out, offset + EventFormat.OFF_CREATED_AT, createdAt);
    final long none = ItemAttributes.NONE;
    LONG_LE.set(
        out, offset + EventFormat.OFF_AUTHOR, attributes == null ? none : attributes.author());
    LONG_LE.set(
        out,
        offset + EventFormat.OFF_COMMUNITY,
        attributes == null ? none : attributes.community());
    LONG_LE.set(
        out, offset + EventFormat.OFF_LANGUAGE, attributes == null ? none : attributes.language());
    LONG_LE.set(out, offset + EventFormat.OFF_FLAGS, attributes == null ? 0L : attributes.flags());
    INT_LE.set(out, offset + EventFormat.OFF_DIMENSION, vector.length);
    int p = offset + EventFormat.OFF_VECTOR;
    for (float x : vector) {
      FLOAT_LE.set(out, p, x);
      p += 4;
    }
    return length;
  }

  /**
   * A new REMOVE value.
   *
   * @throws IllegalArgumentException if {@code version} is {@code Long.MIN_VALUE}
   */
  public static byte[] remove(long version) {
    final byte[] out = new byte[EventFormat.REMOVE_BYTES];
    header(EventFormat.REMOVE, version, out, 0);
    return out;
  }

  private static void header(byte op, long version, byte[] out, int offset) {
    if (version == Long.MIN_VALUE) {
      throw new IllegalArgumentException("version Long.MIN_VALUE means no version; use another");
    }
    out[offset + EventFormat.OFF_MAGIC] = EventFormat.MAGIC;
    out[offset + EventFormat.OFF_LAYOUT] = EventFormat.LAYOUT_VERSION;
    out[offset + EventFormat.OFF_OP] = op;
    out[offset + EventFormat.OFF_RESERVED] = 0;
    LONG_LE.set(out, offset + EventFormat.OFF_VERSION, version);
  }
}
