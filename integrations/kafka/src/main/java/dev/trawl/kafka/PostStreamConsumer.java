package dev.trawl.kafka;

import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Applies a Kafka topic of post events ({@link EventFormat}) to a {@link VectorIndex}, on its own
 * threads, so that every replica that consumes the topic ends up with the same live set, also after
 * a crash and restart.
 *
 * <pre>{@code
 * PostStreamConsumer consumer = PostStreamConsumer.builder("localhost:9092", "posts")
 *     .groupId("feed-replica-7")                      // one group per replica: commits only
 *     .snapshotDir(Path.of("/var/lib/feed/index"))    // DIR/latest.idx, loaded at start when present
 *     .newIndex(() -> VectorIndex.builder(384, Metric.COSINE).build())
 *     .snapshotEvery(Duration.ofMinutes(5))
 *     .build();
 * consumer.start();
 * VectorIndex index = consumer.index();               // search it while it is fed
 * ...
 * consumer.close();                                   // last batch applied, final snapshot written
 * }</pre>
 *
 * <h2>How it applies</h2>
 *
 * One polling thread assigns the topic's partitions (all, or the subset given to {@link
 * Builder#partitions}) with {@code assign}, never a group subscription: each replica must see every
 * event of its partitions, so replicas never share them through a consumer group. Each poll is a
 * batch. Its records are routed by post id to {@link Builder#applyThreads} appliers (the polling
 * thread is one of them), which decode them and call the index's versioned {@link
 * VectorIndex#upsert(long, long, float[], dev.trawl.filter.ItemAttributes)} and {@link
 * VectorIndex#remove(long, long)}; a redelivered or reordered event comes back STALE and changes
 * nothing. Poison records (see {@link EventDefect}) go to the dead-letter topic, with the defect
 * and a sentence in headers, and are counted; they never change the index nor stop the consumer.
 * Only when the whole batch is applied and its dead letters are acknowledged does the consumer
 * advance its positions and commit them ({@code commitAsync}, for monitoring tools; positions are
 * never read back from the group, see below). With {@link Builder#yieldWhile}, an apply thread
 * waits before each event while the host says it is busy (bounded per event), so a service's
 * requests get the CPU before the stream.
 *
 * <h2>Snapshots and restart</h2>
 *
 * With a {@link Builder#snapshotDir}, the polling thread writes {@code DIR/latest.idx} every {@link
 * Builder#snapshotEvery} and on {@link #close()}, between batches, while no apply thread runs: the
 * snapshot is an exact cut of the index after a batch, and it stores each partition's next offset
 * ({@link SourcePositions}). The write is atomic (a complete old or new file, never a torn one). At
 * start, {@link Builder#newIndex} loads {@code latest.idx} when it is there and seeks every
 * partition to its stored offset (partitions it has no offset for start at the beginning of the
 * log). Because writes are idempotent and ordered by version, replaying events the snapshot already
 * holds changes nothing, so snapshot + replay equals an uninterrupted run, wherever the previous
 * process died. Without a snapshot the index is new and every partition starts at the beginning.
 * The consumer never starts from committed offsets: an index held in memory has nothing from before
 * its snapshot. {@code auto.offset.reset} is {@code none}: if a stored position is no longer in the
 * log (retention deleted events the snapshot does not hold), the consumer fails ({@link
 * State#FAILED}) instead of silently skipping them.
 *
 * <h2>Thread-safety and allocation</h2>
 *
 * {@link #start}, {@link #close}, {@link #metrics}, {@link #positions} and {@link #state} may be
 * called from any thread. The index may be searched by any number of threads while it is fed; other
 * writers may write it too, but then snapshots are no longer exact cuts of the stream. Per event,
 * the consumer itself allocates nothing (the decoder and holder are reused per apply thread); the
 * Kafka client allocates each record and its arrays. Per batch it allocates a few small arrays and,
 * with several apply threads, one task per thread; poison records allocate their dead letter.
 */
public final class PostStreamConsumer implements AutoCloseable {
  /** The newest complete snapshot's file name in a snapshot directory. */
  public static final String LATEST = "latest.idx";

  /** Dead-letter header: the {@link EventDefect} name. */
  public static final String HEADER_DEFECT = "trawl.defect";

  /** Dead-letter header: a sentence saying what is wrong. */
  public static final String HEADER_REASON = "trawl.reason";

  /** Dead-letter header: the source topic. */
  public static final String HEADER_TOPIC = "trawl.source.topic";

  /** Dead-letter header: the source partition, as decimal text. */
  public static final String HEADER_PARTITION = "trawl.source.partition";

  /** Dead-letter header: the source offset, as decimal text. */
  public static final String HEADER_OFFSET = "trawl.source.offset";

  /** Where a consumer is in its life. */
  public enum State {
    /** Built, not started. */
    NEW,
    /** Started: connecting, finding partitions, seeking. */
    STARTING,
    /** Polling and applying. */
    RUNNING,
    /** Closed cleanly: the last batch applied, the final snapshot written. */
    CLOSED,
    /**
     * Stopped by an error it cannot get past ({@link #failure()}); the index holds every batch
     * applied.
     */
    FAILED
  }

  private static final System.Logger LOG = System.getLogger(PostStreamConsumer.class.getName());

  private final VectorIndex index;
  private final String topic;
  private final String deadLetterTopic;
  private final Properties consumerProperties;
  private final Properties producerProperties;
  private final boolean commits;
  private final int[] requestedPartitions;
  private final int applyThreads;
  private final Path snapshotDir;
  private final long snapshotEveryNanos;
  private final SourcePositions startPositions;
  private final Duration pollTimeout;
  private final PostEventListener listener;
  private final HostYield hostYield; // null: the stream does not yield
  private final Thread thread;
  private final CountDownLatch done = new CountDownLatch(1);

  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong stale = new AtomicLong();
  private final AtomicLong absent = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong listenerFailures = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong snapshots = new AtomicLong();
  private final AtomicLong snapshotFailures = new AtomicLong();
  private final AtomicLong commitFailures = new AtomicLong();
  private final Recorder applyRecorder = new Recorder(3);
  private final Object histogramLock = new Object();
  private Histogram applyTotal; // guarded by histogramLock
  private Histogram applyInterval; // guarded by histogramLock

  private volatile State state = State.NEW;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private volatile KafkaConsumer<byte[], byte[]> liveConsumer;
  // published per batch by the polling thread: replaced, never mutated after publication
  private volatile int[] publishedPartitions = new int[0];
  private volatile long[] publishedPositions = new long[0];
  private volatile long[] publishedLags = new long[0];

  // confined to the polling thread
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private TopicPartition[] partitions;
  private long[] next;
  private BatchApplier[] appliers;
  private ExecutorService pool;

  @SuppressWarnings("unchecked")
  private ConsumerRecord<byte[], byte[]>[] batch = new ConsumerRecord[0];

  private PostStreamConsumer(Builder b, VectorIndex index, SourcePositions start) {
    this.index = index;
    this.topic = b.topic;
    this.deadLetterTopic = b.deadLetterTopic != null ? b.deadLetterTopic : b.topic + ".dlq";
    this.requestedPartitions = b.partitions;
    this.applyThreads = b.applyThreads;
    this.hostYield = b.hostBusy == null ? null : new HostYield(b.hostBusy, b.maxHold.toNanos());
    this.snapshotDir = b.snapshotDir;
    this.snapshotEveryNanos = b.snapshotEvery.toNanos();
    this.startPositions = start;
    this.pollTimeout = b.pollTimeout;
    this.listener = b.listener;
    this.commits = b.groupId != null;

    final Properties c = new Properties();
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(b.maxBatch));
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "trawl-" + b.topic);
    c.putAll(b.kafka);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
    if (b.groupId != null) {
      c.put(ConsumerConfig.GROUP_ID_CONFIG, b.groupId);
    }
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    this.consumerProperties = c;

    final Properties p = new Properties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "trawl-" + b.topic + "-dlq");
    p.putAll(b.kafkaProducer);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    this.producerProperties = p;

    this.thread = new Thread(this::run, "trawl-kafka-" + b.topic);
    this.thread.setDaemon(true);
    synchronized (histogramLock) {
      this.applyTotal = new Histogram(3);
    }
  }

  /**
   * Starts a builder for a consumer of {@code topic} on the cluster at {@code bootstrapServers}.
   */
  public static Builder builder(String bootstrapServers, String topic) {
    return new Builder(bootstrapServers, topic);
  }

  /** The index this consumer feeds (loaded from the snapshot directory or given to the builder). */
  public VectorIndex index() {
    return index;
  }

  /** The positions the consumer started from (from the snapshot, the builder, or none). */
  public SourcePositions startPositions() {
    return startPositions;
  }

  /** The topic consumed. */
  public String topic() {
    return topic;
  }

  /** The dead-letter topic. */
  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /** Starts the polling thread (and apply threads); returns at once. */
  public synchronized void start() {
    if (state != State.NEW) {
      throw new IllegalStateException("already started (state " + state + ")");
    }
    state = State.STARTING;
    thread.start();
  }

  /** The consumer's state. */
  public State state() {
    return state;
  }

  /** Why the consumer stopped, when {@link #state()} is FAILED; otherwise null. */
  public Throwable failure() {
    return failure;
  }

  /**
   * The next offset to apply per assigned partition, after the last applied batch (partitions with
   * no record applied yet are left out). Allocates the result.
   */
  public SourcePositions positions() {
    final int[] parts = publishedPartitions;
    final long[] pos = publishedPositions;
    final SourcePositions.Builder b = SourcePositions.builder();
    for (int i = 0; i < parts.length && i < pos.length; i++) {
      if (pos[i] >= 0) {
        b.put(topic, parts[i], pos[i]);
      }
    }
    return b.build();
  }

  /** A snapshot of the counters, positions, lags and apply latencies. */
  public ConsumerMetrics metrics() {
    final Histogram latencies;
    synchronized (histogramLock) {
      applyInterval = applyRecorder.getIntervalHistogram(applyInterval);
      applyTotal.add(applyInterval);
      latencies = applyTotal.copy();
    }
    final int[] parts = publishedPartitions;
    final long[] pos = publishedPositions;
    final long[] lags = publishedLags;
    return new ConsumerMetrics(
        state,
        applied.get(),
        stale.get(),
        absent.get(),
        deadLettered.get(),
        listenerFailures.get(),
        batches.get(),
        snapshots.get(),
        snapshotFailures.get(),
        commitFailures.get(),
        hostYield == null ? 0 : hostYield.heldEvents(),
        hostYield == null ? 0 : hostYield.expiredHolds(),
        hostYield == null ? 0 : hostYield.heldNanos(),
        parts.clone(),
        Arrays.copyOf(pos, parts.length),
        Arrays.copyOf(lags, parts.length),
        latencies);
  }

  /**
   * Stops the consumer: the batch in progress is finished, dead letters flushed, the final snapshot
   * written (with a snapshot directory) and offsets committed. Waits for all of it; idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.NEW) {
        state = State.CLOSED;
        return;
      }
    }
    stopping = true;
    if (hostYield != null) {
      hostYield.release();
    }
    final KafkaConsumer<byte[], byte[]> c = liveConsumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until {@code predicate} holds for the metrics or the consumer stops; for tests and tools.
   *
   * @return whether the predicate held before {@code timeout}
   */
  public boolean await(java.util.function.Predicate<ConsumerMetrics> predicate, Duration timeout)
      throws InterruptedException {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      final ConsumerMetrics m = metrics();
      if (predicate.test(m)) {
        return true;
      }
      if (m.state() == State.FAILED || m.state() == State.CLOSED || System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------ the polling thread

  private void run() {
    try {
      consumer = new KafkaConsumer<>(consumerProperties);
      liveConsumer = consumer;
      producer = new KafkaProducer<>(producerProperties);
      appliers = new BatchApplier[applyThreads];
      for (int i = 0; i < applyThreads; i++) {
        appliers[i] = new BatchApplier(index, listener, applyRecorder, hostYield);
      }
      if (applyThreads > 1) {
        final AtomicInteger n = new AtomicInteger();
        pool =
            Executors.newFixedThreadPool(
                applyThreads - 1,
                r -> {
                  final Thread t = new Thread(r, "trawl-kafka-apply-" + n.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
      }
      if (!assignAndSeek()) {
        shutDown(false);
        return;
      }
      state = State.RUNNING;
      long lastSnapshot = System.nanoTime();
      while (!stopping) {
        final ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(pollTimeout);
        } catch (WakeupException e) {
          break;
        } catch (OffsetOutOfRangeException e) {
          throw new IllegalStateException(
              "positions "
                  + e.offsetOutOfRangePartitions()
                  + " are no longer in the log of "
                  + topic
                  + " (retention deleted events the index does not hold, or the topic was"
                  + " recreated); replaying cannot make the index whole: rebuild it from the"
                  + " beginning of a complete topic",
              e);
        }
        if (!records.isEmpty()) {
          applyBatch(records);
        }
        publishLags();
        if (snapshotDir != null && System.nanoTime() - lastSnapshot >= snapshotEveryNanos) {
          writeSnapshot();
          lastSnapshot = System.nanoTime();
        }
      }
      shutDown(true);
    } catch (WakeupException e) {
      shutDown(true);
    } catch (Throwable t) {
      failure = t;
      state = State.FAILED;
      LOG.log(System.Logger.Level.ERROR, "consumer of " + topic + " failed; it has stopped", t);
      shutDown(false);
    }
  }

  /**
   * Finds the partitions, assigns them and seeks each to its start; false when closed meanwhile.
   */
  private boolean assignAndSeek() {
    List<PartitionInfo> infos = List.of();
    while (!stopping) {
      try {
        infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        infos = List.of();
      }
      if (infos != null && !infos.isEmpty()) {
        break;
      }
      LOG.log(System.Logger.Level.INFO, "waiting for topic " + topic + " to exist");
      sleepQuietly(500);
    }
    if (stopping) {
      return false;
    }
    final int count = infos.size();
    final int[] numbers;
    if (requestedPartitions == null) {
      numbers = new int[count];
      for (int i = 0; i < count; i++) {
        numbers[i] = infos.get(i).partition();
      }
      Arrays.sort(numbers);
    } else {
      numbers = requestedPartitions.clone();
      for (int p : numbers) {
        if (p >= count) {
          throw new IllegalArgumentException(
              "partition " + p + " does not exist: topic " + topic + " has " + count);
        }
      }
    }
    partitions = new TopicPartition[numbers.length];
    next = new long[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      partitions[i] = new TopicPartition(topic, numbers[i]);
    }
    consumer.assign(Arrays.asList(partitions));
    final List<TopicPartition> fromStart = new ArrayList<>();
    for (int i = 0; i < partitions.length; i++) {
      final long stored = startPositions.offset(topic, numbers[i]);
      if (stored >= 0) {
        consumer.seek(partitions[i], stored);
        next[i] = stored;
      } else {
        fromStart.add(partitions[i]);
        next[i] = -1;
      }
    }
    if (!fromStart.isEmpty()) {
      consumer.seekToBeginning(fromStart);
    }
    publishedPartitions = numbers;
    publishedPositions = next.clone();
    final long[] lags = new long[numbers.length];
    Arrays.fill(lags, -1);
    publishedLags = lags;
    return true;
  }

  private void applyBatch(ConsumerRecords<byte[], byte[]> records) throws Exception {
    final int count = records.count();
    if (batch.length < count) {
      batch = Arrays.copyOf(batch, Math.max(count, batch.length * 2));
    }
    int n = 0;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      batch[n++] = r;
    }
    for (BatchApplier a : appliers) {
      a.reset();
    }
    if (applyThreads == 1) {
      appliers[0].apply(batch, count, 0, 1);
    } else {
      final List<Future<?>> tasks = new ArrayList<>(applyThreads - 1);
      for (int w = 1; w < applyThreads; w++) {
        final int self = w;
        tasks.add(pool.submit(() -> appliers[self].apply(batch, count, self, applyThreads)));
      }
      appliers[0].apply(batch, count, 0, applyThreads);
      for (Future<?> task : tasks) {
        try {
          task.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("an apply thread failed", e.getCause());
        }
      }
    }
    sendDeadLetters();
    long a = 0;
    long s = 0;
    long ab = 0;
    long lf = 0;
    long dl = 0;
    for (BatchApplier applier : appliers) {
      a += applier.applied;
      s += applier.stale;
      ab += applier.absent;
      lf += applier.listenerFailures;
      dl += applier.poison.size();
    }
    // the batch is applied and its dead letters are durable: advance, publish, commit
    final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (int i = 0; i < partitions.length; i++) {
      final List<ConsumerRecord<byte[], byte[]>> part = records.records(partitions[i]);
      if (!part.isEmpty()) {
        next[i] = part.get(part.size() - 1).offset() + 1;
        commit.put(partitions[i], new OffsetAndMetadata(next[i]));
      }
    }
    Arrays.fill(batch, 0, count, null);
    applied.addAndGet(a);
    stale.addAndGet(s);
    absent.addAndGet(ab);
    listenerFailures.addAndGet(lf);
    deadLettered.addAndGet(dl);
    batches.incrementAndGet();
    publishedPositions = next.clone();
    if (commits && !commit.isEmpty()) {
      consumer.commitAsync(
          commit,
          (offsets, e) -> {
            if (e != null) {
              commitFailures.incrementAndGet();
            }
          });
    }
  }

  /** Sends this batch's poison records and waits until every one is acknowledged, retrying. */
  private void sendDeadLetters() throws InterruptedException {
    List<BatchApplier.Poison> pending = new ArrayList<>();
    for (BatchApplier a : appliers) {
      pending.addAll(a.poison);
    }
    int attempt = 0;
    while (!pending.isEmpty()) {
      final List<Future<RecordMetadata>> sent = new ArrayList<>(pending.size());
      for (BatchApplier.Poison p : pending) {
        sent.add(producer.send(deadLetter(p)));
      }
      producer.flush();
      final List<BatchApplier.Poison> failed = new ArrayList<>();
      Exception last = null;
      for (int i = 0; i < sent.size(); i++) {
        try {
          sent.get(i).get();
        } catch (ExecutionException e) {
          failed.add(pending.get(i));
          last = e;
        }
      }
      if (!failed.isEmpty()) {
        attempt++;
        LOG.log(
            System.Logger.Level.WARNING,
            failed.size() + " dead letters not acknowledged (attempt " + attempt + "); retrying",
            last);
        if (stopping && attempt >= 3) {
          throw new IllegalStateException(
              "cannot write dead letters to " + deadLetterTopic + " while closing", last);
        }
        Thread.sleep(Math.min(5_000, 100L << Math.min(attempt, 6)));
      }
      pending = failed;
    }
  }

  private ProducerRecord<byte[], byte[]> deadLetter(BatchApplier.Poison p) {
    final ConsumerRecord<byte[], byte[]> r = p.record();
    final RecordHeaders headers = new RecordHeaders();
    for (Header h : r.headers()) {
      headers.add(h);
    }
    headers.add(HEADER_DEFECT, p.defect().name().getBytes(StandardCharsets.UTF_8));
    headers.add(HEADER_REASON, p.reason().getBytes(StandardCharsets.UTF_8));
    headers.add(HEADER_TOPIC, r.topic().getBytes(StandardCharsets.UTF_8));
    headers.add(HEADER_PARTITION, Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
    headers.add(HEADER_OFFSET, Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(deadLetterTopic, null, r.timestamp(), r.key(), r.value(), headers);
  }

  private void publishLags() {
    final long[] lags = new long[partitions.length];
    for (int i = 0; i < partitions.length; i++) {
      final OptionalLong lag = consumer.currentLag(partitions[i]);
      lags[i] = lag.isPresent() ? lag.getAsLong() : -1;
    }
    publishedLags = lags;
  }

  /**
   * Writes DIR/latest.idx with the positions after the last applied batch; failures are counted.
   */
  private void writeSnapshot() {
    final SourcePositions.Builder b = SourcePositions.builder();
    for (int i = 0; i < partitions.length; i++) {
      if (next[i] >= 0) {
        b.put(topic, partitions[i].partition(), next[i]);
      }
    }
    try {
      Files.createDirectories(snapshotDir);
      IndexSnapshot.write(index, snapshotDir.resolve(LATEST), b.build());
      snapshots.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      snapshotFailures.incrementAndGet();
      LOG.log(
          System.Logger.Level.WARNING,
          "snapshot to " + snapshotDir.resolve(LATEST) + " failed; the previous one stays",
          e);
    }
  }

  private void shutDown(boolean clean) {
    try {
      if (clean && partitions != null) {
        if (snapshotDir != null) {
          writeSnapshot();
        }
        if (commits) {
          final Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
          for (int i = 0; i < partitions.length; i++) {
            if (next[i] >= 0) {
              commit.put(partitions[i], new OffsetAndMetadata(next[i]));
            }
          }
          if (!commit.isEmpty()) {
            try {
              consumer.commitSync(commit, Duration.ofSeconds(10));
            } catch (WakeupException e) {
              // close()'s wakeup arrived after the last poll; it is consumed now: commit again
              commitFinal(commit);
            } catch (RuntimeException e) {
              commitFailures.incrementAndGet();
            }
          }
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
      if (producer != null) {
        producer.close(Duration.ofSeconds(10));
      }
      if (consumer != null) {
        consumer.close(Duration.ofSeconds(10));
      }
      liveConsumer = null;
      if (state != State.FAILED) {
        state = State.CLOSED;
      }
      done.countDown();
    }
  }

  private void commitFinal(Map<TopicPartition, OffsetAndMetadata> commit) {
    try {
      consumer.commitSync(commit, Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      commitFailures.incrementAndGet();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ builder

  /**
   * Options of a {@link PostStreamConsumer}. Not thread-safe; {@link #build} may load a snapshot.
   */
  public static final class Builder {
    private final String bootstrapServers;
    private final String topic;
    private String groupId;
    private String deadLetterTopic;
    private int[] partitions;
    private int applyThreads = 1;
    private int maxBatch = 500;
    private Path snapshotDir;
    private Duration snapshotEvery = Duration.ofMinutes(5);
    private Duration pollTimeout = Duration.ofMillis(200);
    private SourcePositions startPositions;
    private VectorIndex index;
    private Supplier<VectorIndex> newIndex;
    private PostEventListener listener = PostEventListener.NONE;
    private BooleanSupplier hostBusy;
    private Duration maxHold;
    private final Properties kafka = new Properties();
    private final Properties kafkaProducer = new Properties();

    private Builder(String bootstrapServers, String topic) {
      this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      this.topic = Objects.requireNonNull(topic, "topic");
      if (topic.isEmpty()) {
        throw new IllegalArgumentException("topic is empty");
      }
    }

    /**
     * The consumer group the applied positions are committed under (for lag monitoring with Kafka's
     * tools); give each replica its own. Null (the default) commits nothing.
     */
    public Builder groupId(String groupId) {
      this.groupId = groupId;
      return this;
    }

    /** Where poison records go; default {@code TOPIC.dlq}. */
    public Builder deadLetterTopic(String deadLetterTopic) {
      this.deadLetterTopic = Objects.requireNonNull(deadLetterTopic);
      return this;
    }

    /**
     * Consumes only these partitions (a shard); default all of the topic's partitions at start.
     *
     * @throws IllegalArgumentException for an empty list, a negative number or a repeat
     */
    public Builder partitions(int... partitions) {
      if (partitions.length == 0) {
        throw new IllegalArgumentException("at least one partition");
      }
      final int[] sorted = partitions.clone();
      Arrays.sort(sorted);
      for (int i = 0; i < sorted.length; i++) {
        if (sorted[i] < 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
          throw new IllegalArgumentException(
              "partitions must be distinct and non-negative: " + Arrays.toString(partitions));
        }
      }
      this.partitions = sorted;
      return this;
    }

    /** Threads applying each batch, the polling thread included (default 1). */
    public Builder applyThreads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("applyThreads must be in [1, 256], got " + threads);
      }
      this.applyThreads = threads;
      return this;
    }

    /** The most records per batch ({@code max.poll.records}, default 500). */
    public Builder maxBatch(int records) {
      if (records < 1) {
        throw new IllegalArgumentException("maxBatch must be positive, got " + records);
      }
      this.maxBatch = records;
      return this;
    }

    /**
     * Writes {@code DIR/latest.idx} periodically and on close; with {@link #newIndex}, loads it at
     * build when present.
     */
    public Builder snapshotDir(Path dir) {
      this.snapshotDir = Objects.requireNonNull(dir);
      return this;
    }

    /** How often to snapshot (default 5 minutes); with {@link #snapshotDir} only. */
    public Builder snapshotEvery(Duration every) {
      if (every.isNegative()) {
        throw new IllegalArgumentException("snapshotEvery must not be negative");
      }
      this.snapshotEvery = every;
      return this;
    }

    /** How long one poll waits for records (default 200 ms): bounds how late a close starts. */
    public Builder pollTimeout(Duration timeout) {
      this.pollTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Feeds this index, starting at {@code positions} (partitions without one start at the
     * beginning). Use for an index the host loaded itself; exclusive with {@link #newIndex}.
     */
    public Builder index(VectorIndex index, SourcePositions positions) {
      this.index = Objects.requireNonNull(index);
      this.startPositions = Objects.requireNonNull(positions);
      return this;
    }

    /**
     * Feeds the index of {@code DIR/latest.idx} from its stored positions when the snapshot
     * directory has one, otherwise {@code fresh.get()} from the beginning of every partition.
     */
    public Builder newIndex(Supplier<VectorIndex> fresh) {
      this.newIndex = Objects.requireNonNull(fresh);
      return this;
    }

    /** Told about every applied event (default none). */
    public Builder listener(PostEventListener listener) {
      this.listener = Objects.requireNonNull(listener);
      return this;
    }

    /**
     * Gives the host's requests the CPU before the stream. Before each event an apply thread asks
     * {@code busy} (for example "a feed request is in flight") and, while it answers true, waits,
     * asking again every 50 microseconds, for at most {@code maxHold}; then it applies the event
     * whatever {@code busy} says. A request then shares the cores with at most the insert under way
     * when it arrived, not with the stream; the stream catches up between requests, and the bound
     * keeps it moving under a load that never pauses (at least one event per {@code maxHold} per
     * apply thread, so the lag shows it). Default: no yielding.
     *
     * <p>{@code busy} is called from apply threads, often: it must be cheap, thread-safe and
     * allocation-free (an atomic counter read). If it throws, the event is applied at once. {@link
     * #close()} ends every wait. Counted in {@link ConsumerMetrics#heldEvents()}, {@link
     * ConsumerMetrics#expiredHolds()} and {@link ConsumerMetrics#heldNanos()}.
     *
     * @throws IllegalArgumentException when {@code maxHold} is not in (0, 10 s]
     */
    public Builder yieldWhile(BooleanSupplier busy, Duration maxHold) {
      Objects.requireNonNull(busy, "busy");
      Objects.requireNonNull(maxHold, "maxHold");
      if (maxHold.isNegative() || maxHold.isZero() || maxHold.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("maxHold must be in (0, 10 s], got " + maxHold);
      }
      this.hostBusy = busy;
      this.maxHold = maxHold;
      return this;
    }

    /**
     * Extra Kafka consumer settings (security, timeouts, fetch sizes). The deserializers, {@code
     * enable.auto.commit=false} and {@code auto.offset.reset=none} cannot be overridden.
     */
    public Builder kafkaProperty(String key, String value) {
      kafka.put(key, value);
      return this;
    }

    /** Extra settings of the dead-letter producer (security, timeouts). */
    public Builder kafkaProducerProperty(String key, String value) {
      kafkaProducer.put(key, value);
      return this;
    }

    /**
     * The consumer, not started. With {@link #newIndex} and a snapshot directory holding {@code
     * latest.idx}, loads it (checksums verified).
     *
     * @throws IOException when the snapshot exists but cannot be read (it is not ignored: starting
     *     over would silently need the whole log)
     * @throws IllegalStateException when neither or both of {@link #index} and {@link #newIndex}
     *     were given
     */
    public PostStreamConsumer build() throws IOException {
      if ((index == null) == (newIndex == null)) {
        throw new IllegalStateException("give exactly one of index(...) and newIndex(...)");
      }
      if (index != null) {
        return new PostStreamConsumer(this, index, startPositions);
      }
      if (snapshotDir != null) {
        removeStrayTempFiles(snapshotDir);
        final Path latest = snapshotDir.resolve(LATEST);
        if (Files.exists(latest)) {
          final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(latest);
          return new PostStreamConsumer(this, loaded.index(), loaded.positions());
        }
      }
      final VectorIndex fresh = Objects.requireNonNull(newIndex.get(), "newIndex supplied null");
      return new PostStreamConsumer(this, fresh, SourcePositions.NONE);
    }

    /** Deletes temporary files an interrupted snapshot write left (the target is never torn). */
    private static void removeStrayTempFiles(Path dir) throws IOException {
      if (!Files.isDirectory(dir)) {
        return;
      }
      try (DirectoryStream<Path> stray = Files.newDirectoryStream(dir, "." + LATEST + ".tmp*")) {
        for (Path p : stray) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
