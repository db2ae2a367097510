package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import dev.trawl.filter.ItemAttributes;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.Test;

/** The event layout round-trips, and every malformed record is rejected with its own defect. */
class PostEventCodecTest {
  private static final int DIM = 8;

  private final PostEventDecoder decoder = new PostEventDecoder(DIM);
  private final PostEvent event = new PostEvent(DIM);

  private static float[] vector(long seed) {
    final SplittableRandom random = new SplittableRandom(seed);
    final float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static byte[] validUpsert() {
    return PostEventEncoder.upsert(
        3, 1234L, new ItemAttributes().author(5).community(6).language(7).flags(9L), vector(1));
  }

  @Test
  void upsertRoundTripsEveryField() {
    final float[] v = vector(7);
    final ItemAttributes attrs = new ItemAttributes().author(-11).community(22).language(33);
    attrs.flag(0).flag(63);
    final byte[] value = PostEventEncoder.upsert(Long.MAX_VALUE, 1_767_225_600_000L, attrs, v);
    assertThat(value).hasSize(EventFormat.upsertBytes(DIM));

    assertThat(decoder.decode(PostEventEncoder.key(-42L), value, event))
        .isEqualTo(EventDefect.NONE);
    assertThat(event.id()).isEqualTo(-42L);
    assertThat(event.op()).isEqualTo(EventFormat.UPSERT);
    assertThat(event.version()).isEqualTo(Long.MAX_VALUE);
    assertThat(event.createdAt()).isEqualTo(1_767_225_600_000L);
    assertThat(event.vector()).containsExactly(v);
    assertThat(event.attributes().author()).isEqualTo(-11);
    assertThat(event.attributes().community()).isEqualTo(22);
    assertThat(event.attributes().language()).isEqualTo(33);
    assertThat(event.attributes().flags()).isEqualTo(1L | (1L << 63));
  }

  @Test
  void upsertWithoutAttributesDecodesAsUnset() {
    final byte[] value = PostEventEncoder.upsert(1, 0, null, vector(2));
    assertThat(decoder.decode(PostEventEncoder.key(1), value, event)).isEqualTo(EventDefect.NONE);
    assertThat(event.attributes().author()).isEqualTo(ItemAttributes.NONE);
    assertThat(event.attributes().community()).isEqualTo(ItemAttributes.NONE);
    assertThat(event.attributes().language()).isEqualTo(ItemAttributes.NONE);
    assertThat(event.attributes().flags()).isZero();
  }

  @Test
  void removeRoundTripsAndClearsTheHoldersAttributes() {
    decoder.decode(PostEventEncoder.key(9), validUpsert(), event);
    final byte[] value = PostEventEncoder.remove(-5);
    assertThat(value).hasSize(EventFormat.REMOVE_BYTES);
    assertThat(decoder.decode(PostEventEncoder.key(9), value, event)).isEqualTo(EventDefect.NONE);
    assertThat(event.op()).isEqualTo(EventFormat.REMOVE);
    assertThat(event.version()).isEqualTo(-5);
    assertThat(event.attributes().author()).isEqualTo(ItemAttributes.NONE);
  }

  @Test
  void valueLayoutIsLittleEndianAtTheDocumentedOffsets() {
    final float[] v = vector(3);
    final byte[] value =
        PostEventEncoder.upsert(0x0102030405060708L, 77, new ItemAttributes().author(5), v);
    final ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.get(0)).isEqualTo((byte) 0x54);
    assertThat(b.get(1)).isEqualTo((byte) 1);
    assertThat(b.get(2)).isEqualTo((byte) 1);
    assertThat(b.get(3)).isZero();
    assertThat(b.getLong(4)).isEqualTo(0x0102030405060708L);
    assertThat(b.getLong(12)).isEqualTo(77);
    assertThat(b.getLong(20)).isEqualTo(5);
    assertThat(b.getLong(28)).isEqualTo(Long.MIN_VALUE);
    assertThat(b.getInt(52)).isEqualTo(DIM);
    for (int i = 0; i < DIM; i++) {
      assertThat(b.getFloat(56 + 4 * i)).isEqualTo(v[i]);
    }
  }

