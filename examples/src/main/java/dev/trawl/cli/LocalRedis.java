package dev.trawl.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process on a free loopback port, for {@code --redis local}: started in a
 * temporary directory, stopped with SIGTERM (it saves its data to that directory first, so {@link
 * #restart} on the same port comes back with it), the directory deleted on {@link #close}.
 *
 * <p>Not thread-safe: start, stop, restart and close from one thread.
 */
public final class LocalRedis implements AutoCloseable {
  private final int port;
  private final Path dir;
  private Process process;

  private LocalRedis(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts a server on a free port.
   *
   * @throws CliError if there is no free port, {@code redis-server} is missing or does not listen
   *     within 10 s
   */
  public static LocalRedis start() {
    final int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new CliError("no free local port for redis-server: " + e.getMessage());
    }
    final Path dir;
    try {
      dir = Files.createTempDirectory("trawl-redis");
    } catch (IOException e) {
      throw new CliError("cannot create a directory for redis-server: " + e.getMessage());
    }
    final LocalRedis redis = new LocalRedis(port, dir);
    redis.launch();
    return redis;
  }

  /** The port, the same across restarts. */
  public int port() {
    return port;
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

  /**
   * Starts the stopped server again on the same port, with the data it saved.
   *
   * @throws IllegalStateException if it is running
   */
  public void restart() {
    if (process != null) {
      throw new IllegalStateException("redis-server is running");
    }
    launch();
  }

  private void launch() {
    try {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind",
          "127.0.0.1", "--save", "3600 1", "--dbfilename", "dump.rdb", "--appendonly", "no",
          "--dir", dir.toString())
          .redirectErrorStream(true).redirectOutput(
              java.lang.ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
    } catch (IOException e) {
      throw new CliError("cannot start redis-server (Debian: apt-get install redis-server): "
          + e.getMessage());
    }
    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() - until > 0) {
          process.destroyForcibly();
          process = null;
          throw new CliError("redis-server did not start on port " + port + " (log in " + dir + ")");
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          process.destroyForcibly();
          process = null;
          throw new CliError("interrupted while starting redis-server");
        }
      }
    }
  }

  /** Stops the server and deletes its directory. */
  @Override
  public void close() {
    stop();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }
}
