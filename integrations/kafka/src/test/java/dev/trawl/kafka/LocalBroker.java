package dev.trawl.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * A real single-node Kafka broker for the tests, started and stopped through {@code
 * bin/local-kafka}, the same script users run, on a free port and a fresh data directory. A broker
 * that cannot start fails the test (never skips it).
 *
 * <p>{@link #shared()} is one broker for the whole test JVM, stopped by a shutdown hook; tests that
 * stop the broker start their own with {@link #start}. Not thread-safe.
 */
final class LocalBroker implements AutoCloseable {
  private static LocalBroker shared;

  private final Path data;
  private final int port;
  private boolean running;

  private LocalBroker(Path data, int port) {
    this.data = data;
    this.port = port;
  }

  /** The broker shared by the test JVM, started on first use. */
  static synchronized LocalBroker shared() throws IOException, InterruptedException {
    if (shared == null) {
      final Path dir = Files.createTempDirectory("trawl-kafka-shared-");
      shared = start(dir);
      final LocalBroker broker = shared;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      broker.close();
                      deleteTree(dir);
                    } catch (Exception e) {
                      e.printStackTrace();
                    }
                  }));
    }
    return shared;
  }

  /** Starts a new broker on a free port with its data in {@code data}. */
  static LocalBroker start(Path data) throws IOException, InterruptedException {
    final LocalBroker broker = new LocalBroker(data, freePort());
    broker.restart();
    return broker;
  }

  /** Deletes a directory and everything in it (a stopped broker's data). */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String bootstrap() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  /** Starts the broker again on its data directory and port (after {@link #stop}). */
  void restart() throws IOException, InterruptedException {
    script("start", "--port", Integer.toString(port), "--data", data.toString());
    running = true;
  }

  /** Stops the broker cleanly (SIGTERM), keeping its data. */
  void stop() throws IOException, InterruptedException {
    script("stop", "--data", data.toString());
    running = false;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (running) {
      stop();
    }
  }

  /**
   * Creates {@code topic} with {@code partitions} partitions and waits until every partition's
   * leader serves it. (Creation returns once the controller has recorded the topic, before the
   * broker has created the partitions' logs; an idempotent producer that sends in that gap can see
   * its first batches fail with OutOfOrderSequenceException.)
   */
  void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
      final Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try {
          admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
          return;
        } catch (java.util.concurrent.ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }

  /** The end offset of every partition of {@code topic}. */
  long[] endOffsets(String topic, int partitions) throws Exception {
    try (Admin admin = admin()) {
      final Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      final var result = admin.listOffsets(request).all().get(60, TimeUnit.SECONDS);
      final long[] out = new long[partitions];
      for (int p = 0; p < partitions; p++) {
        out[p] = result.get(new TopicPartition(topic, p)).offset();
      }
      return out;
    }
  }

  Admin admin() {
    final Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    return Admin.create(props);
  }

  /** The module directory (where bin/local-kafka lives). */
  static Path home() {
    final String home = System.getProperty("trawl.kafka.home");
    return home != null ? Paths.get(home) : Paths.get("").toAbsolutePath();
  }

  private static void script(String... args) throws IOException, InterruptedException {
    final List<String> command = new ArrayList<>();
    command.add("bash");
    command.add(home().resolve("bin/local-kafka").toString());
    command.addAll(List.of(args));
    final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    final String repo = System.getProperty("trawl.maven.repo.local");
    if (repo != null && !repo.isBlank() && System.getenv("TRAWL_MAVEN_ARGS") == null) {
      pb.environment().put("TRAWL_MAVEN_ARGS", "-Dmaven.repo.local=" + repo);
    }
    final Process process = pb.start();
    final String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(
          "local-kafka " + String.join(" ", args) + " did not return:\n" + output);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError(
          "local-kafka "
              + String.join(" ", args)
              + " failed (exit "
              + process.exitValue()
              + "); a real broker is required:\n"
              + output);
    }
  }
}
