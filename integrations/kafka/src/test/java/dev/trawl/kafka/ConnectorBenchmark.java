package dev.trawl.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.management.ThreadMXBean;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * The connector's benchmark harness (a plain main, run by {@code bin/benchmark}):
 *
 * <ul>
 *   <li>{@code codec}: bytes per event, decode time and bytes allocated per decode of the binary
 *       layout against JSON with a base64 little-endian float32 vector (Jackson's streaming
 *       parser), at the dataset's dimension.
 *   <li>{@code ingest}: events per second applied by {@link PostStreamConsumer} on 1 and 2 apply
 *       threads, from a topic filled beforehand with one create per row, as a ratio to the rate of
 *       {@link VectorIndex#add} on the same rows and thread count (M=16, efConstruction=200). Each
 *       configuration runs {@code --repetitions} times, alternating with its baseline; medians.
 *   <li>{@code search}: p99 latency of one searching thread (k=10, ef=64) while the consumer
 *       applies the second half of the rows on one thread, as a ratio to its p99 on the idle index
 *       holding the first half.
 * </ul>
 *
 * Options: {@code --mode codec|ingest|search|all} (default all), {@code --dataset sift|wordnet}
 * (default sift: siftsmall, 10,000 x 128, L2; wordnet: 20,000 x 384, cosine), {@code --rows N} (the
 * first N rows), {@code --repetitions R} (default 3), {@code --seconds S} per search phase (default
 * 10). It starts its own broker with {@code bin/local-kafka} in a temporary directory. Timings are
 * wall-clock and depend on the machine; the smoke test runs it on tiny inputs and checks only that
 * it completes and its counts add up.
 */
public final class ConnectorBenchmark {
  private final float[][] rows;
  private final float[][] queries;
  private final Metric metric;
  private final int repetitions;
  private final double searchSeconds;
  private final LocalBroker broker;

  /** The order rows are inserted in, by both the baseline and the topic: a seeded permutation. */
  private final int[] order;

  private int topics;

  private ConnectorBenchmark(
      float[][] rows,
      float[][] queries,
      Metric metric,
      int repetitions,
      double searchSeconds,
      LocalBroker broker) {
    this.rows = rows;
    this.queries = queries;
    this.metric = metric;
    this.repetitions = repetitions;
    this.searchSeconds = searchSeconds;
    this.broker = broker;
    // HNSW build cost depends on insertion order (a file's rows are often clustered); the topic's
    // partitions interleave the rows anyway, so both sides insert in one seeded random order
    this.order = new int[rows.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    final java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = order.length - 1; i > 0; i--) {
      final int j = random.nextInt(i + 1);
      final int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  public static void main(String[] args) throws Exception {
    String mode = "all";
    String dataset = "sift";
    int limit = Integer.MAX_VALUE;
    int repetitions = 3;
    double seconds = 10;
    for (int i = 0; i < args.length; i += 2) {
      final String value = args[i + 1];
      switch (args[i]) {
        case "--mode":
          mode = value;
          break;
        case "--dataset":
          dataset = value;
          break;
        case "--rows":
          limit = Integer.parseInt(value);
          break;
        case "--repetitions":
          repetitions = Integer.parseInt(value);
          break;
        case "--seconds":
          seconds = Double.parseDouble(value);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    final boolean sift = dataset.equals("sift");
    float[][] rows = sift ? TestData.siftBase() : TestData.wordnetBase();
    float[][] queries = sift ? TestData.siftQueries() : TestData.wordnetQueries();
    rows = Arrays.copyOf(rows, Math.min(limit, rows.length));
    queries = Arrays.copyOf(queries, Math.min(queries.length, 1_000));
    final Metric metric = sift ? Metric.L2 : Metric.COSINE;
    System.out.printf(
        Locale.ROOT,
        "dataset %s: %,d x %d, %s; %d processors; java %s%n",
        dataset,
        rows.length,
        rows[0].length,
        metric,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    final Path dir = Files.createTempDirectory("trawl-kafka-bench-");
    try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"))) {
      final ConnectorBenchmark bench =
          new ConnectorBenchmark(rows, queries, metric, repetitions, seconds, broker);
      if (mode.equals("codec") || mode.equals("all")) {
        bench.codec();
      }
      if (mode.equals("ingest") || mode.equals("all")) {
        bench.ingest(1);
        bench.ingest(2);
      }
      if (mode.equals("search") || mode.equals("all")) {
        bench.searchWhileIngesting();
      }
    } finally {
      LocalBroker.deleteTree(dir);
    }
  }

  // ------------------------------------------------------------------ codec

  /** Bytes and decode cost per event: binary layout vs JSON with a base64 vector. */
  void codec() throws IOException {
    final int n = Math.min(rows.length, 2_000);
    final ItemAttributes attrs =
        new ItemAttributes().author(123456).community(42).language(7).flags(5);
    final byte[][] binary = new byte[n][];
    final byte[][] json = new byte[n][];
    final JsonFactory factory = new JsonFactory();
    long binaryBytes = 0;
    long jsonBytes = 0;
    for (int i = 0; i < n; i++) {
      binary[i] = PostEventEncoder.upsert(1_000_000L + i, 1_767_225_600_000L + i, attrs, rows[i]);
      json[i] = jsonEvent(factory, 1_000_000L + i, 1_767_225_600_000L + i, attrs, rows[i]);
      binaryBytes += binary[i].length;
      jsonBytes += json[i].length;
    }
    final byte[] key = PostEventEncoder.key(1);
    final PostEventDecoder decoder = new PostEventDecoder(rows[0].length);
    final PostEvent event = new PostEvent(rows[0].length);
    final float[] jsonVector = new float[rows[0].length];
    final ItemAttributes jsonAttrs = new ItemAttributes();
    final ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    final long self = Thread.currentThread().getId();
    double binaryNs = 0;
    double jsonNs = 0;
    long binaryAlloc = 0;
    long jsonAlloc = 0;
    long sink = 0;
    final int rounds = 20;
    for (int round = 0; round < rounds; round++) {
      final boolean measured = round >= rounds / 2; // first half warms up
      long a0 = mx.getThreadAllocatedBytes(self);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sink += decoder.decode(key, binary[i], event).ordinal();
      }
      long t1 = System.nanoTime();
      long a1 = mx.getThreadAllocatedBytes(self);
      for (int i = 0; i < n; i++) {
        sink += decodeJson(factory, json[i], jsonVector, jsonAttrs);
      }
      long t2 = System.nanoTime();
      long a2 = mx.getThreadAllocatedBytes(self);
      if (measured) {
        binaryNs += t1 - t0;
        jsonNs += t2 - t1;
        binaryAlloc += a1 - a0;
        jsonAlloc += a2 - a1;
      }
    }
    final double decodes = (double) n * (rounds - rounds / 2);
    System.out.printf(
        Locale.ROOT,
        "codec (dimension %d, %,d events x %d rounds): binary %,.0f B/event, decode %.2f µs, %.0f B"
            + " allocated/decode; json+base64 %,.0f B/event, decode %.2f µs, %.0f B"
            + " allocated/decode (sink %d)%n",
        rows[0].length,
        n,
        rounds - rounds / 2,
        binaryBytes / (double) n,
        binaryNs / decodes / 1e3,
        binaryAlloc / decodes,
        jsonBytes / (double) n,
        jsonNs / decodes / 1e3,
        jsonAlloc / decodes,
        sink % 10);
  }

  private static byte[] jsonEvent(
      JsonFactory factory, long version, long createdAt, ItemAttributes a, float[] vector)
      throws IOException {
    final ByteBuffer floats = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : vector) {
      floats.putFloat(x);
    }
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("op", "upsert");
      g.writeNumberField("version", version);
      g.writeNumberField("created_at", createdAt);
      g.writeNumberField("author", a.author());
      g.writeNumberField("community", a.community());
      g.writeNumberField("language", a.language());
      g.writeNumberField("flags", a.flags());
      g.writeStringField("vector", Base64.getEncoder().encodeToString(floats.array()));
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /** Decodes a JSON event as a consumer would (fields into a holder, vector into a float[]). */
  private static int decodeJson(
      JsonFactory factory, byte[] json, float[] vector, ItemAttributes attrs) throws IOException {
    int op = 0;
    try (JsonParser p = factory.createParser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        final String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "op":
            op = p.getText().equals("upsert") ? 1 : 2;
            break;
          case "author":
            attrs.author(p.getLongValue());
            break;
          case "community":
            attrs.community(p.getLongValue());
            break;
          case "language":
            attrs.language(p.getLongValue());
            break;
          case "flags":
            attrs.flags(p.getLongValue());
            break;
          case "vector":
            {
              final byte[] raw = p.getBinaryValue(); // base64
              final ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
              for (int i = 0; i < vector.length; i++) {
                vector[i] = b.getFloat(4 * i);
              }
              break;
            }
          default:
            p.getLongValue();
        }
      }
    }
    return op;
  }

  // ------------------------------------------------------------------ ingest rate

  private VectorIndex newIndex() {
    return VectorIndex.builder(rows[0].length, metric)
        .m(16)
        .efConstruction(200)
        .expectedItems(rows.length)
        .build();
  }

  /** A topic holding one create per row {@code order[from, to)}, in that order. */
  private String fillTopic(int from, int to) throws Exception {
    final String topic = "bench-" + (topics++);
    broker.createTopic(topic, 4);
    final long[] ids = new long[to - from];
    final float[][] part = new float[to - from][];
    for (int i = from; i < to; i++) {
      ids[i - from] = order[i];
      part[i - from] = rows[order[i]];
    }
    final StreamPlan plan = StreamPlan.builder(to - from).ids(ids).build();
    StreamFixture.produce(broker.bootstrap(), topic, plan, part);
    return topic;
  }

  /** Seconds for {@code threads} threads to add every row to a new index. */
  private double[] addSeconds(int threads) throws InterruptedException {
    final VectorIndex index = newIndex();
    final Thread[] workers = new Thread[threads];
    final java.util.concurrent.atomic.AtomicLong cpu = new java.util.concurrent.atomic.AtomicLong();
    final long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      final int self = t;
      workers[t] =
          new Thread(
              () -> {
                for (int i = self; i < rows.length; i += threads) {
                  index.add(order[i], rows[order[i]]);
                }
                cpu.addAndGet(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
              });
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    if (index.size() != rows.length) {
      throw new AssertionError("added " + index.size() + " of " + rows.length);
    }
    return new double[] {seconds, cpu.get() / 1e9};
  }

  /**
   * CPU seconds used so far by the connector's threads: its polling and apply threads and the Kafka
   * clients' own threads (CPU time does not count the time a thread waits for a core, so it is far
   * less sensitive to other load on the machine than wall time).
   */
  private static double connectorCpuSeconds() {
    final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("trawl-kafka") || t.getName().startsWith("kafka-")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
      }
    }
    return sum / 1e9;
  }

  /**
   * Times a consumer on {@code threads} apply threads applying the whole topic: {seconds from
   * start() to the last event applied, seconds from the first batch applied to the last, events
   * after the first batch}. The second excludes start-up (connecting, metadata, seeking, first
   * fetch).
   */
  private double[] consumeSeconds(String topic, int threads) throws Exception {
    final VectorIndex index = newIndex();
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), topic)
            .index(index, SourcePositions.NONE)
            .applyThreads(threads)
            .pollTimeout(Duration.ofMillis(20))
            .build()) {
      final long start = System.nanoTime();
      consumer.start();
      long first = -1;
      long firstEvents = 0;
      double firstCpu = 0;
      final long deadline = start + 3_600_000_000_000L;
      while (true) {
        final ConsumerMetrics m = consumer.metrics();
        if (first < 0 && m.received() > 0) {
          first = System.nanoTime();
          firstEvents = m.received();
          firstCpu = connectorCpuSeconds();
        }
        if (m.received() == rows.length) {
          break;
        }
        if (m.state() != PostStreamConsumer.State.RUNNING
                && m.state() != PostStreamConsumer.State.STARTING
            || System.nanoTime() > deadline) {
          throw new AssertionError("not all events applied: " + m);
        }
        Thread.sleep(2);
      }
      final long end = System.nanoTime();
      if (index.size() != rows.length || consumer.metrics().applied() != rows.length) {
        throw new AssertionError("applied " + consumer.metrics());
      }
      final double cpu = connectorCpuSeconds();
      return new double[] {
        (end - start) / 1e9, (end - first) / 1e9, rows.length - firstEvents, cpu, cpu - firstCpu
      };
    }
  }

  void ingest(int threads) throws Exception {
    final String topic = fillTopic(0, rows.length);
    final double[] whole = new double[repetitions];
    final double[] steady = new double[repetitions];
    final double[] cpuRatio = new double[repetitions];
    final double[] steadyCpuRatio = new double[repetitions];
    final double[] addRates = new double[repetitions];
    final double[] rates = new double[repetitions];
    addSeconds(threads); // warm-up pair (JIT, page cache), not counted
    consumeSeconds(topic, threads);
    for (int r = 0; r < repetitions; r++) {
      // alternate which goes first, so a drift in the machine's load hits both alike
      final double[] add;
      final double[] consume;
      if (r % 2 == 0) {
        add = addSeconds(threads);
        consume = consumeSeconds(topic, threads);
      } else {
        consume = consumeSeconds(topic, threads);
        add = addSeconds(threads);
      }
      addRates[r] = rows.length / add[0];
      rates[r] = rows.length / consume[0];
      whole[r] = rates[r] / addRates[r];
      steady[r] = (consume[2] / consume[1]) / addRates[r];
      cpuRatio[r] = add[1] / consume[3];
      // CPU per event after the first batch (start-up excluded) against add's CPU per event
      steadyCpuRatio[r] = (add[1] / rows.length) / (consume[4] / consume[2]);
      System.out.printf(
          Locale.ROOT,
          "  run %d, %d thread(s): add %.2f s (%.2f s CPU); connector %.2f s (%.2f s for the %,.0f"
              + " events after its first batch; %.2f s CPU, %.2f s after it); ratio %.3f, steady"
              + " %.3f, CPU %.3f, steady CPU %.3f%n",
          r + 1, threads, add[0], add[1], consume[0], consume[1], consume[2], consume[3], consume[4],
          whole[r], steady[r], cpuRatio[r], steadyCpuRatio[r]);
    }
    System.out.printf(
        Locale.ROOT,
        "ingest, %d apply thread(s), M=16 efConstruction=200, %,d creates: index.add %,.0f/s,"
            + " connector %,.0f events/s; connector/add ratio %.3f (steady state %.3f); CPU per"
            + " event, add/connector, %.3f (steady state %.3f); medians of %d back-to-back pairs"
            + " after a warm-up pair%n",
        threads, rows.length, median(addRates), median(rates), median(whole), median(steady),
        median(cpuRatio), median(steadyCpuRatio), repetitions);
  }

  private static double median(double[] values) {
    final double[] sorted = values.clone();
    Arrays.sort(sorted);
    final int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  // ------------------------------------------------------------------ search while ingesting

  void searchWhileIngesting() throws Exception {
    final int half = rows.length / 2;
    final VectorIndex index = newIndex();
    for (int i = 0; i < half; i++) {
      index.add(order[i], rows[order[i]]);
    }
    final String topic = fillTopic(half, rows.length);
    final Histogram idle = new Histogram(3);
    final Histogram busy = new Histogram(3);
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    // warm-up, then the idle phase
    searchFor(searcher, results, 2.0, null, new AtomicBoolean(true));
    searchFor(searcher, results, searchSeconds, idle, new AtomicBoolean(true));
    final AtomicBoolean ingesting = new AtomicBoolean(true);
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), topic)
            .index(index, SourcePositions.NONE)
            .applyThreads(1)
            .build()) {
      final Thread watcher =
          new Thread(
              () -> {
                try {
                  consumer.await(m -> m.received() == rows.length - half, Duration.ofHours(1));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                ingesting.set(false);
              });
      consumer.start();
      watcher.start();
      searchFor(searcher, results, Double.MAX_VALUE, busy, ingesting);
      watcher.join();
    }
    System.out.printf(
        Locale.ROOT,
        "search k=10 ef=64, one thread: idle p50 %.0f µs p99 %.0f µs (%,d searches); while"
            + " ingesting %,d events on one apply thread p50 %.0f µs p99 %.0f µs (%,d searches);"
            + " p99 ratio %.2f%n",
        idle.getValueAtPercentile(50) / 1e3,
        idle.getValueAtPercentile(99) / 1e3,
        idle.getTotalCount(),
        rows.length - half,
        busy.getValueAtPercentile(50) / 1e3,
        busy.getValueAtPercentile(99) / 1e3,
        busy.getTotalCount(),
        busy.getValueAtPercentile(99) / (double) idle.getValueAtPercentile(99));
  }

  /** Searches the query set in a loop for {@code seconds} or while {@code go} holds. */
  private void searchFor(
      Searcher searcher, SearchResults results, double seconds, Histogram into, AtomicBoolean go) {
    final long end =
        seconds == Double.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + (long) (seconds * 1e9);
    int q = 0;
    while (go.get() && System.nanoTime() < end) {
      final long t0 = System.nanoTime();
      searcher.search(queries[q], 10, 64, results);
      final long t1 = System.nanoTime();
      if (into != null) {
        into.recordValue(t1 - t0);
      }
      q = q + 1 == queries.length ? 0 : q + 1;
    }
  }

  /** For the smoke test: runs every mode on the given rows. */
  static List<String> smoke(LocalBroker broker, float[][] rows, float[][] queries)
      throws Exception {
    final List<String> done = new ArrayList<>();
    final ConnectorBenchmark bench =
        new ConnectorBenchmark(rows, queries, Metric.L2, 1, 0.2, broker);
    bench.topics = 1_000; // distinct from a full run's topic names on a shared broker
    bench.codec();
    done.add("codec");
    bench.ingest(1);
    bench.ingest(2);
    done.add("ingest");
    bench.searchWhileIngesting();
    done.add("search");
    return done;
  }
}