  @Test
  void keyIsKafkasLongSerializerEncoding() {
    try (LongSerializer ser = new LongSerializer();
        LongDeserializer de = new LongDeserializer()) {
      assertThat(PostEventEncoder.key(0x1122334455667788L))
          .containsExactly(ser.serialize("t", 0x1122334455667788L));
      assertThat(de.deserialize("t", PostEventEncoder.key(-3L))).isEqualTo(-3L);
    }
    assertThat(PostEventEncoder.id(PostEventEncoder.key(123456789L))).isEqualTo(123456789L);
    assertThatThrownBy(() -> PostEventEncoder.id(new byte[4]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8 bytes");
  }

  @Test
  void encoderRefusesNoVersionAndWritesIntoCallerArrays() {
    assertThatThrownBy(() -> PostEventEncoder.remove(Long.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no version");
    final byte[] out = new byte[EventFormat.upsertBytes(DIM) + 10];
    assertThat(PostEventEncoder.upsert(4, 0, null, vector(4), out, 10))
        .isEqualTo(EventFormat.upsertBytes(DIM));
    assertThat(
            decoder.decode(PostEventEncoder.key(1), Arrays.copyOfRange(out, 10, out.length), event))
        .isEqualTo(EventDefect.NONE);
    assertThatThrownBy(() -> PostEventEncoder.upsert(4, 0, null, vector(4), new byte[20], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  // ------------------------------------------------------------------ every malformed case

  private EventDefect decode(byte[] key, byte[] value) {
    return decoder.decode(key, value, event);
  }

  private static byte[] with(byte[] value, int offset, byte b) {
    final byte[] copy = value.clone();
    copy[offset] = b;
    return copy;
  }

  @Test
  void keyProblemsAreRejected() {
    assertThat(decode(null, validUpsert())).isEqualTo(EventDefect.NULL_KEY);
    assertThat(decoder.reason(EventDefect.NULL_KEY)).contains("no key");
    assertThat(decode(new byte[] {'4', '2'}, validUpsert())).isEqualTo(EventDefect.KEY_LENGTH);
    assertThat(decoder.reason(EventDefect.KEY_LENGTH)).contains("key is 2 bytes, expected 8");
  }

  @Test
  void headerProblemsAreRejectedInOrder() {
    final byte[] key = PostEventEncoder.key(1);
    assertThat(decode(key, null)).isEqualTo(EventDefect.NULL_VALUE);
    assertThat(decode(key, new byte[11])).isEqualTo(EventDefect.TOO_SHORT);
    assertThat(decoder.reason(EventDefect.TOO_SHORT)).contains("11 bytes");
    assertThat(decode(key, with(validUpsert(), 0, (byte) 0x7B))).isEqualTo(EventDefect.BAD_MAGIC);
    assertThat(decoder.reason(EventDefect.BAD_MAGIC)).contains("0x7b");
    assertThat(decode(key, with(validUpsert(), 1, (byte) 2))).isEqualTo(EventDefect.LAYOUT_VERSION);
    assertThat(decoder.reason(EventDefect.LAYOUT_VERSION)).contains("layout version 2");
    assertThat(decode(key, with(validUpsert(), 2, (byte) 3))).isEqualTo(EventDefect.UNKNOWN_OP);
    assertThat(decoder.reason(EventDefect.UNKNOWN_OP)).contains("op 3");
    assertThat(decode(key, with(validUpsert(), 2, (byte) 0))).isEqualTo(EventDefect.UNKNOWN_OP);
    assertThat(decode(key, with(validUpsert(), 3, (byte) 1))).isEqualTo(EventDefect.RESERVED_BYTE);
    final byte[] noVersion = validUpsert();
    ByteBuffer.wrap(noVersion).order(ByteOrder.LITTLE_ENDIAN).putLong(4, Long.MIN_VALUE);
    assertThat(decode(key, noVersion)).isEqualTo(EventDefect.NO_VERSION);
    final byte[] text = "{\"op\":\"upsert\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(decode(key, text)).isEqualTo(EventDefect.BAD_MAGIC);
  }

  @Test
  void lengthProblemsAreRejected() {
    final byte[] key = PostEventEncoder.key(1);
    assertThat(decode(key, Arrays.copyOf(PostEventEncoder.remove(2), 13)))
        .isEqualTo(EventDefect.LENGTH);
    assertThat(decoder.reason(EventDefect.LENGTH)).contains("REMOVE value is 12 bytes, got 13");
    assertThat(decode(key, Arrays.copyOf(validUpsert(), 40))).isEqualTo(EventDefect.LENGTH);
    assertThat(decoder.reason(EventDefect.LENGTH)).contains("at least 56 bytes, got 40");
    final byte[] truncated = Arrays.copyOf(validUpsert(), EventFormat.upsertBytes(DIM) - 3);
    assertThat(decode(key, truncated)).isEqualTo(EventDefect.LENGTH);
    assertThat(decoder.reason(EventDefect.LENGTH)).contains("declaring dimension 8 is 88 bytes");
    final byte[] negative = validUpsert();
    ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(52, -1);
    assertThat(decode(key, negative)).isEqualTo(EventDefect.LENGTH);
    final byte[] huge = validUpsert();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(52, Integer.MAX_VALUE);
    assertThat(decode(key, huge)).isEqualTo(EventDefect.LENGTH);
  }

  @Test
  void wrongDimensionIsRejectedWithBoth() {
    final byte[] value = PostEventEncoder.upsert(1, 0, null, new float[DIM + 1]);
    assertThat(decode(PostEventEncoder.key(1), value)).isEqualTo(EventDefect.DIMENSION);
    assertThat(decoder.reason(EventDefect.DIMENSION))
        .isEqualTo("the vector has dimension 9, the index has 8");
  }

  @Test
  void nanAndInfiniteComponentsAreRejectedWithTheirPosition() {
    final float[] v = vector(5);
    v[6] = Float.NaN;
    assertThat(decode(PostEventEncoder.key(1), PostEventEncoder.upsert(1, 0, null, v)))
        .isEqualTo(EventDefect.NOT_FINITE);
    assertThat(decoder.reason(EventDefect.NOT_FINITE)).contains("component 6 is NaN");
    v[6] = 0;
    v[0] = Float.NEGATIVE_INFINITY;
    assertThat(decode(PostEventEncoder.key(1), PostEventEncoder.upsert(1, 0, null, v)))
        .isEqualTo(EventDefect.NOT_FINITE);
    assertThat(decoder.reason(EventDefect.NOT_FINITE)).contains("component 0 is -Infinity");
  }

  @Test
  void everyDefectHasAReason() {
    for (EventDefect d : EventDefect.values()) {
      assertThat(decoder.reason(d)).isNotBlank();
    }
  }

  @Test
  void randomBytesNeverThrowAndAreNeverValidUpserts() {
    final SplittableRandom random = new SplittableRandom(11);
    final byte[] key = PostEventEncoder.key(1);
    for (int i = 0; i < 20_000; i++) {
      final byte[] value = new byte[random.nextInt(0, 120)];
      for (int j = 0; j < value.length; j++) {
        value[j] = (byte) random.nextInt(256);
      }
      if (random.nextBoolean() && value.length > 2) {
        value[0] = EventFormat.MAGIC; // get past the magic more often
        value[1] = EventFormat.LAYOUT_VERSION;
      }
      final EventDefect defect = decode(key, value);
      assertThat(decoder.reason(defect)).isNotBlank();
      if (defect == EventDefect.NONE) {
        assertThat(value.length).isIn(EventFormat.REMOVE_BYTES, EventFormat.upsertBytes(DIM));
      }
    }
  }

  @Test
  void decodingAllocatesNothingWhileAnEncodeDoes() {
    final ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    final long thread = Thread.currentThread().getId();
    final byte[] key = PostEventEncoder.key(77);
    final byte[] upsert = validUpsert();
    final byte[] remove = PostEventEncoder.remove(4);
    final byte[] poison = with(upsert, 2, (byte) 9);
    long sink = 0;
    for (int i = 0; i < 20_000; i++) { // warm up: compiled code, no lazy allocation left
      sink +=
          decoder.decode(key, upsert, event).ordinal()
              + decoder.decode(key, remove, event).ordinal();
      sink += decoder.decode(key, poison, event).ordinal();
    }
    final long before = mx.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 10_000; i++) {
      sink +=
          decoder.decode(key, upsert, event).ordinal()
              + decoder.decode(key, remove, event).ordinal();
      sink += decoder.decode(key, poison, event).ordinal();
    }
    final long decoding = mx.getThreadAllocatedBytes(thread) - before;

    final long before2 = mx.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 100; i++) {
      sink += PostEventEncoder.remove(i).length; // positive control: 100 new arrays
    }
    final long encoding = mx.getThreadAllocatedBytes(thread) - before2;

    assertThat(sink).isPositive();
    assertThat(decoding).as("bytes allocated by 30,000 decodes").isZero();
    assertThat(encoding).as("bytes allocated by 100 encodes").isGreaterThanOrEqualTo(100 * 16);
  }
}
