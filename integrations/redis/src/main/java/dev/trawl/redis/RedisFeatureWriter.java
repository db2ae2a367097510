package dev.trawl.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.LettuceFutures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Writes post feature records in a {@link FeatureLayout}, the way a feature pipeline (or a test, or
 * the demo) loads them: a batch of records is sent pipelined (every command written before any
 * answer is awaited: {@code MSET} of 100 records for the packed layout, one {@code HSET} per record for
 * the hash layout) and awaited together.
 *
 * <p><b>Thread-safe</b> (the shared connection is). Allocates per record (keys, encoded values,
 * Lettuce's commands); not meant for a request path.
 */
public final class RedisFeatureWriter {
  /** Records per MSET of the packed layout. */
  private static final int MSET_CHUNK = 100;

  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final FeatureLayout layout;
  private final byte[] prefix;
  private final byte[][] fields;
  private final Duration timeout;

  private RedisFeatureWriter(RedisStore store, FeatureLayout layout, String prefix, String[] fields,
      Duration timeout) {
    this.connection = store.connection();
    this.layout = Objects.requireNonNull(layout, "layout");
    this.prefix = Keys.prefix(prefix);
    if (layout == FeatureLayout.HASH) {
      Objects.requireNonNull(fields, "the hash layout needs field names");
      this.fields = new byte[fields.length][];
      for (int i = 0; i < fields.length; i++) {
        this.fields[i] = fields[i].getBytes(StandardCharsets.UTF_8);
      }
    } else {
      this.fields = null;
    }
    this.timeout = timeout;
  }

  /** A writer of packed records under {@code prefix}. */
  public static RedisFeatureWriter packed(RedisStore store, String prefix) {
    return new RedisFeatureWriter(store, FeatureLayout.PACKED, prefix, null, Duration.ofSeconds(30));
  }

  /** A writer of hash records under {@code prefix}, one field per name, in record order. */
  public static RedisFeatureWriter hash(RedisStore store, String prefix, String... fields) {
    return new RedisFeatureWriter(store, FeatureLayout.HASH, prefix, fields, Duration.ofSeconds(30));
  }

  /**
   * Writes records {@code i in [0, n)}: post {@code ids[i]} gets
   * {@code values[i * width .. (i + 1) * width)}, pipelined, then waits for every answer.
   *
   * @throws IllegalStateException if Redis did not acknowledge every write in 30 seconds
   */
  public void write(long[] ids, float[] values, int n, int width) {
    if (fields != null && fields.length != width) {
      throw new IllegalArgumentException("width " + width + " but " + fields.length + " fields");
    }
    final RedisAsyncCommands<byte[], byte[]> async = connection.async();
    final List<RedisFuture<?>> futures = new ArrayList<>(n / MSET_CHUNK + 1);
    if (layout == FeatureLayout.PACKED) {
      for (int from = 0; from < n; from += MSET_CHUNK) {
        final Map<byte[], byte[]> chunk = new LinkedHashMap<>();
        for (int i = from; i < Math.min(n, from + MSET_CHUNK); i++) {
          chunk.put(Keys.key(prefix, ids[i]), PackedFloats.encode(values, i * width, width));
        }
        futures.add(async.mset(chunk));
      }
    } else {
      for (int i = 0; i < n; i++) {
        final Map<byte[], byte[]> map = new LinkedHashMap<>();
        for (int j = 0; j < width; j++) {
          map.put(fields[j], Float.toString(values[i * width + j]).getBytes(StandardCharsets.US_ASCII));
        }
        futures.add(async.hset(Keys.key(prefix, ids[i]), map));
      }
    }
    if (!LettuceFutures.awaitAll(timeout.toMillis(), TimeUnit.MILLISECONDS,
        futures.toArray(new RedisFuture<?>[0]))) {
      throw new IllegalStateException("Redis did not acknowledge " + n + " writes in " + timeout);
    }
  }

  /** The key of post {@code id}'s record. */
  public byte[] key(long id) {
    return Keys.key(prefix, id);
  }
}
