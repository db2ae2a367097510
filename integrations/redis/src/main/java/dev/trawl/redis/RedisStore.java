package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The one shared connection to a Redis server that every fetcher, user-state reader and impression
 * writer of a process uses, with the settings a request path needs: a command timeout, automatic
 * reconnection with a short fixed delay, commands refused at once (not queued) while disconnected,
 * and a {@link CircuitBreaker} that the users of the connection share.
 *
 * <pre>{@code
 * RedisStore redis = RedisStore.builder("127.0.0.1", 6379)
 *     .commandTimeout(Duration.ofMillis(250))
 *     .reconnectDelay(Duration.ofMillis(100))
 *     .breaker(CircuitBreaker.builder().failureThreshold(5).openFor(200, MILLISECONDS).build())
 *     .connect();
 * }</pre>
 *
 * <h2>Why one connection</h2>
 * A Lettuce connection is thread-safe and pipelines: commands from any number of threads are written
 * to one socket without waiting for earlier answers, and Redis answers them in order. One connection
 * keeps Redis's per-client cost at one and lets commands of concurrent requests share TCP segments;
 * Redis executes commands one at a time anyway.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>a command not answered within the command timeout completes with a timeout exception;
 *   <li>while the connection is down, commands fail at once (they are not buffered to be sent on
 *       reconnect, where they would arrive long after any request stopped waiting);
 *   <li>the connection is re-established every {@code reconnectDelay} until it succeeds;
 *   <li>{@link #breaker()} is opened by the users' reported failures and refuses calls meanwhile.
 * </ul>
 * {@link Builder#connect()} itself fails if the server cannot be reached at start.
 *
 * <p><b>Thread-safe.</b> Allocates only when built (Lettuce's event loop threads and buffers).
 */
public final class RedisStore implements AutoCloseable {
  private final RedisClient client;
  private final ClientResources resources;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final CircuitBreaker breaker;
  private final Duration commandTimeout;
  private final String address;

  private RedisStore(Builder b) {
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(b.ioThreads)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.constant(b.reconnectDelay))
        .build();
    final RedisURI uri = RedisURI.builder().withHost(b.host).withPort(b.port)
        .withTimeout(b.commandTimeout).build();
    this.client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
        .socketOptions(SocketOptions.builder().connectTimeout(b.connectTimeout).tcpNoDelay(true)
            .keepAlive(true).build())
        .build());
    this.breaker = b.breaker;
    this.commandTimeout = b.commandTimeout;
    this.address = b.host + ":" + b.port;
    StatefulRedisConnection<byte[], byte[]> c = null;
    try {
      c = client.connect(ByteArrayCodec.INSTANCE);
    } finally {
      if (c == null) {
        shutdown();
      }
    }
    this.connection = c;
  }

  /** Starts a builder for the server at {@code host:port}. */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /** The shared connection (binary keys and values). */
  public StatefulRedisConnection<byte[], byte[]> connection() {
    return connection;
  }

  /** The breaker shared by everything that uses this store. */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /** The command timeout. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** Whether the connection is up right now. */
  public boolean isConnected() {
    return connection.isOpen();
  }

  @Override
  public void close() {
    connection.close();
    shutdown();
  }

  private void shutdown() {
    client.shutdown(0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "RedisStore[" + address + ", connected=" + isConnected() + ", " + breaker + "]";
  }

  /** Configures a {@link RedisStore}. Not thread-safe. */
  public static final class Builder {
    private final String host;
    private final int port;
    private Duration commandTimeout = Duration.ofMillis(250);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration reconnectDelay = Duration.ofMillis(100);
    private int ioThreads = 2;
    private CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(5)
        .openFor(200, TimeUnit.MILLISECONDS).build();

    private Builder(String host, int port) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host must be non-blank");
      }
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [1, 65535], got " + port);
      }
      this.host = host;
      this.port = port;
    }

    /** How long a command may go unanswered before it fails (default 250 ms). */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /** How long a connection attempt may take (default 1 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The fixed delay between reconnection attempts (default 100 ms). */
    public Builder reconnectDelay(Duration delay) {
      this.reconnectDelay = positive(delay, "reconnectDelay");
      return this;
    }

    /**
     * Netty event-loop threads (default 2, Lettuce's minimum; one connection is served by one of
     * them).
     */
    public Builder ioThreads(int threads) {
      if (threads < 2) {
        throw new IllegalArgumentException("ioThreads must be at least 2, got " + threads);
      }
      this.ioThreads = threads;
      return this;
    }

    /** The breaker (default: opens after 5 consecutive failures, probes again after 200 ms). */
    public Builder breaker(CircuitBreaker breaker) {
      this.breaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /**
     * Connects.
     *
     * @throws io.lettuce.core.RedisConnectionException if the server cannot be reached
     */
    public RedisStore connect() {
      return new RedisStore(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
