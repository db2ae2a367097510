package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * 1,000 poison records of every kind, mixed into a valid stream (many under the keys of real posts,
 * with versions that would win if applied): every one lands in the dead-letter topic with its
 * defect and reason in headers and its bytes unchanged, the consumer never stops, and the index
 * ends exactly as the valid events alone make it.
 */
class PoisonMessagesTest {
  private static final int DIM = 16;
  private static final int POISON = 1_000;

  /** Every defect a record can have, and a record that has it. */
  private static final EventDefect[] KINDS = {
    EventDefect.NULL_KEY,
    EventDefect.KEY_LENGTH,
    EventDefect.NULL_VALUE,
    EventDefect.TOO_SHORT,
    EventDefect.BAD_MAGIC,
    EventDefect.LAYOUT_VERSION,
    EventDefect.UNKNOWN_OP,
    EventDefect.RESERVED_BYTE,
    EventDefect.NO_VERSION,
    EventDefect.LENGTH,
    EventDefect.DIMENSION,
    EventDefect.NOT_FINITE,
    EventDefect.REJECTED
  };

  @Test
  void poisonGoesToTheDeadLetterTopicAndLeavesTheIndexAsTheValidEventsMakeIt() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "poison";
    broker.createTopic(topic, 3);
    final float[][] rows = randomRows(2_000, 5);
    final StreamPlan plan =
        StreamPlan.builder(rows.length)
            .removeEvery(9)
            .updateEvery(4)
            .duplicateEvery(11)
            .shuffleWindow(20)
            .seed(6)
            .build();

