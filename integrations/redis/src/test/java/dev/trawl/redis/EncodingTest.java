package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EncodingTest {
  @Test
  void keysAreThePrefixAndTheDecimalId() {
    final byte[] p = Keys.prefix("pf:");
    for (long id : new long[] {0, 7, 10, 99, 123456789, Long.MAX_VALUE, -1, -42, Long.MIN_VALUE}) {
      assertThat(new String(Keys.key(p, id), StandardCharsets.US_ASCII)).isEqualTo("pf:" + id);
    }
  }

  @Test
  void membersAreEightLittleEndianBytes() {
    assertThat(Keys.member(0x0102030405060708L)).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
  }

  @Test
  void packedRecordsRoundTripAndRejectWrongLengthsAndNonFiniteValues() {
    final float[] v = {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, 3e-20f, 7f, 8f};
    final byte[] bytes = PackedFloats.encode(v, 0, 8);
    assertThat(bytes).hasSize(32);
    assertThat(bytes[0]).isEqualTo((byte) 0x00); // 1.5f = 0x3FC00000, little-endian
    assertThat(bytes[3]).isEqualTo((byte) 0x3F);
    final float[] out = new float[10];
    final ByteBuffer in = ByteBuffer.wrap(bytes);
    assertThat(PackedFloats.decode(in, out, 2, 8)).isTrue();
    assertThat(in.position()).isZero();
    for (int j = 0; j < 8; j++) {
      assertThat(out[2 + j]).isEqualTo(v[j]);
    }
    assertThat(PackedFloats.decode(ByteBuffer.wrap(new byte[31]), out, 0, 8)).isFalse();
    assertThat(PackedFloats.decode(ByteBuffer.wrap(new byte[36]), out, 0, 8)).isFalse();
    final float[] bad = v.clone();
    bad[5] = Float.NEGATIVE_INFINITY;
    assertThat(PackedFloats.decode(ByteBuffer.wrap(PackedFloats.encode(bad, 0, 8)), out, 0, 8)).isFalse();
  }
}
