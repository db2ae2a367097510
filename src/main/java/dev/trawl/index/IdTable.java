package dev.trawl.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The id table of a {@link VectorIndex}: each known 64-bit id's current ordinal (or none) and the last
 * version written for it, including ids whose removal is remembered so that a late, older write cannot
 * bring them back.
 *
 * <h2>Layout</h2>
 * Open addressing with linear probing (at most three quarters full) over parallel arrays:
 * {@code long[] keys}, {@code int[] states} and, from the first versioned write on,
 * {@code long[] versions}. A state is {@link #EMPTY} (slot never used),
 * {@link #ABSENT} (the key is known but not live: a remembered removal, or a dead slot) or
 * {@code ordinal + 1}. A key is never moved or cleared once written, so a reader's probe never misses
 * it; dead slots are dropped when the table is rebuilt.
 *
 * <p>Ids come from outside (a stream, a snapshot file), so the hash is keyed with a random seed per
 * table: with a fixed hash, ids chosen to share a slot (easy to compute for any unkeyed hash) would
 * make linear probing quadratic, and loading a crafted snapshot of n ids cost n^2 / 2 probes.
 *
 * <h2>Concurrency</h2>
 * Readers ({@link #ordinalOf}, {@link #version}) take no lock and allocate nothing: they read the
 * current table once (a volatile read) and probe it, reading each slot's state with acquire semantics.
 * A writer fills a new slot's key and version before the release write of its state, so a reader that
 * sees a non-empty state sees its key. Writers are serialised by the caller (the index's map lock) and
 * always write the newest table. A rebuild copies into a new table and publishes it with a volatile
 * write; a reader still probing the old one sees the state as it was when it started, which is a
 * linearisable answer for a read that overlapped the writes since.
 *
 * <h2>Remembered removals</h2>
 * A versioned removal keeps its key with state {@link #ABSENT} and its version. The last
 * {@code removalMemory} of them are remembered, oldest forgotten first (a ring of ids and versions);
 * forgetting one resets its version to {@link VectorIndex#NO_VERSION}, making it a dead slot.
 *
 * <p>Not a public type. <b>Allocation:</b> writes allocate when the table or the removal ring grows.
 */
final class IdTable {
  static final int EMPTY = 0;
  static final int ABSENT = -1;
  private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(int[].class);
  private static final VarHandle VERSIONS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int MIN_CAPACITY = 16;

  private static final class Table {
    final long[] keys;
    /** Null until the first versioned write: an index that never versions pays nothing for them. */
    final long[] versions;
    final int[] states;
    final int mask;
    /** Keys the hash; each new table draws its own (a rebuild rehashes every key anyway). */
    final long seed;

    Table(int capacity, boolean versioned) {
      keys = new long[capacity];
      versions = versioned ? newVersions(capacity) : null;
      states = new int[capacity];
      mask = capacity - 1;
      seed = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    }

    /** The same slots with a versions array added: shares the keys and states. */
    Table(Table t) {
      keys = t.keys;
      versions = newVersions(t.keys.length);
      states = t.states;
      mask = t.mask;
      seed = t.seed;
    }

    private static long[] newVersions(int capacity) {
      final long[] v = new long[capacity];
      java.util.Arrays.fill(v, VectorIndex.NO_VERSION);
      return v;
    }
  }

  private final int removalMemory;
  private volatile Table table;
  /** Slots with a key (live, remembered or dead): the probe load. Writer-only. */
  private int used;
  /** Live ids. Written by the writer, read by anyone. */
  private volatile int live;
  // the ring of remembered removals, oldest at ringHead; grows up to removalMemory
  private long[] ringIds = new long[0];
  private long[] ringVersions = new long[0];
  private int ringHead;
  private int ringCount;

  /**
   * @param expectedIds ids to hold without a rebuild
   * @param removalMemory how many versioned removals to remember (0: none)
   */
  IdTable(int expectedIds, int removalMemory) {
    this.removalMemory = removalMemory;
    this.table = new Table(capacityFor(expectedIds), false);
  }

  /** The smallest power-of-two capacity that holds {@code ids} at most three quarters full. */
  private static int capacityFor(long ids) {
    final long wanted = Math.max(MIN_CAPACITY, (ids * 4 + 2) / 3);
    if (wanted > 1 << 30) {
      throw new IllegalStateException("id table cannot hold " + ids + " ids");
    }
    return Integer.highestOneBit((int) wanted - 1) << 1;
  }

  /** The seeded hash of {@code id}: the 64-bit finaliser of MurmurHash3 over {@code id ^ seed}. */
  private static int hash(long id, long seed) {
    long z = id ^ seed;
    z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
    z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
    return (int) (z ^ (z >>> 33));
  }

  // ---------------------------------------------------------------- lock-free reads

  /** The ordinal of {@code id}, or -1 when it is not live. */
  int ordinalOf(long id) {
    final Table t = table;
    final int slot = find(t, id);
    if (slot < 0) {
      return -1;
    }
    final int state = (int) STATES.getAcquire(t.states, slot);
    return state > 0 ? state - 1 : -1;
  }

  /** The last version written for {@code id} (live or remembered), or {@link VectorIndex#NO_VERSION}. */
  long version(long id) {
    final Table t = table;
    final int slot = find(t, id);
    return slot < 0 || t.versions == null
        ? VectorIndex.NO_VERSION
        : (long) VERSIONS.getAcquire(t.versions, slot);
  }

  /** Live ids. */
  int live() {
    return live;
  }

  /** The slot holding {@code id} in {@code t}, or -1. */
  private static int find(Table t, long id) {
    final int mask = t.mask;
    for (int i = hash(id, t.seed) & mask; ; i = (i + 1) & mask) {
      final int state = (int) STATES.getAcquire(t.states, i);
      if (state == EMPTY) {
        return -1;
      }
      if (t.keys[i] == id) {
        return i;
      }
    }
  }

  // ---------------------------------------------------------------- writes (one writer at a time)

  /**
   * Makes {@code id} live at {@code ordinal} with {@code version}. Returns the id's previous state
   * ({@code ordinal + 1}, {@link #ABSENT} or {@link #EMPTY}) so that {@link #restore} can undo it.
   */
  int put(long id, int ordinal, long version) {
    ensureRoomForOne();
    ensureVersions(version);
    final Table t = table;
    int slot = find(t, id);
    final int previous;
    if (slot < 0) {
      slot = freeSlot(t, id);
      t.keys[slot] = id;
      used++;
      previous = EMPTY;
    } else {
      previous = t.states[slot];
    }
    setVersion(t, slot, version);
    STATES.setRelease(t.states, slot, ordinal + 1);
    if (previous <= 0) {
      live++;
    }
    return previous;
  }

  /**
   * Undoes a {@link #put}: the id goes back to {@code previousState} and {@code previousVersion}.
   * Allocates nothing (the slot exists).
   */
  void restore(long id, int previousState, long previousVersion) {
    final Table t = table;
    final int slot = find(t, id);
    if (slot < 0) {
      return;
    }
    final int current = t.states[slot];
    setVersion(t, slot, previousVersion);
    STATES.setRelease(t.states, slot, previousState == EMPTY ? ABSENT : previousState);
    if (current > 0 && previousState <= 0) {
      live--;
    } else if (current <= 0 && previousState > 0) {
      live++;
    }
  }

  /**
   * Marks {@code id} not live. With {@code version} other than {@link VectorIndex#NO_VERSION} the
   * removal is remembered (the key is added if unknown); otherwise the slot becomes dead. Returns the
   * ordinal the id had, or -1.
   */
  int remove(long id, long version) {
    final boolean remember = version != VectorIndex.NO_VERSION && removalMemory > 0;
    if (remember) {
      ensureRoomForOne();
      ensureVersions(version);
      ensureRingSpace();
    }
    final Table t = table;
    int slot = find(t, id);
    if (slot < 0) {
      if (!remember) {
        return -1;
      }
      slot = freeSlot(t, id);
      t.keys[slot] = id;
      used++;
    }
    final int state = t.states[slot];
    setVersion(t, slot, remember ? version : VectorIndex.NO_VERSION);
    STATES.setRelease(t.states, slot, ABSENT);
    if (state > 0) {
      live--;
    }
    if (remember) {
      remember(id, version);
    }
    return state > 0 ? state - 1 : -1;
  }

  /** Adds the versions array before the first versioned write (readers see none until then). */
  private void ensureVersions(long version) {
    if (version != VectorIndex.NO_VERSION && table.versions == null) {
      table = new Table(table);
    }
  }

  private static void setVersion(Table t, int slot, long version) {
    if (t.versions != null) {
      VERSIONS.setRelease(t.versions, slot, version);
    }
  }

  private int freeSlot(Table t, long id) {
    final int mask = t.mask;
    int i = hash(id, t.seed) & mask;
    while (t.states[i] != EMPTY) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** Rebuilds into a larger (or, after many dead slots, a cleaner) table before a key may be added. */
  private void ensureRoomForOne() {
    final Table t = table;
    if ((used + 1L) * 4 <= t.keys.length * 3L) {
      return;
    }
    // twice what is kept: a rebuild leaves the table at most three eighths full
    final Table next = new Table(capacityFor(2L * (live + ringCount) + 1), t.versions != null);
    int kept = 0;
    for (int i = 0; i < t.keys.length; i++) {
      final int state = t.states[i];
      if (state == EMPTY
          || (state == ABSENT && (t.versions == null || t.versions[i] == VectorIndex.NO_VERSION))) {
        continue; // never used, or dead
      }
      final int slot = freeSlot(next, t.keys[i]);
      next.keys[slot] = t.keys[i];
      if (next.versions != null) {
        next.versions[slot] = t.versions[i];
      }
      next.states[slot] = state;
      kept++;
    }
    used = kept;
    table = next; // volatile write publishes the filled table
  }

  private void ensureRingSpace() {
    if (ringCount < ringIds.length || ringIds.length == removalMemory) {
      return;
    }
    final int grown = (int) Math.min(removalMemory, Math.max(64L, ringIds.length * 2L));
    final long[] ids = new long[grown];
    final long[] versions = new long[grown];
    for (int i = 0; i < ringCount; i++) {
      final int from = (ringHead + i) % ringIds.length;
      ids[i] = ringIds[from];
      versions[i] = ringVersions[from];
    }
    ringIds = ids;
    ringVersions = versions;
    ringHead = 0;
  }

  /** Appends a removal to the ring, forgetting the oldest when the ring is full. */
  private void remember(long id, long version) {
    if (ringCount == ringIds.length) {
      forget(ringIds[ringHead], ringVersions[ringHead]);
      ringHead = (ringHead + 1) % ringIds.length;
      ringCount--;
    }
    final int tail = (ringHead + ringCount) % ringIds.length;
    ringIds[tail] = id;
    ringVersions[tail] = version;
    ringCount++;
  }

  /** Forgets a remembered removal, unless the id was written again since. */
  private void forget(long id, long version) {
    final Table t = table;
    final int slot = find(t, id);
    if (slot >= 0 && t.states[slot] == ABSENT && t.versions[slot] == version) {
      setVersion(t, slot, VectorIndex.NO_VERSION);
    }
  }

  // ---------------------------------------------------------------- snapshots and accounting

  /** Remembered removals, oldest first. */
  int removalCount() {
    return ringCount;
  }

  long removalId(int i) {
    return ringIds[(ringHead + i) % ringIds.length];
  }

  long removalVersion(int i) {
    return ringVersions[(ringHead + i) % ringIds.length];
  }

  /**
   * For snapshot loading, after the live ids: remembers a removal read from a snapshot, oldest first.
   * A removal of an id that is live again is stale (the ring keeps such entries until they age out)
   * and is skipped.
   */
  void restoreRemoval(long id, long version) {
    if (ordinalOf(id) < 0) {
      remove(id, version);
    }
  }

  /**
   * The longest distance, in slots, from a key's home slot to the slot holding it: what the slowest
   * lookup probes. For tests and diagnostics; scans the whole table.
   */
  int longestProbe() {
    final Table t = table;
    int longest = 0;
    for (int i = 0; i < t.keys.length; i++) {
      if (t.states[i] != EMPTY) {
        longest = Math.max(longest, (i - (hash(t.keys[i], t.seed) & t.mask)) & t.mask);
      }
    }
    return longest;
  }

  /** Bytes held by the table and the ring. */
  long memoryBytes() {
    final Table t = table;
    return (long) t.keys.length * (Long.BYTES + Integer.BYTES)
        + (t.versions == null ? 0 : (long) t.versions.length * Long.BYTES)
        + (long) ringIds.length * Long.BYTES * 2;
  }

  /** How many versioned removals are remembered at most. */
  int removalMemory() {
    return removalMemory;
  }

  @Override
  public String toString() {
    return "IdTable[live=" + live + ", used=" + used + ", capacity=" + table.keys.length
        + ", removals=" + ringCount + "]";
  }
}
