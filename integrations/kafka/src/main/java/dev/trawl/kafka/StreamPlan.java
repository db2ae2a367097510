package dev.trawl.kafka;

import dev.trawl.filter.ItemAttributes;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongArrayList;

/**
 * A seeded, replayable stream of post events over the rows of a vector file: what a feed's event
 * log looks like, with a known end state to check a consumer against.
 *
 * <p>The logical history, in order: row {@code r} creates post {@code ids[r]} (version 1); after
 * every {@code updateEvery}-th create a random live post is re-embedded (its next version; the
 * vector is the mean of its own row and another random row, its community and flags change); after
 * every {@code removeEvery}-th create a random live post is removed (its next version). The
 * delivered stream then repeats every {@code duplicateEvery}-th event right after itself (a
 * redelivery) and moves each event by fewer than {@code shuffleWindow + 1} places (bounded
 * reordering: each event gets the sort key {@code position + uniform[0, shuffleWindow]}). Events of
 * one post keep increasing versions in the history, so the state the stream must converge to is,
 * per post, the event with the highest version ({@link #finalEvent}).
 *
 * <pre>{@code
 * StreamPlan plan = StreamPlan.builder(rows).removeEvery(10).updateEvery(5).duplicateEvery(7)
 *     .shuffleWindow(50).seed(42).build();
 * for (int i = 0; i < plan.size(); i++) {
 *   if (plan.op(i) == EventFormat.REMOVE) publisher.remove(plan.id(i), plan.version(i));
 *   else { plan.vector(i, file::read, scratch, vector); plan.attributes(i, attrs);
 *          publisher.upsert(plan.id(i), plan.version(i), plan.createdAt(i), attrs, vector); }
 * }
 * }</pre>
 *
 * <p>Immutable after {@link Builder#build}, so thread-safe. Holds a few primitive arrays per event;
 * {@link #vector} and {@link #attributes} fill caller-owned outputs without allocating.
 */
public final class StreamPlan {
  /** Reads row {@code row} of a vector source into {@code out}. */
  @FunctionalInterface
  public interface Rows {
    void read(int row, float[] out);
  }

  /** Milliseconds between the created-at times of consecutive rows, from {@link #EPOCH_MILLIS}. */
  private static final long CREATED_STEP_MILLIS = 1_000;

  /** The created-at time of row 0 (2026-01-01T00:00:00Z). */
  public static final long EPOCH_MILLIS = 1_767_225_600_000L;

  private final int rows;
  private final long[] ids;
  private final long[] eventId;
  private final long[] eventVersion;
  private final byte[] eventOp;
  private final int[] eventRow;
  private final int[] eventMix;
  private final int[] order;
  private final Long2LongHashMap last;
  private final int liveCount;

