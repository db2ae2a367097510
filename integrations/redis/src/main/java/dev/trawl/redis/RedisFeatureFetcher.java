package dev.trawl.redis;

import dev.trawl.fetch.FetchCall;
import dev.trawl.fetch.Fetcher;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads post feature records from Redis for a {@link dev.trawl.fetch.FeatureFetch}: a call's keys are
 * split into chunks of {@link Builder#chunkSize} keys, every chunk's command(s) are built, and all of
 * them are handed to the shared connection in <b>one</b> write (pipelined: one flush, no waiting
 * between commands). Each chunk is published as soon as its answers are decoded, on the connection's
 * event-loop thread.
 *
 * <ul>
 *   <li>{@link FeatureLayout#PACKED}: one {@code MGET} per chunk; each value is decoded straight from
 *       Lettuce's receive buffer into the call's float buffer (no per-value {@code byte[]}).
 *   <li>{@link FeatureLayout#HASH}: one {@code HMGET} per post; values are parsed from text.
 * </ul>
 *
 * <p>Per key: no value is absent; a value of the wrong length, with a non-finite float, an
 * unparsable field, a missing field, or a key of the wrong Redis type is <i>malformed</i> (the
 * request gets the features' defaults; the fetch counts it). A command that fails (timeout,
 * disconnected, any other error reply) fails its whole chunk.
 *
 * <p><b>Thread-safe</b>, shared by every request thread. <b>Allocation:</b> per call, the commands,
 * their key arrays and Lettuce's own objects (the miss path only).
 */
public final class RedisFeatureFetcher implements Fetcher {
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final FeatureLayout layout;
  private final byte[] prefix;
  private final byte[][] fields;
  private final int chunkSize;
  private final LongAdder commands = new LongAdder();

  private RedisFeatureFetcher(Builder b) {
    this.connection = b.store.connection();
    this.layout = b.layout;
    this.prefix = Keys.prefix(b.prefix);
    this.chunkSize = b.chunkSize;
    if (layout == FeatureLayout.HASH) {
      if (b.fields == null) {
        throw new IllegalStateException("the hash layout needs field names: call fields(...)");
      }
      fields = new byte[b.fields.length][];
      for (int i = 0; i < fields.length; i++) {
        fields[i] = b.fields[i].getBytes(StandardCharsets.UTF_8);
      }
    } else {
      fields = null;
    }
  }

  /** Starts a builder reading through {@code store}'s shared connection. */
  public static Builder builder(RedisStore store) {
    return new Builder(store);
  }

  /** Redis commands sent so far. */
  public long commands() {
    return commands.sum();
  }

  /** The layout read. */
  public FeatureLayout layout() {
    return layout;
  }

  @Override
  public void fetch(FetchCall call) {
    final int n = call.size();
    if (layout == FeatureLayout.HASH && fields.length != call.width()) {
      throw new IllegalStateException("the fetcher reads " + fields.length + " hash fields, the "
          + "fetch has " + call.width() + " features");
    }
    final List<RedisCommand<byte[], byte[], ?>> batch =
        new ArrayList<>(layout == FeatureLayout.PACKED ? (n + chunkSize - 1) / chunkSize : n);
    for (int from = 0; from < n; from += chunkSize) {
      final int to = Math.min(n, from + chunkSize);
      if (layout == FeatureLayout.PACKED) {
        final Chunk chunk = new Chunk(call, from, to, 1);
        final CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        for (int i = from; i < to; i++) {
          args.addKey(Keys.key(prefix, call.key(i)));
        }
        batch.add(chunk.command(CommandType.MGET, new PackedOutput(call, from), args, -1));
      } else {
        final Chunk chunk = new Chunk(call, from, to, to - from);
        for (int i = from; i < to; i++) {
          final CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
              .addKey(Keys.key(prefix, call.key(i)));
          for (byte[] f : fields) {
            args.add(f);
          }
          batch.add(chunk.command(CommandType.HMGET, new HashOutput(call, i), args, i));
        }
      }
    }
    commands.add(batch.size());
    connection.dispatch(batch);
  }

  /**
   * One chunk of a call: published when its last command completes, failed if any command failed
   * for a reason other than the key's type.
   */
  private static final class Chunk {
    final FetchCall call;
    final int from;
    final int to;
    final AtomicInteger left;
    volatile Throwable failure;

    Chunk(FetchCall call, int from, int to, int commands) {
      this.call = call;
      this.from = from;
      this.to = to;
      this.left = new AtomicInteger(commands);
    }

    <T> AsyncCommand<byte[], byte[], T> command(CommandType type,
        CommandOutput<byte[], byte[], T> output, CommandArgs<byte[], byte[]> args, int key) {
      final AsyncCommand<byte[], byte[], T> c = new AsyncCommand<>(new Command<>(type, output, args));
      c.whenComplete((ignored, error) -> done(error, key));
      return c;
    }

    private void done(Throwable error, int key) {
      if (error != null) {
        if (key >= 0 && error instanceof RedisCommandExecutionException
            && String.valueOf(error.getMessage()).startsWith("WRONGTYPE")) {
          call.malformed(key); // a hash read of a key holding something else: bad data, not an outage
        } else {
          failure = error;
        }
      }
      if (left.decrementAndGet() == 0) {
        final Throwable f = failure;
        if (f == null) {
          call.complete(from, to);
        } else {
          call.fail(from, to, f);
        }
      }
    }
  }

  /** Decodes an MGET array reply: one packed record (or nil) per key, in order. */
  private static final class PackedOutput extends CommandOutput<byte[], byte[], Void> {
    private final FetchCall call;
    private int next;

    PackedOutput(FetchCall call, int from) {
      super(ByteArrayCodec.INSTANCE, null);
      this.call = call;
      this.next = from;
    }

    @Override
    public void set(ByteBuffer bytes) {
      final int i = next++;
      if (bytes == null) {
        call.absent(i);
      } else if (PackedFloats.decode(bytes, call.values(), call.offset(i), call.width())) {
        call.found(i);
      } else {
        call.malformed(i);
      }
    }
  }

  /** Decodes an HMGET array reply: one decimal value (or nil) per field. */
  private static final class HashOutput extends CommandOutput<byte[], byte[], Void> {
    private final FetchCall call;
    private final int key;
    private int field;
    private int missing;
    private boolean bad;

    HashOutput(FetchCall call, int key) {
      super(ByteArrayCodec.INSTANCE, null);
      this.call = call;
      this.key = key;
    }

    @Override
    public void set(ByteBuffer bytes) {
      final int j = field++;
      if (bytes == null) {
        missing++;
      } else {
        try {
          final float v = Float.parseFloat(StandardCharsets.US_ASCII.decode(bytes).toString());
          if (Float.isFinite(v) && j < call.width()) {
            call.values()[call.offset(key) + j] = v;
          } else {
            bad = true;
          }
        } catch (NumberFormatException e) {
          bad = true;
        }
      }
    }

    @Override
    public void complete(int depth) {
      if (depth == 0) {
        if (missing == field) {
          call.absent(key);
        } else if (missing > 0 || bad) {
          call.malformed(key);
        } else {
          call.found(key);
        }
      }
    }
  }

  /** Configures a {@link RedisFeatureFetcher}. Not thread-safe. */
  public static final class Builder {
    private final RedisStore store;
    private FeatureLayout layout = FeatureLayout.PACKED;
    private String prefix = "pf:";
    private String[] fields;
    private int chunkSize = 100;

    private Builder(RedisStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** The layout (default {@link FeatureLayout#PACKED}). */
    public Builder layout(FeatureLayout layout) {
      this.layout = Objects.requireNonNull(layout, "layout");
      return this;
    }

    /** The key prefix (default {@code pf:}). */
    public Builder keyPrefix(String prefix) {
      Keys.prefix(prefix);
      this.prefix = prefix;
      return this;
    }

    /** Hash field names, in record order (the hash layout only). */
    public Builder fields(String... fields) {
      if (fields.length == 0) {
        throw new IllegalArgumentException("at least one field");
      }
      this.fields = fields.clone();
      return this;
    }

    /**
     * Keys per {@code MGET} (default 100): small enough that Redis answers one chunk while the next
     * is still being read, and that one chunk never blocks Redis for long.
     */
    public Builder chunkSize(int keys) {
      if (keys < 1) {
        throw new IllegalArgumentException("chunkSize must be at least 1, got " + keys);
      }
      this.chunkSize = keys;
      return this;
    }

    /** Builds the fetcher. */
    public RedisFeatureFetcher build() {
      return new RedisFeatureFetcher(this);
    }
  }
}
