package dev.trawl.kafka;

import dev.trawl.filter.ItemAttributes;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes post events to a topic: a {@code KafkaProducer<byte[], byte[]>} with {@link
 * PostEventEncoder}, configured for a stream an index can trust: {@code acks=all} and idempotence
 * on (a retried batch is neither duplicated nor reordered within its partition), the post id as the
 * key (so every event of a post lands in one partition, in the order sent).
 *
 * <pre>{@code
 * try (PostEventPublisher out = PostEventPublisher.create("localhost:9092", "posts")) {
 *   out.upsert(postId, version, createdAtMillis, attrs.clear().author(a).community(c), embedding);
 *   out.remove(otherPostId, otherVersion);
 * }                                                   // close() flushes
 * }</pre>
 *
 * <p>Thread-safe (like the producer it wraps). Each send allocates the key and value arrays and the
 * producer's record.
 */
public final class PostEventPublisher implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  private PostEventPublisher(KafkaProducer<byte[], byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /** A publisher to {@code topic} on the cluster at {@code bootstrapServers} ("host:port,..."). */
  public static PostEventPublisher create(String bootstrapServers, String topic) {
    final Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return create(props, topic);
  }

  /**
   * A publisher to {@code topic} with the given producer settings; the serializers, {@code
   * acks=all} and idempotence are set here unless {@code properties} sets them.
   */
  public static PostEventPublisher create(Properties properties, String topic) {
    final Properties props = new Properties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.putAll(properties);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new PostEventPublisher(new KafkaProducer<>(props), topic);
  }

  /** Sends an UPSERT of post {@code id} (its whole state: vector and attributes, null for none). */
  public Future<RecordMetadata> upsert(
      long id, long version, long createdAt, ItemAttributes attributes, float[] vector) {
    return send(id, PostEventEncoder.upsert(version, createdAt, attributes, vector));
  }

  /** Sends a REMOVE of post {@code id}. */
  public Future<RecordMetadata> remove(long id, long version) {
    return send(id, PostEventEncoder.remove(version));
  }

  /** Sends an already encoded value under post {@code id}'s key. */
  public Future<RecordMetadata> send(long id, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, PostEventEncoder.key(id), value));
  }

  /** Blocks until every event sent so far is acknowledged (or failed). */
  public void flush() {
    producer.flush();
  }

  /** Flushes and closes the producer. */
  @Override
  public void close() {
    producer.close();
  }
}