  private StreamPlan(Builder b) {
    this.rows = b.rows;
    this.ids = b.ids != null ? b.ids.clone() : identity(b.rows);
    final SplittableRandom random = new SplittableRandom(b.seed);
    final LongArrayList id = new LongArrayList();
    final LongArrayList version = new LongArrayList();
    final LongArrayList opRowMix = new LongArrayList();
    final Long2LongHashMap versions = new Long2LongHashMap(0L);
    final Long2LongHashMap rowOf = new Long2LongHashMap(-1L);
    // live posts as a swap-remove array, so a random live post is picked in O(1)
    final long[] live = new long[b.rows];
    final Long2LongHashMap slot = new Long2LongHashMap(-1L);
    int liveSize = 0;
    for (int r = 0; r < b.rows; r++) {
      final long post = ids[r];
      final long v = versions.get(post) + 1;
      versions.put(post, v);
      rowOf.put(post, r);
      add(id, version, opRowMix, post, v, EventFormat.UPSERT, r, -1);
      slot.put(post, liveSize);
      live[liveSize++] = post;
      final int created = r + 1;
      if (b.updateEvery > 0 && created % b.updateEvery == 0) {
        final long target = live[random.nextInt(liveSize)];
        final long tv = versions.get(target) + 1;
        versions.put(target, tv);
        add(
            id,
            version,
            opRowMix,
            target,
            tv,
            EventFormat.UPSERT,
            (int) rowOf.get(target),
            random.nextInt(b.rows));
      }
      if (b.removeEvery > 0 && created % b.removeEvery == 0 && liveSize > 0) {
        final int at = random.nextInt(liveSize);
        final long target = live[at];
        final long tv = versions.get(target) + 1;
        versions.put(target, tv);
        add(id, version, opRowMix, target, tv, EventFormat.REMOVE, -1, -1);
        final long moved = live[--liveSize];
        live[at] = moved;
        slot.put(moved, at);
        slot.remove(target);
      }
    }
    this.liveCount = liveSize;
    final int logical = id.size();
    // redeliveries: every duplicateEvery-th event again, right after itself
    final int copies = b.duplicateEvery > 0 ? logical / b.duplicateEvery : 0;
    final int total = logical + copies;
    final int[] delivered = new int[total];
    int n = 0;
    for (int e = 0; e < logical; e++) {
      delivered[n++] = e;
      if (b.duplicateEvery > 0 && (e + 1) % b.duplicateEvery == 0) {
        delivered[n++] = e;
      }
    }
    // bounded reordering: sort by position + uniform[0, window], ties by position
    if (b.shuffleWindow > 0) {
      final long[] keyed = new long[total];
      for (int i = 0; i < total; i++) {
        final long key = i + (long) random.nextInt(b.shuffleWindow + 1);
        keyed[i] = (key << 32) | i;
      }
      Arrays.sort(keyed);
      final int[] shuffled = new int[total];
      for (int i = 0; i < total; i++) {
        shuffled[i] = delivered[(int) keyed[i]];
      }
      System.arraycopy(shuffled, 0, delivered, 0, total);
    }
    this.order = delivered;
    this.eventId = id.toLongArray();
    this.eventVersion = version.toLongArray();
    this.eventOp = new byte[logical];
    this.eventRow = new int[logical];
    this.eventMix = new int[logical];
    for (int e = 0; e < logical; e++) {
      final long packed = opRowMix.getLong(e);
      eventOp[e] = (byte) (packed >>> 62);
      eventRow[e] = (int) ((packed >>> 31) & 0x7FFF_FFFFL) - 1;
      eventMix[e] = (int) (packed & 0x7FFF_FFFFL) - 1;
    }
    this.last = new Long2LongHashMap(-1L);
    for (int i = 0; i < total; i++) {
      final int e = order[i];
      final long prior = last.get(eventId[e]);
      if (prior < 0 || eventVersion[order[(int) prior]] < eventVersion[e]) {
        last.put(eventId[e], i);
      }
    }
  }

  private static void add(
      LongArrayList id,
      LongArrayList version,
      LongArrayList opRowMix,
      long post,
      long v,
      byte op,
      int row,
      int mix) {
    id.addLong(post);
    version.addLong(v);
    opRowMix.addLong(((long) op << 62) | ((long) (row + 1) << 31) | (mix + 1));
  }

