package dev.trawl.redis;

import java.nio.charset.StandardCharsets;

/**
 * Redis key and member encodings: a key is an ASCII prefix followed by the decimal id
 * ({@code pf:123456}), readable in {@code redis-cli}; a set member holding an id is its 8 bytes,
 * little-endian, the smallest exact encoding.
 *
 * <p>Stateless and thread-safe. Every method allocates its result (Lettuce needs one array per key).
 */
final class Keys {
  private Keys() {}

  static byte[] prefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("key prefix must be non-empty");
    }
    return prefix.getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code prefix} followed by the decimal digits of {@code id}, without going through a String. */
  static byte[] key(byte[] prefix, long id) {
    final boolean negative = id < 0;
    int digits = 1;
    for (long v = id; v <= -10 || v >= 10; v /= 10) {
      digits++;
    }
    final int length = prefix.length + digits + (negative ? 1 : 0);
    final byte[] key = new byte[length];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    if (negative) {
      key[prefix.length] = '-';
    }
    long v = id;
    for (int i = length - 1; i >= length - digits; i--) {
      key[i] = (byte) ('0' + Math.abs(v % 10));
      v /= 10;
    }
    return key;
  }

  /** An id as an 8-byte little-endian member. */
  static byte[] member(long id) {
    final byte[] m = new byte[8];
    for (int i = 0; i < 8; i++) {
      m[i] = (byte) (id >>> (8 * i));
    }
    return m;
  }
}