    final SplittableRandom random = new SplittableRandom(77);
    final Map<String, EventDefect> expected = new HashMap<>();
    final EnumMap<EventDefect, Integer> kinds = new EnumMap<>(EventDefect.class);
    final Map<String, byte[][]> sentBytes = new HashMap<>();
    final Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      final List<Future<RecordMetadata>> poison = new ArrayList<>();
      final List<EventDefect> poisonKinds = new ArrayList<>();
      final List<byte[][]> poisonBytes = new ArrayList<>();
      final List<Future<RecordMetadata>> valid = new ArrayList<>();
      final float[] vector = new float[DIM];
      final float[] scratch = new float[DIM];
      final ItemAttributes attrs = new ItemAttributes();
      int sentPoison = 0;
      for (int i = 0; i < plan.size(); i++) {
        while (sentPoison < POISON && random.nextInt(plan.size()) < POISON) {
          final EventDefect kind = KINDS[sentPoison % KINDS.length];
          final long victim = plan.id(random.nextInt(plan.size()));
          final byte[][] record = poisonRecord(kind, victim, random);
          poison.add(producer.send(new ProducerRecord<>(topic, record[0], record[1])));
          poisonKinds.add(kind);
          poisonBytes.add(record);
          sentPoison++;
        }
        final byte[] value;
        if (plan.op(i) == EventFormat.REMOVE) {
          value = PostEventEncoder.remove(plan.version(i));
        } else {
          plan.vector(
              i, (row, out) -> System.arraycopy(rows[row], 0, out, 0, DIM), scratch, vector);
          plan.attributes(i, attrs);
          value = PostEventEncoder.upsert(plan.version(i), plan.createdAt(i), attrs, vector);
        }
        valid.add(
            producer.send(new ProducerRecord<>(topic, PostEventEncoder.key(plan.id(i)), value)));
      }
      while (sentPoison < POISON) {
        final EventDefect kind = KINDS[sentPoison % KINDS.length];
        final byte[][] record = poisonRecord(kind, plan.id(0), random);
        poison.add(producer.send(new ProducerRecord<>(topic, record[0], record[1])));
        poisonKinds.add(kind);
        poisonBytes.add(record);
        sentPoison++;
      }
      producer.flush();
      for (Future<RecordMetadata> f : valid) {
        f.get(60, TimeUnit.SECONDS);
      }
      for (int i = 0; i < poison.size(); i++) {
        final RecordMetadata meta = poison.get(i).get(60, TimeUnit.SECONDS);
        final String where = meta.partition() + "/" + meta.offset();
        expected.put(where, poisonKinds.get(i));
        sentBytes.put(where, poisonBytes.get(i));
        kinds.merge(poisonKinds.get(i), 1, Integer::sum);
      }
    }
    assertThat(expected).hasSize(POISON);
    assertThat(kinds.keySet()).containsExactlyInAnyOrder(KINDS);

    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.COSINE).m(8).efConstruction(60).build();
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), topic)
            .groupId("poison")
            .index(index, SourcePositions.NONE)
            .applyThreads(2)
            .maxBatch(200)
            .build()) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == plan.size() + POISON, Duration.ofMinutes(3)))
          .as("%s", consumer.metrics())
          .isTrue();
      final ConsumerMetrics metrics = consumer.metrics();
      assertThat(metrics.deadLettered()).isEqualTo(POISON);
      assertThat(metrics.state()).isEqualTo(PostStreamConsumer.State.RUNNING);
      assertThat(consumer.deadLetterTopic()).isEqualTo("poison.dlq");
    }
    StreamFixture.assertEndState(
        index, StreamFixture.freshBuild(plan, rows, Metric.COSINE, 8, 60), plan);

    // every poison record is in the dead-letter topic once, unchanged, with its defect and reason
    final Map<String, EventDefect> seen = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(broker, "poison.dlq", POISON)) {
      final String where =
          header(r, PostStreamConsumer.HEADER_PARTITION)
              + "/"
              + header(r, PostStreamConsumer.HEADER_OFFSET);
      assertThat(header(r, PostStreamConsumer.HEADER_TOPIC)).isEqualTo(topic);
      final EventDefect defect = EventDefect.valueOf(header(r, PostStreamConsumer.HEADER_DEFECT));
      assertThat(defect).as("defect of %s", where).isEqualTo(expected.get(where));
      assertThat(header(r, PostStreamConsumer.HEADER_REASON)).isNotBlank();
      assertThat(r.key()).isEqualTo(sentBytes.get(where)[0]);
      assertThat(r.value()).isEqualTo(sentBytes.get(where)[1]);
      assertThat(seen.put(where, defect)).as("dead-lettered once: %s", where).isNull();
    }
    assertThat(seen).isEqualTo(expected);
  }

  /** A key and value with {@code kind}'s defect; keyed by {@code victim} where a key is valid. */
  private static byte[][] poisonRecord(EventDefect kind, long victim, SplittableRandom random) {
    final byte[] key = PostEventEncoder.key(victim);
    final float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) random.nextGaussian();
    }
    final byte[] upsert = PostEventEncoder.upsert(Long.MAX_VALUE, 0, null, v);
    switch (kind) {
      case NULL_KEY:
        return new byte[][] {null, upsert};
      case KEY_LENGTH:
        return new byte[][] {Long.toString(victim).getBytes(StandardCharsets.UTF_8), upsert};
      case NULL_VALUE:
        return new byte[][] {key, null};
      case TOO_SHORT:
        return new byte[][] {key, Arrays.copyOf(upsert, random.nextInt(12))};
      case BAD_MAGIC:
        return new byte[][] {
          key, "{\"op\":\"remove\",\"version\":9}".getBytes(StandardCharsets.UTF_8)
        };
      case LAYOUT_VERSION:
        return new byte[][] {key, with(upsert, 1, (byte) 2)};
      case UNKNOWN_OP:
        return new byte[][] {key, with(PostEventEncoder.remove(Long.MAX_VALUE), 2, (byte) 7)};
      case RESERVED_BYTE:
        return new byte[][] {key, with(PostEventEncoder.remove(Long.MAX_VALUE), 3, (byte) 1)};
      case NO_VERSION:
        {
          final byte[] value = PostEventEncoder.remove(1);
          ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).putLong(4, Long.MIN_VALUE);
          return new byte[][] {key, value};
        }
      case LENGTH:
        return new byte[][] {key, Arrays.copyOf(upsert, upsert.length - 1 - random.nextInt(8))};
      case DIMENSION:
        return new byte[][] {
          key, PostEventEncoder.upsert(Long.MAX_VALUE, 0, null, new float[DIM * 2])
        };
      case NOT_FINITE:
        v[random.nextInt(DIM)] = random.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
        return new byte[][] {key, PostEventEncoder.upsert(Long.MAX_VALUE, 0, null, v)};
      case REJECTED: // the zero vector has no direction under cosine
        return new byte[][] {key, PostEventEncoder.upsert(Long.MAX_VALUE, 0, null, new float[DIM])};
      default:
        throw new AssertionError(kind);
    }
  }

  private static byte[] with(byte[] value, int offset, byte b) {
    final byte[] copy = value.clone();
    copy[offset] = b;
    return copy;
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    final Header h = r.headers().lastHeader(name);
    assertThat(h).as("header %s", name).isNotNull();
    return new String(h.value(), StandardCharsets.UTF_8);
  }

  private static float[][] randomRows(int n, long seed) {
    final SplittableRandom random = new SplittableRandom(seed);
    final float[][] rows = new float[n][DIM];
    for (float[] row : rows) {
      for (int i = 0; i < DIM; i++) {
        row[i] = (float) random.nextGaussian();
      }
    }
    return rows;
  }

  /** Every record of {@code topic} (all partitions), expecting {@code count}. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(LocalBroker broker, String topic, int count) {
    final Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      final List<TopicPartition> parts = new ArrayList<>();
      consumer
          .partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (out.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // anything beyond count would be a duplicate: read a little longer to catch it
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }
}
