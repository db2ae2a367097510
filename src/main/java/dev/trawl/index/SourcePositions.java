package dev.trawl.index;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Positions in the streams an index was built from, stored in a snapshot beside the index: for each
 * (source, partition), the offset of the next event to apply. A consumer that writes a snapshot with
 * the positions of everything it applied, and later starts from that snapshot at those positions,
 * rebuilds exactly the index it would have had without the restart (see {@code docs/streaming.md}).
 * The library gives the positions no meaning of its own: "source" is any name (a Kafka topic, a log
 * file), "partition" any non-negative int, "offset" any non-negative long.
 *
 * <pre>{@code
 * SourcePositions positions = SourcePositions.builder().put("posts", 0, 1_234L).put("posts", 1, 987L).build();
 * IndexSnapshot.write(index, path, positions);
 * LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(path);
 * long next = loaded.positions().offset("posts", 0);  // 1234
 * }</pre>
 *
 * <p>Immutable and thread-safe; entries are kept sorted by source, then partition. Lookups allocate
 * nothing.
 */
public final class SourcePositions {
  /** No positions. */
  public static final SourcePositions NONE = new SourcePositions(new String[0], new int[0], new long[0]);

  /** Longest source name, in UTF-8 bytes. */
  public static final int MAX_SOURCE_BYTES = 1024;

  private final String[] sources;
  private final int[] partitions;
  private final long[] offsets;

  private SourcePositions(String[] sources, int[] partitions, long[] offsets) {
    this.sources = sources;
    this.partitions = partitions;
    this.offsets = offsets;
  }

  /** {@return a new, empty builder} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the number of (source, partition) entries, the valid range of the entry accessors} */
  public int size() {
    return sources.length;
  }

  /**
   * The source of entry {@code i} (entries sorted by source, then partition).
   *
   * @param i the entry, 0 to {@link #size()} - 1, in order of source, then partition
   * @return the source's name, for example a Kafka topic
   */
  public String source(int i) {
    return sources[i];
  }

  /**
   * The partition of entry {@code i}.
   *
   * @param i the entry, 0 to {@link #size()} - 1, in order of source, then partition
   * @return the partition of the source, 0 or more
   */
  public int partition(int i) {
    return partitions[i];
  }

  /**
   * The next offset of entry {@code i}.
   *
   * @param i the entry, 0 to {@link #size()} - 1, in order of source, then partition
   * @return the offset of the next record to consume from that partition
   */
  public long offset(int i) {
    return offsets[i];
  }

  /**
   * The next offset stored for ({@code source}, {@code partition}), or -1 when there is none.
   *
   * @param source the source's name
   * @param partition the partition of the source
   * @return the offset of the next record to consume, or -1 when the positions hold none for them
   */
  public long offset(String source, int partition) {
    for (int i = 0; i < sources.length; i++) {
      if (partitions[i] == partition && sources[i].equals(source)) {
        return offsets[i];
      }
    }
    return -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourcePositions p
        && Arrays.equals(sources, p.sources)
        && Arrays.equals(partitions, p.partitions)
        && Arrays.equals(offsets, p.offsets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(sources), Arrays.hashCode(partitions), Arrays.hashCode(offsets));
  }

  @Override
  public String toString() {
    final StringBuilder b = new StringBuilder("SourcePositions[");
    for (int i = 0; i < sources.length; i++) {
      b.append(i == 0 ? "" : ", ").append(sources[i]).append('/').append(partitions[i]).append('@').append(offsets[i]);
    }
    return b.append(']').toString();
  }

  /** Collects positions; a later {@link #put} for the same (source, partition) replaces the earlier. Not thread-safe. */
  public static final class Builder {
    private final TreeMap<String, TreeMap<Integer, Long>> entries = new TreeMap<>();

    private Builder() {}

    /**
     * Sets the next offset of ({@code source}, {@code partition}).
     *
     * @param source the source's name: 1 to {@link #MAX_SOURCE_BYTES} UTF-8 bytes
     * @param partition the partition of the source, 0 or more
     * @param offset the offset of the next record to consume, 0 or more
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the source is empty, longer than {@link #MAX_SOURCE_BYTES}
     *     UTF-8 bytes or has an unpaired surrogate (it would not survive the UTF-8 of a snapshot), or
     *     the partition or offset is negative
     * @throws NullPointerException if {@code source} is null
     */
    public Builder put(String source, int partition, long offset) {
      Objects.requireNonNull(source, "source");
      for (int i = 0; i < source.length(); i++) {
        // UTF-8 would write an unpaired surrogate as '?': the name read back would differ, and a
        // snapshot of it could be out of order or hold two equal names, and so not load
        final char c = source.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < source.length()
            && Character.isLowSurrogate(source.charAt(i + 1))) {
          i++; // a pair: one character
        } else if (Character.isSurrogate(c)) {
          throw new IllegalArgumentException("source name has an unpaired surrogate at index " + i);
        }
      }
      final int bytes = source.getBytes(StandardCharsets.UTF_8).length;
      if (bytes == 0 || bytes > MAX_SOURCE_BYTES) {
        throw new IllegalArgumentException(
            "source name must have 1 to " + MAX_SOURCE_BYTES + " UTF-8 bytes, got " + bytes);
      }
      if (partition < 0) {
        throw new IllegalArgumentException("partition must not be negative, got " + partition);
      }
      if (offset < 0) {
        throw new IllegalArgumentException("offset must not be negative, got " + offset);
      }
      entries.computeIfAbsent(source, s -> new TreeMap<>()).put(partition, offset);
      return this;
    }

    /**
     * {@return the positions collected so far, sorted by source then partition; {@link #NONE} when
     * there are none}
     */
    public SourcePositions build() {
      int n = 0;
      for (TreeMap<Integer, Long> p : entries.values()) {
        n += p.size();
      }
      if (n == 0) {
        return NONE;
      }
      final String[] s = new String[n];
      final int[] p = new int[n];
      final long[] o = new long[n];
      int i = 0;
      for (Map.Entry<String, TreeMap<Integer, Long>> e : entries.entrySet()) {
        for (Map.Entry<Integer, Long> q : e.getValue().entrySet()) {
          s[i] = e.getKey();
          p[i] = q.getKey();
          o[i] = q.getValue();
          i++;
        }
      }
      return new SourcePositions(s, p, o);
    }
  }
}
