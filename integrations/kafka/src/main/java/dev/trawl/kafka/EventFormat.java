package dev.trawl.kafka;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The wire format of a post event: a Kafka record whose key is the post id and whose value is one
 * compact little-endian binary layout (described in full in {@code docs/streaming.md}).
 *
 * <p><b>Key</b>: the post id as 8 bytes, big-endian (what Kafka's {@code LongSerializer} writes, so
 * a producer using it partitions the same way).
 *
 * <p><b>Value</b>, layout version 1, all multi-byte fields little-endian:
 *
 * <pre>
 * offset  size  field
 *      0     1  magic, 0x54 ('T')
 *      1     1  layout version, 1
 *      2     1  op: 1 = UPSERT (create, edit, re-embed, change attributes), 2 = REMOVE
 *      3     1  reserved, 0
 *      4     8  version (int64, any value but Long.MIN_VALUE; newer is larger)
 *  REMOVE ends here: 12 bytes. UPSERT goes on:
 *     12     8  created-at (epoch milliseconds, passed through to listeners)
 *     20     8  author      (Long.MIN_VALUE = none)
 *     28     8  community   (Long.MIN_VALUE = none)
 *     36     8  language    (Long.MIN_VALUE = none)
 *     44     8  flags (64 bits)
 *     52     4  dimension d (int32)
 *     56    4d  vector, float32
 * </pre>
 *
 * An UPSERT carries the item's whole state (vector and every attribute), never a delta, so that
 * applying a set of events in any order converges to the state of the highest version.
 *
 * <p>Constants and offsets only; stateless.
 */
public final class EventFormat {
  /** The first byte of every value. */
  public static final byte MAGIC = 0x54;

  /** The layout version this build writes and reads. */
  public static final byte LAYOUT_VERSION = 1;

  /** Op code: adds or replaces the item (vector and attributes). */
  public static final byte UPSERT = 1;

  /** Op code: removes the item. */
  public static final byte REMOVE = 2;

  /** Bytes of a key: the post id as a big-endian int64. */
  public static final int KEY_BYTES = 8;

  /** Bytes of a REMOVE value (the common header). */
  public static final int REMOVE_BYTES = 12;

  /** Bytes of an UPSERT value before the vector's components. */
  public static final int UPSERT_HEADER_BYTES = 56;

  static final int OFF_MAGIC = 0;
  static final int OFF_LAYOUT = 1;
  static final int OFF_OP = 2;
  static final int OFF_RESERVED = 3;
  static final int OFF_VERSION = 4;
  static final int OFF_CREATED_AT = 12;
  static final int OFF_AUTHOR = 20;
  static final int OFF_COMMUNITY = 28;
  static final int OFF_LANGUAGE = 36;
  static final int OFF_FLAGS = 44;
  static final int OFF_DIMENSION = 52;
  static final int OFF_VECTOR = 56;

  static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle FLOAT_LE =
      MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private EventFormat() {}

  /** Bytes of an UPSERT value with a {@code dimension}-component vector. */
  public static int upsertBytes(int dimension) {
    return UPSERT_HEADER_BYTES + 4 * dimension;
  }

  /** The name of an op code, or {@code "op N"} for an unknown one. */
  public static String opName(int op) {
    switch (op) {
      case UPSERT:
        return "UPSERT";
      case REMOVE:
        return "REMOVE";
      default:
        return "op " + op;
    }
  }
}
