package dev.trawl.pipeline.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} (Debian's package) for tests, benchmarks and the example CLI's
 * {@code --redis local}: started on a free loopback port with its own temporary directory, stopped
 * with SIGTERM (it saves its data there first, so {@link #restart} on the same port comes back with
 * it), deleted on close. Startup failure throws: a test that needs Redis fails when Redis cannot run,
 * it never skips. The binary is {@code redis-server} on the path, or the system property
 * {@code trawl.redis.server}.
 *
 * <p>Also a minimal RESP client ({@link #command}) for what tests do to the server itself: pause it,
 * put it to sleep, read its command statistics, write raw bytes.
 *
 * <p>Thread-safe for {@link #command} (a connection per call); start, stop, restart and close from
 * one thread. Allocates freely: never for a request path.
 */
public final class RedisServer implements AutoCloseable {
  private static final String BINARY = System.getProperty("trawl.redis.server", "redis-server");
  private final int port;
  private final Path dir;
  private Process process;

  private RedisServer(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts a server on a free port.
   *
   * @return the running server
   * @throws IllegalStateException if {@code redis-server} is missing or does not answer in 10 s
   * @throws UncheckedIOException if there is no free port or no temporary directory
   */
  public static RedisServer start() {
    try {
      final Path dir = Files.createTempDirectory("trawl-redis-");
      final RedisServer server = new RedisServer(freePort(), dir);
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void startProcess() {
    final List<String> cmd = List.of(BINARY, "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--dir", dir.toString(), "--dbfilename", "dump.rdb", "--save", "3600 1",
        "--appendonly", "no", "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString(),
        "--enable-debug-command", "local", "--maxclients", "1000");
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run '" + BINARY + "' (install Debian's redis-server: "
          + "apt-get install -y redis-server): " + e.getMessage(), e);
    }
    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log());
      }
      try {
        if ("PONG".equals(command("PING"))) {
          return;
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      } catch (IllegalStateException e) {
        if (!String.valueOf(e.getMessage()).contains("LOADING")) {
          throw e;
        }
        // still loading its saved data
      }
      sleep(20);
    }
    process.destroyForcibly();
    throw new IllegalStateException("redis-server did not answer PING on port " + port + " in 10 s: " + log());
  }

  /** The loopback address. */
  public String host() {
    return "127.0.0.1";
  }

  /** The port, the same across restarts. */
  public int port() {
    return port;
  }

  /** Whether the process is running. */
  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server with SIGTERM (it saves its data first) and waits for it to exit. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    process = null;
  }

  /** Starts the stopped server again on the same port, with the data it saved. */
  public void restart() {
    if (isRunning()) {
      throw new IllegalStateException("the server is running");
    }
    startProcess();
  }

  /**
   * Sends one command on a fresh connection and returns the reply as text (arrays joined by
   * newlines, nil as {@code null}); an error reply throws.
   */
  public String command(String... args) {
    final byte[][] raw = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      raw[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    return command(raw);
  }

  /** {@link #command(String...)} with binary arguments (for writing malformed values). */
  public String command(byte[]... args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host(), port), 1000);
      s.setSoTimeout(30_000);
      final OutputStream out = s.getOutputStream();
      final ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (byte[] a : args) {
        req.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        req.write(a);
        req.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write(req.toByteArray());
      out.flush();
      return readReply(new BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readReply(InputStream in) throws IOException {
    final int type = in.read();
    final String line = readLine(in);
    switch (type) {
      case '+':
      case ':':
        return line;
      case '-':
        throw new IllegalStateException("Redis error: " + line);
      case '$': {
        final int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        final byte[] b = in.readNBytes(n + 2);
        return new String(b, 0, n, StandardCharsets.UTF_8);
      }
      case '*': {
        final int n = Integer.parseInt(line);
        final List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          items.add(readReply(in));
        }
        return String.join("\n", items.stream().map(String::valueOf).toList());
      }
      default:
        throw new IOException("unexpected reply type " + type);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    final StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      b.append((char) c);
    }
    in.read(); // '\n'
    return b.toString();
  }

  /** Calls of {@code command} (lower case, e.g. "mget") since start or the last CONFIG RESETSTAT. */
  public long commandCalls(String command) {
    final String info = command("INFO", "commandstats");
    final String prefix = "cmdstat_" + command + ":calls=";
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(prefix)) {
        final String rest = line.substring(prefix.length());
        return Long.parseLong(rest.substring(0, rest.indexOf(',')));
      }
    }
    return 0;
  }

  /** The server log, for failure messages. */
  public String log() {
    try {
      final Path log = dir.resolve("redis.log");
      final Path stdout = dir.resolve("stdout.log");
      return (Files.exists(log) ? Files.readString(log) : "")
          + (Files.exists(stdout) ? Files.readString(stdout) : "");
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis-server", e);
    }
  }
}
