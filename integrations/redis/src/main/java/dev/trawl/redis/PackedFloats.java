package dev.trawl.redis;

import java.nio.ByteBuffer;

/**
 * The packed record encoding: {@code width} IEEE-754 {@code float32}s, little-endian, back to back,
 * nothing else ({@code 4 x width} bytes). Little-endian because every host that reads it (x86, ARM)
 * is, and a record can be produced by {@code numpy.float32(...).tobytes()} or any language's float
 * array without a library.
 *
 * <p>Stateless and thread-safe. Decoding reads the buffer in place and allocates nothing; a value of
 * the wrong length or holding a NaN or infinity is rejected.
 */
public final class PackedFloats {
  private PackedFloats() {}

  /** Encodes {@code values[offset .. offset + width)} (allocates the result). */
  public static byte[] encode(float[] values, int offset, int width) {
    final byte[] out = new byte[4 * width];
    for (int j = 0; j < width; j++) {
      final int bits = Float.floatToRawIntBits(values[offset + j]);
      out[4 * j] = (byte) bits;
      out[4 * j + 1] = (byte) (bits >>> 8);
      out[4 * j + 2] = (byte) (bits >>> 16);
      out[4 * j + 3] = (byte) (bits >>> 24);
    }
    return out;
  }

  /**
   * Decodes the bytes between {@code in}'s position and limit into {@code out[offset .. +width)},
   * without moving the buffer's position. Returns false, leaving {@code out} partly written, if the
   * length is not {@code 4 x width} or a value is not finite.
   */
  public static boolean decode(ByteBuffer in, float[] out, int offset, int width) {
    final int p = in.position();
    if (in.limit() - p != 4 * width) {
      return false;
    }
    for (int j = 0; j < width; j++) {
      final int b = p + 4 * j;
      final int bits = (in.get(b) & 0xFF) | (in.get(b + 1) & 0xFF) << 8
          | (in.get(b + 2) & 0xFF) << 16 | (in.get(b + 3) & 0xFF) << 24;
      final float v = Float.intBitsToFloat(bits);
      if (!Float.isFinite(v)) {
        return false;
      }
      out[offset + j] = v;
    }
    return true;
  }
}
