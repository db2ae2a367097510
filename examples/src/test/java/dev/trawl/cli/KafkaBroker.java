package dev.trawl.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka broker for the CLI's stream tests, started and stopped with {@code
 * integrations/kafka/bin/local-kafka} (the script users run) on a free port. A broker that cannot
 * start fails the test. Public so that the examples' other test packages (the feed service) share it.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path data;
  private final int port;

  private KafkaBroker(Path data, int port) {
    this.data = data;
    this.port = port;
  }

  /** Starts a broker keeping its data in {@code data}; fails the test if it cannot start. */
  public static KafkaBroker start(Path data) throws IOException, InterruptedException {
    final int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    final KafkaBroker broker = new KafkaBroker(data, port);
    script("start", "--port", Integer.toString(port), "--data", data.toString());
    return broker;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Stops the broker (a clean shutdown), keeping its data; {@link #restart} brings it back. */
  public void stop() throws IOException, InterruptedException {
    script("stop", "--data", data.toString());
  }

  /** Starts the stopped broker again on the same port and data. */
  public void restart() throws IOException, InterruptedException {
    script("start", "--port", Integer.toString(port), "--data", data.toString());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    script("stop", "--data", data.toString());
  }

  private static void script(String... args) throws IOException, InterruptedException {
    final String home = System.getProperty("trawl.kafka.home", "../integrations/kafka");
    final List<String> command =
        new ArrayList<>(List.of("bash", Paths.get(home, "bin", "local-kafka").toString()));
    command.addAll(List.of(args));
    final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    final String repo = System.getProperty("trawl.maven.repo.local");
    if (repo != null && !repo.isBlank() && System.getenv("TRAWL_MAVEN_ARGS") == null) {
      pb.environment().put("TRAWL_MAVEN_ARGS", "-Dmaven.repo.local=" + repo);
    }
    final Process p = pb.start();
    final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError(
          "local-kafka "
              + String.join(" ", args)
              + " failed; a real broker is required:\n"
              + output);
    }
  }
}
