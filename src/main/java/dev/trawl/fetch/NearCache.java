package dev.trawl.fetch;

import dev.trawl.collect.StripedCounters;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * An in-process cache of fixed-width {@code float} records (for example the eight features of a post)
 * under {@code long} keys, bounded by bytes, with W-TinyLFU admission, a time to live per entry kind
 * and negative entries. It sits in front of a shared store such as Redis: a hit costs a hash probe and
 * a copy, and allocates nothing.
 *
 * <pre>{@code
 * NearCache cache = NearCache.builder(8)          // 8 floats per record
 *     .maxBytes(64L << 20)                        // everything it holds, tables included
 *     .ttl(0, 5, TimeUnit.MINUTES)                // kind 0: features of established posts
 *     .ttl(1, 10, TimeUnit.SECONDS)               // kind 1: features of fresh posts, still changing
 *     .negativeTtl(30, TimeUnit.SECONDS)          // "the store has nothing for this key"
 *     .build();
 * float[] row = new float[8];                     // caller-owned
 * switch (cache.get(postId, System.nanoTime(), row, 0)) {
 *   case NearCache.HIT:    use(row); break;
 *   case NearCache.ABSENT: useDefaults(); break;  // a cached "not in the store"
 *   default:               fetchFromStore(postId);  // MISS
 * }
 * }</pre>
 *
 * <h2>Bounded by bytes</h2>
 * Every array the cache will ever use is allocated by {@link Builder#build()}: the capacity in entries
 * is the largest whose tables (keys, values, expiry times, list links, hash index, frequency sketch,
 * access buffers) fit in {@link Builder#maxBytes(long)}. {@link #footprintBytes()} reports that total;
 * nothing grows afterwards, whatever is put, so the bound holds under any key pattern.
 *
 * <h2>Admission and eviction (W-TinyLFU)</h2>
 * The cache is split into independent segments by key hash. Each segment keeps a small LRU
 * <i>window</i> (1% of its entries) in front of a segmented-LRU <i>main</i> area (probation, and a
 * protected part of 80% of main). A new key always enters the window. When the segment is full, the
 * window's oldest entry (the candidate) competes with main's least-recent entry (the victim): the one
 * a 4-bit count-min sketch of recent accesses estimates as more frequent stays. The sketch halves its
 * counters every {@code 10 x capacity} accesses (aging). So a key read once (a one-hit wonder, or a
 * scan over many keys) passes through the window and is dropped without displacing the popular set,
 * while a key that becomes popular wins its way in. A candidate whose estimate is at least 6 is also
 * admitted with probability 1/128 when it ties or loses, so a flood of colliding keys cannot pin a
 * victim forever. (Caffeine also sizes the window adaptively; this cache keeps it at 1%.)
 *
 * <h2>Expiry and negative entries</h2>
 * Each entry has a <i>kind</i> ({@code 0 .. kinds-1}) whose time to live is set on the builder
 * (default: none). {@link #putAbsent} stores a negative entry ("the store has no value"), reported as
 * {@link #ABSENT} until {@link Builder#negativeTtl} passes. Expired entries read as {@link #MISS}
 * and are removed when they come up for eviction, before any live entry is.
 *
 * <h2>Thread-safety</h2>
 * Any number of threads may call every method at once. Reads are lock-free: a probe under a
 * {@link StampedLock} optimistic stamp, retried if a writer changed the segment meanwhile. A hit is
 * recorded into the segment's lossy ring buffer of accesses (dropped, never waited for, when full);
 * once it is half full, the {@linkplain Builder#executor maintenance executor} replays it into the
 * sketch and the LRU order under the segment's maintenance lock, as Caffeine does, so a reader pays
 * for the probe, the copy and one compare-and-set, not for the bookkeeping. Writes ({@link #put},
 * {@link #putAbsent}, {@link #invalidate}) take the maintenance lock and replay the ring first.
 *
 * <p><b>Allocation:</b> {@link #get} and the hit path allocate nothing; {@link #put} and
 * {@link #putAbsent} allocate nothing either (a contended {@code ReentrantLock} may allocate its wait
 * node). Counters are striped by thread ({@link StripedCounters}), allocated when the cache is built.
 * {@link #stats()} allocates its snapshot.
 */
public final class NearCache {
  /** {@link #get} found no live entry: fetch from the store. */
  public static final int MISS = 0;
  /** {@link #get} copied a live entry's values into the caller's array. */
  public static final int HIT = 1;
  /** {@link #get} found a live negative entry: the store has no value for this key. */
  public static final int ABSENT = 2;

  /** Entry kinds a cache may have at most. */
  public static final int MAX_KINDS = 64;

  private static final int MAX_SEGMENTS = 64;
  /** Entries per segment before the cache splits into more segments. */
  private static final int SEGMENT_TARGET = 4096;
  private static final int MIN_SEGMENT_CAPACITY = 16;
  /** Farthest expiry in the future that {@code now - expiresAt} still compares correctly. */
  private static final long FOREVER = Long.MAX_VALUE >>> 1;

  private final Segment[] segments;
  private final int segmentMask;
  private final int width;
  private final long[] ttlNanos;
  private final long negativeTtlNanos;
  private final long maxBytes;
  private final int capacity;
  private final long footprint;
  private final StripedCounters counters = new StripedCounters(7);
  final StripedCounters.Counter hits = counters.newCounter();
  final StripedCounters.Counter absentHits = counters.newCounter();
  final StripedCounters.Counter misses = counters.newCounter();
  final StripedCounters.Counter expiredReads = counters.newCounter();
  final StripedCounters.Counter puts = counters.newCounter();
  final StripedCounters.Counter evictions = counters.newCounter();
  final StripedCounters.Counter rejections = counters.newCounter();

  private NearCache(Builder b) {
    this.width = b.width;
    this.ttlNanos = b.ttlNanos.clone();
    this.negativeTtlNanos = b.negativeTtlNanos;
    this.maxBytes = b.maxBytes;
    final int segmentCount = segmentsFor(b.maxBytes, b.width);
    final int perSegment = perSegmentCapacity(b.maxBytes, b.width, segmentCount);
    if (perSegment < MIN_SEGMENT_CAPACITY) {
      throw new IllegalArgumentException("maxBytes " + b.maxBytes + " holds fewer than "
          + MIN_SEGMENT_CAPACITY + " records of " + width + " floats; at least "
          + footprintOf(1, MIN_SEGMENT_CAPACITY, width) + " bytes are needed");
    }
    this.segments = new Segment[segmentCount];
    long bytes = 0;
    for (int i = 0; i < segmentCount; i++) {
      segments[i] = new Segment(perSegment, width, b.executor);
      bytes += segments[i].footprintBytes();
    }
    this.segmentMask = segmentCount - 1;
    this.capacity = perSegment * segmentCount;
    this.footprint = bytes + objectBytes(segmentCount);
  }

  /**
   * {@return a new builder for records of {@code width} floats ({@code width >= 1})}
   *
   * @param width floats per record
   */
  public static Builder builder(int width) {
    return new Builder(width);
  }

  // ------------------------------------------------------------------ reading

  /**
   * Looks {@code key} up at time {@code nowNanos} ({@link System#nanoTime()} scale). On {@link #HIT}
   * the record's {@link #width()} floats are copied into {@code out[offset ..]}; on {@link #ABSENT} or
   * {@link #MISS} {@code out} may have been overwritten with garbage (a read that raced a writer is
   * retried into the same place). Allocates nothing.
   *
   * @param key the item key
   * @param nowNanos the current time of the fetch's clock, for expiry
   * @param out receives the record on a hit
   * @param offset where the record goes in {@code out}
   * @return {@link #HIT}, {@link #ABSENT} or {@link #MISS}
   * @throws IndexOutOfBoundsException if {@code out} has no room for a record at {@code offset}
   */
  public int get(long key, long nowNanos, float[] out, int offset) {
    final int r = lookup(key, nowNanos, out, offset);
    (r == HIT ? hits : r == ABSENT ? absentHits : misses).increment();
    return r;
  }

  /**
   * Looks up a whole batch in one call: for each {@code i < count}, {@code keys[from + i]} at time
   * {@code nowNanos}. {@code outcomes[i]} receives {@link #HIT}, {@link #ABSENT} or {@link #MISS};
   * on a hit the record's {@link #width()} floats are copied to {@code out[i * width ..]}
   * (row-major; the rows of absent and missed keys hold garbage). Every key is probed before any hit
   * is recorded for admission, so the memory loads of different keys overlap in the CPU instead of
   * waiting behind one compare-and-set per hit; the counters are added once per batch. Same results as
   * {@code count} calls of {@link #get}. Allocates nothing; the caller owns {@code out} and
   * {@code outcomes} (one per request thread, reused).
   *
   * @param keys the keys to look up
   * @param from the first key's index in {@code keys}
   * @param count how many keys
   * @param nowNanos the current time of the fetch's clock, for expiry
   * @param out receives key {@code from + i}'s record at {@code i * width()} on a hit
   * @param outcomes receives each key's outcome ({@link #HIT}, {@link #ABSENT}, {@link #MISS}) at
   *     index {@code i}
   * @return the number of hits
   * @throws IndexOutOfBoundsException if the keys' range is outside {@code keys}, {@code out} has
   *     fewer than {@code count * width} floats or {@code outcomes} fewer than {@code count} entries
   */
  public int getAll(long[] keys, int from, int count, long nowNanos, float[] out, byte[] outcomes) {
    java.util.Objects.checkFromIndexSize(from, count, keys.length);
    final int w = width;
    if ((long) count * w > out.length || count > outcomes.length) {
      throw new IndexOutOfBoundsException(count + " records of " + w + " floats do not fit in out["
          + out.length + "] and outcomes[" + outcomes.length + "]");
    }
    // A touch pass first. A lookup is two dependent memory loads (the index slot, then the row it
    // names); in a cache larger than the CPU caches both miss, and one key's second load cannot start
    // before its first returns, while the probe's optimistic-read bookkeeping keeps the CPU from
    // running far ahead into the next keys. This loop has nothing but those loads, independent from
    // key to key, so the CPU keeps many misses in flight; the probes below then find the lines cached
    // (NearCacheBatchBenchmark in the Redis module measures it). The touched word goes to outcomes
    // only so the loads are not dead code; the probe overwrites it.
    for (int i = 0; i < count; i++) {
      final long h = mix(keys[from + i]);
      outcomes[i] = (byte) segments[segmentOf(h)].touchRow(h);
    }
    int hitCount = 0;
    int absentCount = 0;
    for (int i = 0; i < count; i++) {
      final long key = keys[from + i];
      final long h = mix(key);
      final int r = segments[segmentOf(h)].get(key, h, nowNanos, out, i * w, false, this);
      outcomes[i] = (byte) r;
      if (r == HIT) {
        hitCount++;
      } else if (r == ABSENT) {
        absentCount++;
      }
    }
    // recorded after the probes, so the probes' loads are not serialised by the recording
    for (int i = 0; i < count; i++) {
      if (outcomes[i] == HIT) {
        recordHit(keys[from + i]);
      }
    }
    count(hitCount, absentCount, count - hitCount - absentCount);
    return hitCount;
  }

  /** {@link #get} without touching the counters: the fetch stage counts a whole batch at once. */
  int lookup(long key, long nowNanos, float[] out, int offset) {
    return find(key, nowNanos, out, offset, true);
  }

  /** Records a hit found without recording (by {@link #getAll}), for admission and recency. */
  private void recordHit(long key) {
    final long h = mix(key);
    segments[segmentOf(h)].record(key);
  }

  private int find(long key, long nowNanos, float[] out, int offset, boolean record) {
    if (offset < 0 || offset > out.length - width) {
      throw new IndexOutOfBoundsException("a record of " + width + " floats does not fit at offset "
          + offset + " of an array of " + out.length);
    }
    final long h = mix(key);
    return segments[segmentOf(h)].get(key, h, nowNanos, out, offset, record, this);
  }

  /** Adds a batch's lookups to the counters (see {@link #lookup}). */
  void count(int hitCount, int absentCount, int missCount) {
    if (hitCount > 0) {
      hits.add(hitCount);
    }
    if (absentCount > 0) {
      absentHits.add(absentCount);
    }
    if (missCount > 0) {
      misses.add(missCount);
    }
  }

  // ------------------------------------------------------------------ writing

  /**
   * Stores (or replaces) {@code key}'s record, copied from {@code values[offset .. offset+width)}, as
   * an entry of {@code kind}, expiring after that kind's time to live. If the segment is full, W-TinyLFU
   * decides which entry leaves (see the class comment). Allocates nothing.
   *
   * @param key the item key
   * @param kind the entry's kind (time-to-live class)
   * @param nowNanos the current time of the fetch's clock, for expiry
   * @param values holds the record
   * @param offset where the record starts in {@code values}
   * @throws IllegalArgumentException if {@code kind} is not a kind of this cache
   * @throws IndexOutOfBoundsException if {@code values} has no record at {@code offset}
   */
  public void put(long key, int kind, long nowNanos, float[] values, int offset) {
    if (kind < 0 || kind >= ttlNanos.length) {
      throw new IllegalArgumentException("kind " + kind + " is not in [0, " + ttlNanos.length
          + "); declare it with Builder.ttl");
    }
    if (offset < 0 || offset > values.length - width) {
      throw new IndexOutOfBoundsException("no record of " + width + " floats at offset " + offset
          + " of an array of " + values.length);
    }
    final long h = mix(key);
    segments[segmentOf(h)].put(key, h, (byte) kind, nowNanos, expiry(nowNanos, ttlNanos[kind]),
        values, offset, this);
  }

  /**
   * Stores a negative entry for {@code key} ("the store has no value"), read as {@link #ABSENT} until
   * the negative time to live passes. Replaces a positive entry. Allocates nothing.
   *
   * @param key the item key
   * @param nowNanos the current time of the fetch's clock, for expiry
   */
  public void putAbsent(long key, long nowNanos) {
    final long h = mix(key);
    segments[segmentOf(h)].put(key, h, Segment.NEGATIVE, nowNanos, expiry(nowNanos, negativeTtlNanos),
        null, 0, this);
  }

  /**
   * Removes {@code key}'s entry, positive or negative. Returns whether there was one.
   *
   * @param key the item key
   * @return true when an entry was removed
   */
  public boolean invalidate(long key) {
    final long h = mix(key);
    return segments[segmentOf(h)].invalidate(key, h);
  }

  private static long expiry(long now, long ttl) {
    return now + Math.min(ttl, FOREVER);
  }

  // ------------------------------------------------------------ introspection

  /** {@return the floats per record} */
  public int width() {
    return width;
  }

  /** {@return the most entries the cache holds (all segments together)} */
  public int capacity() {
    return capacity;
  }

  /** {@return the byte bound given to the builder} */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Bytes of every array and object the cache holds, allocated at construction; never more than
   * {@link #maxBytes()} and never growing.
   *
   * @return the bytes held, fixed at construction
   */
  public long footprintBytes() {
    return footprint;
  }

  /** {@return the entries currently held, live or expired but not yet evicted (a moment's view)} */
  public int size() {
    int n = 0;
    for (Segment s : segments) {
      n += s.sizeView();
    }
    return n;
  }

  /** {@return a new snapshot of the counters (allocates)} */
  public Stats stats() {
    long resets = 0;
    for (Segment s : segments) {
      resets += s.sketchResets();
    }
    return new Stats(hits.sum(), absentHits.sum(), misses.sum(), expiredReads.sum(), puts.sum(),
        evictions.sum(), rejections.sum(), resets, size(), capacity, footprint);
  }

  /**
   * The cache's counters at one moment. Immutable and thread-safe.
   *
   * @param hits lookups that found a live record
   * @param absentHits lookups that found a live negative entry
   * @param misses lookups that found nothing live (expired entries included)
   * @param expiredReads misses that found an expired entry
   * @param puts records and negative entries stored
   * @param evictions entries removed to make room (admission losers included)
   * @param rejections candidates the frequency sketch refused in favour of main's victim
   * @param sketchResets times the frequency sketches halved their counters
   * @param size entries held
   * @param capacity most entries held
   * @param footprintBytes bytes held, fixed at construction
   */
  public record Stats(long hits, long absentHits, long misses, long expiredReads, long puts,
      long evictions, long rejections, long sketchResets, int size, int capacity,
      long footprintBytes) {
    /** {@return the hits (positive and negative) over lookups, 0 when there were none} */
    public double hitRatio() {
      final long all = hits + absentHits + misses;
      return all == 0 ? 0 : (double) (hits + absentHits) / all;
    }
  }

  @Override
  public String toString() {
    return "NearCache[width=" + width + ", capacity=" + capacity + ", segments=" + segments.length
        + ", footprint=" + footprint + " bytes]";
  }

  // ------------------------------------------------------------------ sizing

  private int segmentOf(long h) {
    return (int) (h >>> 40) & segmentMask;
  }

  static long mix(long key) {
    long z = key * 0x9E37_79B9_7F4A_7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }

  /** Bytes of an array of {@code length} elements of {@code elementBytes}: 16-byte header, 8-aligned. */
  static long arrayBytes(long length, int elementBytes) {
    return (16 + length * elementBytes + 7) & ~7L;
  }

  /** The cache object, its segment array and its counters (seven adders, cells counted for 2 CPUs). */
  private static long objectBytes(int segmentCount) {
    return 96 + arrayBytes(segmentCount, 4) + 7 * (48 + 2 * 128);
  }

  private static long footprintOf(int segmentCount, int perSegment, int width) {
    return segmentCount * Segment.footprintOf(perSegment, width) + objectBytes(segmentCount);
  }

  private static int segmentsFor(long maxBytes, int width) {
    final long perEntry = Segment.footprintOf(SEGMENT_TARGET, width) / SEGMENT_TARGET;
    final long entries = maxBytes / Math.max(1, perEntry);
    final long wanted = Math.max(1, entries / SEGMENT_TARGET);
    return (int) Math.min(MAX_SEGMENTS, Long.highestOneBit(wanted));
  }

  /** The largest per-segment capacity whose footprint fits (binary search: footprint is monotone). */
  private static int perSegmentCapacity(long maxBytes, int width, int segmentCount) {
    int lo = 0;
    int hi = (int) Math.min(1 << 28, maxBytes / segmentCount / (4L * width + 8) + 1);
    while (lo < hi) {
      final int mid = (int) (((long) lo + hi + 1) >>> 1);
      if (footprintOf(segmentCount, mid, width) <= maxBytes) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  // ----------------------------------------------------------------- builder

  /**
   * Configures a {@link NearCache}. Not thread-safe; {@link #build()} allocates the whole cache.
   */
  public static final class Builder {
    private final int width;
    private long maxBytes = 64L << 20;
    private long[] ttlNanos = {Long.MAX_VALUE};
    private long negativeTtlNanos = TimeUnit.SECONDS.toNanos(30);
    private Executor executor = Maintenance.SHARED;

    private Builder(int width) {
      if (width < 1) {
        throw new IllegalArgumentException("width must be at least 1 float, got " + width);
      }
      this.width = width;
    }

    /**
     * The bound on everything the cache holds (default 64 MiB).
     *
     * @param bytes the bound, positive
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBytes must be positive, got " + bytes);
      }
      this.maxBytes = bytes;
      return this;
    }

    /**
     * Time to live of entries of {@code kind} ({@code 0 <= kind < MAX_KINDS}); kinds up to the
     * largest one declared exist, those not given a time to live never expire (kind 0 by default).
     *
     * @param kind the kind
     * @param amount the duration in {@code unit}s, positive
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the kind is out of range or the amount not positive
     */
    public Builder ttl(int kind, long amount, TimeUnit unit) {
      if (kind < 0 || kind >= MAX_KINDS) {
        throw new IllegalArgumentException("kind must be in [0, " + MAX_KINDS + "), got " + kind);
      }
      if (amount <= 0) {
        throw new IllegalArgumentException("ttl must be positive, got " + amount + " " + unit);
      }
      if (kind >= ttlNanos.length) {
        final long[] grown = new long[kind + 1];
        java.util.Arrays.fill(grown, Long.MAX_VALUE);
        System.arraycopy(ttlNanos, 0, grown, 0, ttlNanos.length);
        ttlNanos = grown;
      }
      ttlNanos[kind] = unit.toNanos(amount);
      return this;
    }

    /**
     * Time to live of negative entries (default 30 seconds).
     *
     * @param amount the duration in {@code unit}s, positive
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     */
    public Builder negativeTtl(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("negativeTtl must be positive, got " + amount + " " + unit);
      }
      negativeTtlNanos = unit.toNanos(amount);
      return this;
    }

    /**
     * Where recorded hits are replayed into the frequency sketch and the LRU order. The default is
     * one daemon thread shared by every near cache of the process, to which handing work allocates
     * nothing. {@code Runnable::run} replays on the reading thread instead (no other thread, but the
     * reader pays for it); a fork-join pool also works (the replay task is a {@link ForkJoinTask}),
     * but may allocate on the reading thread when it starts a worker.
     *
     * @param executor where replays run; kept
     * @return this builder, for chaining
     */
    public Builder executor(Executor executor) {
      this.executor = java.util.Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Allocates the cache.
     *
     * @return a new cache with every array allocated
     * @throws IllegalArgumentException if {@code maxBytes} cannot hold a minimal cache
     */
    public NearCache build() {
      return new NearCache(this);
    }
  }

  // ----------------------------------------------------------------- segment

  /**
   * A segment's replay job, submitted whenever its ring passes half full: to {@link Maintenance} by
   * default, or to the builder's executor. A {@link ForkJoinTask} so that a fork-join pool needs no
   * wrapper; {@link #exec()} reports "not done" so the same task can be submitted again and again.
   */
  static final class DrainTask extends ForkJoinTask<Void> implements Runnable {
    private static final long serialVersionUID = 1L;
    private final transient Segment segment;
    /** The task under this one on {@link Maintenance}'s stack. */
    transient DrainTask below;

    DrainTask(Segment segment) {
      this.segment = segment;
    }

    @Override
    public void run() {
      segment.runDrain();
    }

    @Override
    protected boolean exec() {
      run();
      return false;
    }

    @Override
    public Void getRawResult() {
      return null;
    }

    @Override
    protected void setRawResult(Void value) {}
  }

  /**
   * One independent W-TinyLFU cache over the keys hashing to it. Entries live in slot-indexed slab
   * arrays; a linear-probing table maps keys to slots; the window, probation and protected queues are
   * circular doubly-linked lists through {@code prev}/{@code next}, with three sentinel slots after
   * the real ones. Readers touch only the table and the slab (under an optimistic stamp); the queues
   * and the sketch belong to whoever holds {@code maintenance}.
   */
  static final class Segment {
    static final byte NEGATIVE = (byte) 0x80;
    private static final byte FREE = 0;
    private static final byte WINDOW = 1;
    private static final byte PROBATION = 2;
    private static final byte PROTECTED = 3;
    /** Marks an empty slot of the access ring; never a key that is recorded. */
    private static final long EMPTY = Long.MIN_VALUE;
    private static final int RING = 128;
    private static final int DRAIN_AT = RING / 2;
    private static final VarHandle RING_SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle RING_TAIL;
    private static final VarHandle RING_HEAD;

    static {
      try {
        final MethodHandles.Lookup l = MethodHandles.lookup();
        RING_TAIL = l.findVarHandle(Segment.class, "ringTail", long.class);
        RING_HEAD = l.findVarHandle(Segment.class, "ringHead", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    // read by lock-free readers, written under `stamps` write mode
    private final StampedLock stamps = new StampedLock();
    private final int[] table;
    private final int tableMask;
    /**
     * One row of {@code stride} longs per slot: the key, the expiry time (its lowest bit set for a
     * negative entry), then the record's floats packed two to a long. A hit touches the index and
     * one row, usually a single cache line or two.
     */
    private final long[] slab;
    private final int stride;

    // maintenance state
    private final ReentrantLock maintenance = new ReentrantLock();
    private final int capacity;
    private final int width;
    private final int windowMax;
    private final int protectedMax;
    private final byte[] queue;
    private final int[] prev;
    private final int[] next;
    private final int windowHead;
    private final int probationHead;
    private final int protectedHead;
    private final FrequencySketch sketch;
    private int size;
    private volatile int sizeView;
    private int windowSize;
    private int protectedSize;
    private int freeList;
    private long random = 0x2545_F491_4F6C_DD1DL;

    // access ring: producers claim by CAS on the tail, the drainer advances the head
    private final long[] ring = new long[RING];
    private final Executor executor;
    private final DrainTask drainTask;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    @SuppressWarnings("unused") // through RING_TAIL
    private volatile long ringTail;
    @SuppressWarnings("unused") // through RING_HEAD
    private volatile long ringHead;

    Segment(int capacity, int width, Executor executor) {
      this.executor = executor;
      this.drainTask = new DrainTask(this);
      this.capacity = capacity;
      this.width = width;
      this.windowMax = Math.max(1, capacity / 100);
      this.protectedMax = (int) ((capacity - windowMax) * 0.8);
      final int tableLength = tableLength(capacity);
      this.table = new int[tableLength];
      this.tableMask = tableLength - 1;
      this.stride = strideOf(width);
      this.slab = new long[capacity * stride];
      this.queue = new byte[capacity];
      this.prev = new int[capacity + 3];
      this.next = new int[capacity + 3];
      this.windowHead = capacity;
      this.probationHead = capacity + 1;
      this.protectedHead = capacity + 2;
      for (int h = capacity; h < capacity + 3; h++) {
        prev[h] = h;
        next[h] = h;
      }
      // free slots chained through next[], -1 ends the chain
      for (int i = 0; i < capacity; i++) {
        next[i] = i + 1 < capacity ? i + 1 : -1;
      }
      this.freeList = 0;
      this.sketch = new FrequencySketch(capacity);
      java.util.Arrays.fill(ring, EMPTY);
    }

    /** Longs per slab row: key, expiry, then two floats per long. */
    static int strideOf(int width) {
      return 2 + (width + 1) / 2;
    }

    private static int tableLength(int capacity) {
      return Integer.highestOneBit(Math.max(2, 2 * capacity) - 1) << 1;
    }

    static long footprintOf(int capacity, int width) {
      return arrayBytes(tableLength(capacity), 4)
          + arrayBytes((long) capacity * strideOf(width), 8) // key, expiry, packed floats
          + arrayBytes(capacity, 1)                      // queue
          + arrayBytes(capacity + 3, 4) * 2              // prev, next
          + arrayBytes(FrequencySketch.tableLength(capacity), 8) + 32
          + arrayBytes(RING, 8)
          + 320;                                         // this object, its locks and drain task
    }

    long footprintBytes() {
      return footprintOf(capacity, width);
    }

    int sizeView() {
      return sizeView;
    }

    long sketchResets() {
      maintenance.lock();
      try {
        return sketch.resets();
      } finally {
        maintenance.unlock();
      }
    }

    // ---------------------------------------------------------------- reads

    int get(long key, long h, long now, float[] out, int offset, boolean recordHit,
        NearCache cache) {
      final int w = width;
      for (int attempt = 0; ; attempt++) {
        final long stamp = stamps.tryOptimisticRead();
        if (stamp == 0) {
          backOff(attempt);
          continue;
        }
        final int slot = find(key, h);
        long expires = 0;
        if (slot >= 0) {
          final long[] row = slab;
          final int base = slot * stride;
          expires = row[base + 1];
          if ((expires & 1) == 0) {
            int j = 0;
            for (int at = base + 2; j + 1 < w; at++, j += 2) {
              final long two = row[at];
              out[offset + j] = Float.intBitsToFloat((int) two);
              out[offset + j + 1] = Float.intBitsToFloat((int) (two >>> 32));
            }
            if (j < w) {
              out[offset + j] = Float.intBitsToFloat((int) row[base + 2 + (j >> 1)]);
            }
          }
        }
        if (!stamps.validate(stamp)) {
          backOff(attempt);
          continue;
        }
        if (slot < 0) {
          return MISS;
        }
        if (now - expires >= 0) {
          cache.expiredReads.increment();
          return MISS;
        }
        if (recordHit) {
          record(key);
        }
        return (expires & 1) != 0 ? ABSENT : HIT;
      }
    }

    /** A writer holds the stamp for a few hundred nanoseconds: spin, then let it run. */
    private static void backOff(int attempt) {
      if (attempt < 32) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }

    /**
     * Loads {@code h}'s home index slot and the key word of the row it names, if any: a prefetch for
     * {@link #get}. Racy by design (no stamp): the value is only a hint, and any slot number read is
     * a valid row.
     */
    int touchRow(long h) {
      final int s = table[(int) h & tableMask];
      return s == 0 ? 0 : (int) slab[(s - 1) * stride];
    }

    /** The slot holding {@code key}, or -1. Bounded, so a torn view cannot loop forever. */
    private int find(long key, long h) {
      final int[] t = table;
      final int m = tableMask;
      int i = (int) h & m;
      for (int probes = 0; probes <= m; probes++) {
        final int s = t[i];
        if (s == 0) {
          return -1;
        }
        if (slab[(s - 1) * stride] == key) {
          return s - 1;
        }
        i = (i + 1) & m;
      }
      return -1;
    }

    /**
     * Records a hit in the lossy access ring. Past half full, the ring is handed to the maintenance
     * executor to be replayed (once: a flag says a replay is scheduled), so the reader does not pay
     * for the sketch and the list moves. If the executor has fallen behind and the ring is full, the
     * access is dropped, as in Caffeine: the reader never waits and never takes a rare slow path.
     */
    void record(long key) {
      if (key == EMPTY) {
        return; // the one key the ring cannot carry: its hits simply do not count for admission
      }
      final long tail = (long) RING_TAIL.getVolatile(this);
      final long pending = tail - (long) RING_HEAD.getVolatile(this);
      if (pending >= RING) {
        return; // the executor has fallen behind: drop the access (the replay is scheduled)
      }
      if (RING_TAIL.compareAndSet(this, tail, tail + 1)) {
        RING_SLOT.setRelease(ring, (int) tail & (RING - 1), key);
        if (pending + 1 >= DRAIN_AT) {
          scheduleDrain();
        }
      }
      // lost the race: dropping one access only blurs the frequency estimate a little
    }

    private void scheduleDrain() {
      if (drainScheduled.get() || !drainScheduled.compareAndSet(false, true)) {
        return;
      }
      try {
        executor.execute(drainTask);
      } catch (RuntimeException rejected) {
        drainScheduled.set(false);
        runDrain(); // a rejecting executor: replay here, if no one else is
      }
    }

    /** The maintenance executor's job: replay the ring under the lock if it is free. */
    void runDrain() {
      if (drainScheduled.get()) {
        drainScheduled.set(false);
      }
      if (maintenance.tryLock()) {
        try {
          drain();
        } finally {
          maintenance.unlock();
        }
      }
    }

    /** Replays recorded hits into the sketch and the LRU order. Holds maintenance. */
    private void drain() {
      long head = (long) RING_HEAD.getVolatile(this);
      final long tail = (long) RING_TAIL.getVolatile(this);
      while (head < tail) {
        final int i = (int) head & (RING - 1);
        final long key = (long) RING_SLOT.getAcquire(ring, i);
        if (key == EMPTY) {
          break; // claimed but not yet written: the next drain picks it up
        }
        ring[i] = EMPTY;
        head++;
        onAccess(key);
      }
      RING_HEAD.setVolatile(this, head);
    }

    private void onAccess(long key) {
      sketch.increment(key);
      final int slot = find(key, mix(key));
      if (slot >= 0) {
        touch(slot);
      }
    }

    /** Moves an accessed entry: window to its MRU end, probation to protected, protected to MRU. */
    private void touch(int slot) {
      switch (queue[slot]) {
        case WINDOW:
          unlink(slot);
          linkFirst(windowHead, slot);
          break;
        case PROBATION:
          unlink(slot);
          linkFirst(protectedHead, slot);
          queue[slot] = PROTECTED;
          protectedSize++;
          if (protectedSize > protectedMax) {
            final int demoted = prev[protectedHead];
            unlink(demoted);
            linkFirst(probationHead, demoted);
            queue[demoted] = PROBATION;
            protectedSize--;
          }
          break;
        case PROTECTED:
          unlink(slot);
          linkFirst(protectedHead, slot);
          break;
        default:
          break;
      }
    }

    // --------------------------------------------------------------- writes

    void put(long key, long h, byte kind, long now, long expires, float[] src, int offset,
        NearCache cache) {
      maintenance.lock();
      try {
        drain();
        sketch.increment(key);
        int slot = find(key, h);
        if (slot >= 0) {
          write(slot, key, kind, expires, src, offset, false, h);
          touch(slot);
        } else {
          if (size == capacity) {
            evictOne(now, cache);
          }
          slot = freeList;
          freeList = next[slot];
          write(slot, key, kind, expires, src, offset, true, h);
          linkFirst(windowHead, slot);
          queue[slot] = WINDOW;
          windowSize++;
          size++;
          sizeView = size;
          if (windowSize > windowMax) {
            // the window overflowed while the segment had room: its oldest entry moves to main
            final int oldest = prev[windowHead];
            unlink(oldest);
            windowSize--;
            linkFirst(probationHead, oldest);
            queue[oldest] = PROBATION;
          }
        }
        cache.puts.increment();
      } finally {
        maintenance.unlock();
      }
    }

    private void write(int slot, long key, byte kind, long expires, float[] src, int offset,
        boolean insert, long h) {
      final long ws = stamps.writeLock();
      try {
        final int base = slot * stride;
        slab[base] = key;
        // the lowest bit marks a negative entry; either way the entry expires at most 1 ns early
        slab[base + 1] = kind == NEGATIVE ? (expires - 1) | 1 : expires & ~1L;
        if (src != null) {
          for (int j = 0; j < width; j += 2) {
            final long lo = Float.floatToRawIntBits(src[offset + j]) & 0xFFFF_FFFFL;
            final long hi = j + 1 < width ? (long) Float.floatToRawIntBits(src[offset + j + 1]) << 32 : 0;
            slab[base + 2 + (j >> 1)] = lo | hi;
          }
        }
        if (insert) {
          int i = (int) h & tableMask;
          while (table[i] != 0) {
            i = (i + 1) & tableMask;
          }
          table[i] = slot + 1;
        }
      } finally {
        stamps.unlockWrite(ws);
      }
    }

    /**
     * Frees one slot of a full segment. The window's oldest entry (the candidate, about to be pushed
     * out by the new key) competes with main's least-recent entry (the victim); expired entries lose
     * at once.
     */
    private void evictOne(long now, NearCache cache) {
      final int victim = mainVictim();
      final int candidate = windowSize >= windowMax ? prev[windowHead] : -1;
      if (candidate < 0 || candidate == windowHead) {
        remove(victim >= 0 ? victim : prev[windowHead]);
        cache.evictions.increment();
        return;
      }
      if (victim < 0) {
        remove(candidate);
        cache.evictions.increment();
        return;
      }
      final boolean candidateExpired = now - slab[candidate * stride + 1] >= 0;
      final boolean victimExpired = now - slab[victim * stride + 1] >= 0;
      final boolean admit;
      if (candidateExpired) {
        admit = false;
      } else if (victimExpired) {
        admit = true;
      } else {
        admit = admit(slab[candidate * stride], slab[victim * stride]);
        if (!admit) {
          cache.rejections.increment();
        }
      }
      if (admit) {
        remove(victim);
        unlink(candidate);
        windowSize--;
        linkFirst(probationHead, candidate);
        queue[candidate] = PROBATION;
      } else {
        remove(candidate);
      }
      cache.evictions.increment();
    }

    /** Main's least-recent entry: probation first, then protected; -1 when main is empty. */
    private int mainVictim() {
      final int p = prev[probationHead];
      if (p != probationHead) {
        return p;
      }
      final int q = prev[protectedHead];
      return q != protectedHead ? q : -1;
    }

    private boolean admit(long candidateKey, long victimKey) {
      final int c = sketch.frequency(candidateKey);
      final int v = sketch.frequency(victimKey);
      if (c > v) {
        return true;
      }
      if (c < 6) {
        return false;
      }
      // a popular candidate that ties or loses still gets in now and then (hash-flooding defence)
      random ^= random << 13;
      random ^= random >>> 7;
      random ^= random << 17;
      return (random & 127) == 0;
    }

    boolean invalidate(long key, long h) {
      maintenance.lock();
      try {
        final int slot = find(key, h);
        if (slot < 0) {
          return false;
        }
        remove(slot);
        return true;
      } finally {
        maintenance.unlock();
      }
    }

    /** Unlinks the entry from its queue and the table and returns its slot to the free list. */
    private void remove(int slot) {
      final byte q = queue[slot];
      if (q == WINDOW) {
        windowSize--;
      } else if (q == PROTECTED) {
        protectedSize--;
      }
      unlink(slot);
      queue[slot] = FREE;
      final long ws = stamps.writeLock();
      try {
        deleteFromTable(slot);
      } finally {
        stamps.unlockWrite(ws);
      }
      next[slot] = freeList;
      freeList = slot;
      size--;
      sizeView = size;
    }

    /** Linear-probing deletion by backward shift, so no tombstones accumulate. Holds the stamp. */
    private void deleteFromTable(int slot) {
      final int m = tableMask;
      int i = (int) mix(slab[slot * stride]) & m;
      while (table[i] != slot + 1) {
        i = (i + 1) & m;
      }
      table[i] = 0;
      int j = i;
      while (true) {
        j = (j + 1) & m;
        final int s = table[j];
        if (s == 0) {
          return;
        }
        final int home = (int) mix(slab[(s - 1) * stride]) & m;
        // the entry at j may move back to the hole at i unless its home lies cyclically in (i, j]
        final boolean stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
          table[i] = s;
          table[j] = 0;
          i = j;
        }
      }
    }

    private void unlink(int slot) {
      final int p = prev[slot];
      final int n = next[slot];
      next[p] = n;
      prev[n] = p;
    }

    private void linkFirst(int head, int slot) {
      final int first = next[head];
      next[head] = slot;
      prev[slot] = head;
      next[slot] = first;
      prev[first] = slot;
    }
  }
}