  private static long[] identity(int rows) {
    final long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i;
    }
    return ids;
  }

  /** Starts a plan over {@code rows} vectors (ids default to the row numbers). */
  public static Builder builder(int rows) {
    return new Builder(rows);
  }

  /** Events in the delivered stream, redeliveries included. */
  public int size() {
    return order.length;
  }

  /** The post id of delivered event {@code i}. */
  public long id(int i) {
    return eventId[order[i]];
  }

  /** {@link EventFormat#UPSERT} or {@link EventFormat#REMOVE}. */
  public byte op(int i) {
    return eventOp[order[i]];
  }

  /** The version of delivered event {@code i} (1 for a create, then 2, 3, ... per post). */
  public long version(int i) {
    return eventVersion[order[i]];
  }

  /** The created-at time of the post of event {@code i} (its row's, kept across re-embeddings). */
  public long createdAt(int i) {
    final int row = eventRow[order[i]];
    return row < 0 ? 0L : EPOCH_MILLIS + row * CREATED_STEP_MILLIS;
  }

  /** The vector row of an upsert, or -1 for a remove. */
  public int row(int i) {
    return eventRow[order[i]];
  }

  /**
   * Writes the vector of upsert {@code i} into {@code out}: its row, or for a re-embedding the mean
   * of its row and another ({@code scratch} holds that one).
   *
   * @throws IllegalStateException for a remove
   */
  public void vector(int i, Rows source, float[] scratch, float[] out) {
    final int e = order[i];
    if (eventOp[e] != EventFormat.UPSERT) {
      throw new IllegalStateException("event " + i + " is a remove; it has no vector");
    }
    source.read(eventRow[e], out);
    final int mix = eventMix[e];
    if (mix >= 0) {
      source.read(mix, scratch);
      for (int d = 0; d < out.length; d++) {
        out[d] = 0.5f * (out[d] + scratch[d]);
      }
    }
  }

  /**
   * Writes the attributes of upsert {@code i} into {@code out}: author from the post id, community
   * and flags from the id and the version (so a re-embedding also changes them), language from the
   * id.
   */
  public void attributes(int i, ItemAttributes out) {
    final int e = order[i];
    final long id = eventId[e];
    final long v = eventVersion[e];
    out.clear()
        .author(Math.floorMod(id, 97L))
        .community(Math.floorMod(id * 31 + v, 13L))
        .language(Math.floorMod(id, 3L))
        .flags(Math.floorMod(id + v, 4L));
  }

  /** How many posts are live at the end. */
  public int liveCount() {
    return liveCount;
  }

  /** The post ids of the source rows. */
  public long idOfRow(int row) {
    return ids[row];
  }

  /** How many rows the plan was built over. */
  public int rows() {
    return rows;
  }

  /**
   * The delivered index of an event holding post {@code id}'s highest version (the state the index
   * must end in: live with that vector and attributes when it is an upsert), or -1 for an id the
   * stream never mentions.
   */
  public int finalEvent(long id) {
    return (int) last.get(id);
  }

  /** Every post id the stream mentions, ascending. */
  public long[] mentionedIds() {
    final long[] out = new long[last.size()];
    final Long2LongHashMap.KeyIterator it = last.keySet().iterator();
    int n = 0;
    while (it.hasNext()) {
      out[n++] = it.nextValue();
    }
    Arrays.sort(out);
    return out;
  }

  /** The post ids live at the end, ascending. */
  public long[] liveIds() {
    final long[] all = mentionedIds();
    final long[] out = new long[liveCount];
    int n = 0;
    for (long id : all) {
      if (op(finalEvent(id)) == EventFormat.UPSERT) {
        out[n++] = id;
      }
    }
    return out;
  }

  /** Options of a {@link StreamPlan}. Not thread-safe. */
  public static final class Builder {
    private final int rows;
    private long[] ids;
    private int removeEvery;
    private int updateEvery;
    private int duplicateEvery;
    private int shuffleWindow;
    private long seed = 42;

    private Builder(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("rows must be positive, got " + rows);
      }
      this.rows = rows;
    }

    /**
     * The post id of each row (distinct); default the row numbers.
     *
     * @throws IllegalArgumentException if the count is not the row count or an id repeats
     */
    public Builder ids(long[] ids) {
      if (ids.length != rows) {
        throw new IllegalArgumentException(ids.length + " ids for " + rows + " rows");
      }
      final long[] sorted = ids.clone();
      Arrays.sort(sorted);
      for (int i = 1; i < sorted.length; i++) {
        if (sorted[i] == sorted[i - 1]) {
          throw new IllegalArgumentException("id " + sorted[i] + " appears twice");
        }
      }
      this.ids = ids.clone();
      return this;
    }

    /** A remove after every {@code n}-th create (0 = none). */
    public Builder removeEvery(int n) {
      this.removeEvery = nonNegative(n, "removeEvery");
      return this;
    }

    /** A re-embedding after every {@code n}-th create (0 = none). */
    public Builder updateEvery(int n) {
      this.updateEvery = nonNegative(n, "updateEvery");
      return this;
    }

    /** Every {@code n}-th event delivered twice (0 = none). */
    public Builder duplicateEvery(int n) {
      this.duplicateEvery = nonNegative(n, "duplicateEvery");
      return this;
    }

    /** Each event moved by at most {@code n} places (0 = in order). */
    public Builder shuffleWindow(int n) {
      this.shuffleWindow = nonNegative(n, "shuffleWindow");
      return this;
    }

    /** The seed of every random choice (default 42). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public StreamPlan build() {
      return new StreamPlan(this);
    }

    private static int nonNegative(int n, String name) {
      if (n < 0) {
        throw new IllegalArgumentException(name + " must be >= 0, got " + n);
      }
      return n;
    }
  }
}
