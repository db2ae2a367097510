package dev.trawl.index;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.AttributeSchema;
import dev.trawl.filter.IdResolver;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.GraphRepair;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.hnsw.HnswSearcher;
import dev.trawl.hnsw.WriteFaults;
import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import dev.trawl.vector.PagedArray;
import dev.trawl.vector.VectorChecks;
import dev.trawl.vector.VectorStore;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory HNSW index of float32 vectors under 64-bit external ids, updated live while it is
 * searched.
 *
 * <pre>{@code
 * VectorIndex index = VectorIndex.builder(384, Metric.COSINE).m(16).efConstruction(200).build();
 * index.add(postId, embedding);                 // any thread
 * Searcher searcher = index.newSearcher();      // one per thread, reused
 * SearchResults results = new SearchResults(100);
 * searcher.search(userVector, 100, 128, results);
 * }</pre>
 *
 * <h2>Thread-safety</h2>
 * All methods are safe to call from any number of threads at once. Writes of the same id are
 * serialised (each id hashes to one of 1,024 write locks, held for the whole write); writes of
 * different ids run concurrently. Reads of the id map ({@link #contains}, {@link #ordinalOf},
 * {@link #version}, {@link #size}, id exclusions in a {@link RequestFilter}) take no lock. Searches
 * ({@link Searcher}) never block on writers and never see a half-written item. An update stores the
 * new vector under a new internal ordinal and retires the old one just before the new one becomes
 * visible, so a search sees the item once, old or new (or, for a moment, neither), never twice.
 *
 * <h2>Versioned writes, for streams</h2>
 * A stream delivers at least once and sometimes out of order. {@link #upsert(long, long, float[],
 * ItemAttributes)}, {@link #remove(long, long)} and {@link #setAttributes(long, long, ItemAttributes)}
 * apply only when their version is newer than the last version seen for the id, and return a
 * {@link WriteOutcome} instead of throwing for a redelivered, reordered or unknown id. Removals are
 * remembered with their version (the last {@link Builder#removalMemory} of them), so a late upsert
 * older than the removal does not bring the item back. Versions survive snapshots. The plain,
 * unversioned methods ({@link #add}, {@link #update}, {@link #upsert(long, float[])},
 * {@link #remove(long)}) forget the id's version.
 *
 * <h2>Failed writes</h2>
 * A write that fails for any reason (bad input, an {@link OutOfMemoryError}, a bug) leaves the index
 * exactly as it was: the id map, the version, the attributes, the tombstones and what searches reach.
 * A write's commit point is the moment the new node is published; everything that can fail happens
 * before it and is undone (the new ordinal goes back to the free list), and nothing after it can fail.
 *
 * <h2>Attributes, filters and removals</h2>
 * Items may carry {@link ItemAttributes} (author, community, language, flags), indexed as bitmaps in
 * {@link #attributes()} for per-request {@link RequestFilter}s ({@link #newFilter()}), which
 * {@link Searcher#search(float[], int, int, RequestFilter, SearchResults)} plans and applies inside the
 * graph walk. Removed and replaced items are tombstoned at once; once they pass the builder's
 * {@link Builder#repairThreshold repair threshold}, a background {@link #repair()} re-links the graph
 * around them, and later repairs free their internal ordinals for new items once no search or insert
 * can still reach them ({@link Builder#reuseOrdinals}, on by default), so memory stays bounded under an
 * endless stream of updates. See {@code docs/filters.md}.
 *
 * <h2>Errors</h2>
 * Bad input fails before anything changes: a vector of the wrong dimension, with NaN or infinite
 * components, or the zero vector under cosine ({@link IllegalArgumentException}); adding an id that is
 * present ({@link IllegalArgumentException}); updating or removing an unknown id with the plain methods
 * ({@link NoSuchElementException}); a version equal to {@link #NO_VERSION}
 * ({@link IllegalArgumentException}).
 *
 * <h2>Allocation</h2>
 * Writes allocate only when storage grows (pages of 1,024 items; the id table is rebuilt larger; an
 * attribute bitmap grows; the ring of remembered removals grows, up to its bound), plus one scratch
 * object per writing thread on its first write, and a repair thread with its scratch when a repair
 * starts. Searches, filtered or not, and reads of the id map allocate nothing.
 */
public final class VectorIndex implements IdResolver {
  /** The version of an id that has none: never written, or last written by an unversioned method. */
  public static final long NO_VERSION = Long.MIN_VALUE;

  private static final int STALL_SLACK = 256;
  private static final int WRITE_STRIPES = 1024;

  private final VectorStore vectors;
  private final HnswGraph graph;
  private final PagedArray<long[]> ordinalIds;
  private final IdTable ids;
  private final AttributeIndex attributes;
  /** Serialises writes to the id table, the ordinal-to-id pages and the attribute index (short). */
  private final Object mapLock = new Object();
  /** Per-id write locks: a write holds its id's stripe from its version check to its end. */
  private final Object[] writeStripes = new Object[WRITE_STRIPES];
  private final double repairThreshold;
  private final Object repairLock = new Object();
  private final AtomicBoolean repairScheduled = new AtomicBoolean();
  private final AtomicInteger repairsCompleted = new AtomicInteger();
  private volatile int deletedAtLastRepair;
  /** The oldest pinned walk epoch when a writer's repair could not free enough, or -1. */
  private volatile long stuckEpoch = -1;
  /**
   * Set when a writer's repair finds a walk stuck; cleared once a writer sees the unreclaimed slots
   * within the limit again (a stuck walk that ended leaves its held slots to the next repair).
   */
  private volatile boolean reuseHeldBack;
  private final java.util.concurrent.atomic.AtomicLong writesPastReuseLimit =
      new java.util.concurrent.atomic.AtomicLong();
  /** {@link #stuckGrowthLimit}, kept so that handing it to every allocation allocates nothing. */
  private final java.util.function.IntSupplier stuckGrowthLimit = this::stuckGrowthLimit;

  private VectorIndex(Builder b) {
    this.vectors = new VectorStore(b.dimension, b.metric);
    final float[] range = b.int8Range();
    final Int8Store codes =
        range == null ? null : new Int8Store(b.dimension, b.metric, range[0], range[1]);
    this.graph = new HnswGraph(vectors, codes, b.m, b.efConstruction, b.seed);
    this.ordinalIds = newIdPages();
    this.ids = new IdTable(b.expectedItems, b.removalMemory);
    this.attributes = new AttributeIndex(b.attributeSchema);
    graph.reserve(b.expectedItems);
    graph.reuseDeleted(b.reuseOrdinals);
    ordinalIds.ensureCapacity(b.expectedItems);
    attributes.ensureCapacity(b.expectedItems);
    this.repairThreshold = b.repairThreshold;
    initStripes();
  }

  /**
   * For snapshot loading ({@link IndexSnapshot}): an index over a fully restored graph, its
   * ordinal-to-id pages and the matching id table. The caller hands them over and keeps no reference,
   * and fills {@link #attributes()} (laid out by {@code schema}) before sharing the index.
   * {@code deletedAtLastRepair} resumes the repair schedule of the index that was saved. Ordinal reuse
   * is on, as for a built index.
   */
  VectorIndex(
      HnswGraph graph, PagedArray<long[]> ordinalIds, IdTable ids, int deletedAtLastRepair,
      AttributeSchema schema) {
    this.attributes = new AttributeIndex(schema);
    this.vectors = graph.vectors();
    this.graph = graph;
    this.ordinalIds = ordinalIds;
    this.ids = ids;
    this.repairThreshold = Builder.DEFAULT_REPAIR_THRESHOLD;
    this.deletedAtLastRepair = deletedAtLastRepair;
    graph.reuseDeleted(true);
    initStripes();
  }

  private void initStripes() {
    for (int i = 0; i < WRITE_STRIPES; i++) {
      writeStripes[i] = new Object();
    }
  }

  private Object writeStripe(long id) {
    final long z = id * 0x9E3779B97F4A7C15L;
    return writeStripes[(int) (z >>> 54)]; // the top 10 bits of a multiplicative hash
  }

  /** For snapshots: the deleted count when the last repair pass started. */
  int deletedAtLastRepair() {
    return deletedAtLastRepair;
  }

  /**
   * For snapshots: copies the attribute values of ordinals {@code [from, to)} into {@code out},
   * {@link AttributeSchema#width()} per ordinal (the keys in schema order, then the flag bits), under
   * the map lock, so that no item's values are caught half-changed.
   */
  void copyAttributeValues(int from, int to, long[] out, ItemAttributes scratch) {
    final int keyed = attributes.schema().keyedCount();
    synchronized (mapLock) {
      for (int o = from, i = 0; o < to; o++, i += keyed + 1) {
        attributes.get(o, scratch);
        for (int k = 0; k < keyed; k++) {
          out[i + k] = scratch.key(k);
        }
        out[i + keyed] = scratch.flags();
      }
    }
  }

  /**
   * {@return the attributes this index's items carry: {@link AttributeSchema#feed()} unless built
   * with another}
   */
  public AttributeSchema attributeSchema() {
    return attributes.schema();
  }

  /**
   * Checks, before a write changes anything, that {@code given} (null: none) is laid out by this
   * index's schema.
   */
  private void checkAttributes(ItemAttributes given) {
    final AttributeSchema schema = attributes.schema();
    if (given != null && given.schema() != schema && !given.schema().sameAs(schema)) {
      throw new IllegalArgumentException(
          "attributes of " + given.schema() + " given to an index of " + schema);
    }
  }

  /** For snapshots: the remembered removals, oldest first, as (id, version) pairs. */
  long[] copyRemovals() {
    synchronized (mapLock) {
      final int n = ids.removalCount();
      final long[] out = new long[2 * n];
      for (int i = 0; i < n; i++) {
        out[2 * i] = ids.removalId(i);
        out[2 * i + 1] = ids.removalVersion(i);
      }
      return out;
    }
  }

  /** For snapshots: how many removals this index remembers at most. */
  int removalMemory() {
    return ids.removalMemory();
  }

  /** An empty ordinal-to-id page table in the index's layout. */
  static PagedArray<long[]> newIdPages() {
    return new PagedArray<>(VectorStore.PAGE_SHIFT, p -> new long[VectorStore.PAGE_SIZE]);
  }

  /**
   * {@return a new builder for an index of {@code dimension}-component vectors under {@code
   * metric}}
   *
   * @param dimension the number of components of every vector, 1 to 65,536
   * @param metric how vectors are compared; every distance is smaller-is-nearer
   */
  public static Builder builder(int dimension, Metric metric) {
    return new Builder(dimension, metric);
  }

  // ---------------------------------------------------------------- unversioned writes

  /**
   * Adds a new item without attributes.
   *
   * @param id the item's 64-bit external id, the one searches return
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @throws IllegalArgumentException if {@code id} is already present or the vector is invalid
   */
  public void add(long id, float[] vector) {
    add(id, vector, null);
  }

  /**
   * Adds a new item and indexes its {@code attributes} (copied; null for none) for filtering. The
   * attributes are indexed before the item becomes visible to searches.
   *
   * @param id the item's 64-bit external id, the one searches return
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @param attributes the item's attributes in this index's schema, copied; null for none
   * @throws IllegalArgumentException if {@code id} is already present or the vector is invalid
   */
  public void add(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      if (ids.ordinalOf(id) >= 0) {
        throw new IllegalArgumentException(
            "id " + id + " is already in the index; use update or upsert to replace its vector");
      }
      write(id, NO_VERSION, vector, attributes, -1);
    }
  }

  /**
   * Replaces the vector of an existing item, keeping its attributes.
   *
   * @param id the id of a live item
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @throws NoSuchElementException if {@code id} is not present
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void update(long id, float[] vector) {
    update(id, vector, null);
  }

  /**
   * Replaces the vector and the attributes of an existing item ({@code attributes} null keeps the old
   * ones).
   *
   * @param id the id of a live item
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @param attributes the item's new attributes in this index's schema, copied; null keeps the old
   *     ones
   * @throws NoSuchElementException if {@code id} is not present
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void update(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      final int replaced = ids.ordinalOf(id);
      if (replaced < 0) {
        throw new NoSuchElementException("cannot update id " + id + ": it is not in the index");
      }
      write(id, NO_VERSION, vector, attributes, replaced);
    }
  }

  /**
   * Adds the item, or replaces its vector when the id is present (keeping its attributes).
   *
   * @param id the item's 64-bit external id, the one searches return
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void upsert(long id, float[] vector) {
    upsert(id, vector, null);
  }

  /**
   * Adds the item or replaces its vector; non-null {@code attributes} replace its attributes.
   *
   * @param id the item's 64-bit external id, the one searches return
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @param attributes the item's attributes in this index's schema, copied; null keeps a present
   *     item's attributes (none for a new item)
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void upsert(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      write(id, NO_VERSION, vector, attributes, ids.ordinalOf(id));
    }
  }

  /**
   * Removes an item. Once this returns, no search started afterwards returns it.
   *
   * @param id the id of a live item
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void remove(long id) {
    synchronized (writeStripe(id)) {
      final int ordinal = ids.ordinalOf(id);
      if (ordinal < 0) {
        throw new NoSuchElementException("cannot remove id " + id + ": it is not in the index");
      }
      removeLocked(id, NO_VERSION, ordinal);
    }
    maybeScheduleRepair();
  }

  // ---------------------------------------------------------------- versioned writes

  /**
   * Adds the item or replaces its vector, if {@code version} is newer than the last version seen for
   * {@code id} (a live item's, or a remembered removal's); non-null {@code attributes} replace the
   * item's attributes, null keeps them. Never throws for a redelivered or reordered write.
   *
   * @param id the item's 64-bit external id, the one searches return
   * @param version the write's version, anything but {@link #NO_VERSION}; applied only if newer
   *     than the last seen for the id
   * @param vector the item's embedding: the index's dimension, finite, not zero under cosine;
   *     copied, not kept
   * @param attributes the item's attributes in this index's schema, copied; null keeps a present
   *     item's attributes
   * @return {@link WriteOutcome#APPLIED}, or {@link WriteOutcome#STALE} when nothing changed
   * @throws IllegalArgumentException if the vector is invalid or {@code version} is {@link
   *     #NO_VERSION} (nothing changes)
   */
  public WriteOutcome upsert(long id, long version, float[] vector, ItemAttributes attributes) {
    checkVersion(version);
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      if (version <= ids.version(id)) {
        return WriteOutcome.STALE;
      }
      write(id, version, vector, attributes, ids.ordinalOf(id));
      return WriteOutcome.APPLIED;
    }
  }

  /**
   * Removes the item if {@code version} is newer than the last version seen for {@code id}, and
   * remembers the removal's version (see {@link Builder#removalMemory}), also when the id is not live,
   * so that a later-arriving older upsert is {@link WriteOutcome#STALE}. Once this returns
   * {@link WriteOutcome#APPLIED}, no search started afterwards returns the item.
   *
   * @param id the item's id, live or not
   * @param version the write's version, anything but {@link #NO_VERSION}; applied only if newer
   *     than the last seen for the id
   * @return {@link WriteOutcome#APPLIED} (the item was live and is removed), {@link
   *     WriteOutcome#STALE} (nothing changed) or {@link WriteOutcome#ABSENT} (it was not live; the
   *     removal is remembered)
   * @throws IllegalArgumentException if {@code version} is {@link #NO_VERSION}
   */
  public WriteOutcome remove(long id, long version) {
    checkVersion(version);
    final int ordinal;
    synchronized (writeStripe(id)) {
      if (version <= ids.version(id)) {
        return WriteOutcome.STALE;
      }
      ordinal = ids.ordinalOf(id);
      removeLocked(id, version, ordinal);
    }
    if (ordinal < 0) {
      return WriteOutcome.ABSENT;
    }
    maybeScheduleRepair();
    return WriteOutcome.APPLIED;
  }

  /**
   * Replaces the attributes of a live item without touching its vector, if {@code version} is newer
   * than the last version seen for {@code id}; the item's version becomes {@code version}.
   *
   * @param id the id of the item
   * @param version the write's version, anything but {@link #NO_VERSION}; applied only if newer
   *     than the last seen for the id
   * @param attributes the item's new attributes in this index's schema, copied
   * @return {@link WriteOutcome#APPLIED}, {@link WriteOutcome#STALE}, or {@link
   *     WriteOutcome#ABSENT} when the id is not live (nothing changes: an upsert brings an item's
   *     attributes with it)
   * @throws IllegalArgumentException if {@code version} is {@link #NO_VERSION}
   * @throws NullPointerException if {@code attributes} is null
   */
  public WriteOutcome setAttributes(long id, long version, ItemAttributes attributes) {
    checkVersion(version);
    if (attributes == null) {
      throw new NullPointerException("attributes is null");
    }
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      if (version <= ids.version(id)) {
        return WriteOutcome.STALE;
      }
      final int ordinal = ids.ordinalOf(id);
      if (ordinal < 0) {
        return WriteOutcome.ABSENT;
      }
      synchronized (mapLock) {
        this.attributes.change(ordinal, attributes);
        ids.put(id, ordinal, version);
      }
      return WriteOutcome.APPLIED;
    }
  }

  /**
   * The last version written for {@code id}: a live item's or a remembered removal's, or
   * {@link #NO_VERSION}. Takes no lock, allocates nothing.
   *
   * @param id any id
   * @return the version of the last applied write or remembered removal of {@code id}, or {@link
   *     #NO_VERSION} when none was versioned or it was forgotten
   */
  public long version(long id) {
    return ids.version(id);
  }

  private static void checkVersion(long version) {
    if (version == NO_VERSION) {
      throw new IllegalArgumentException("version must not be NO_VERSION (Long.MIN_VALUE)");
    }
  }

  // ---------------------------------------------------------------- the write path

  /**
   * Writes {@code vector} under a new ordinal that replaces {@code replaced} (or -1), with the caller
   * holding {@code id}'s write stripe. Maps the id to the new ordinal before linking it, so that an
   * exclusion composed meanwhile names it; undoes everything when the write fails before its commit
   * point (the publication of the new node).
   */
  private void write(long id, long version, float[] vector, ItemAttributes itemAttributes, int replaced) {
    final long previousVersion = ids.version(id);
    final int ordinal = graph.allocate(stuckGrowthLimit);
    int previousState = IdTable.EMPTY;
    boolean mapped = false;
    boolean attributesSized = false;
    try {
      synchronized (mapLock) {
        // the ordinal's id first: the id table's release store then publishes it, so a reader that
        // finds the id through ordinalOf (an acquire) reads it back from idOf
        ordinalIds.ensureCapacity(ordinal + 1L);
        ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)] = id;
        previousState = ids.put(id, ordinal, version);
        mapped = true;
        attributes.ensureCapacity(ordinal + 1);
        attributesSized = true;
        attributes.clear(ordinal); // a reused ordinal: its previous life's late clear may not have run
        if (itemAttributes != null) {
          attributes.set(ordinal, itemAttributes);
        } else if (replaced >= 0) {
          attributes.copy(replaced, ordinal);
        }
      }
      WriteFaults.at(WriteFaults.Step.MAPPED);
      graph.insert(ordinal, vector, replaced);
    } catch (Throwable failure) {
      if (!graph.isPublished(ordinal)) {
        undo(id, ordinal, mapped, attributesSized, previousState, previousVersion);
      }
      throw failure;
    }
    if (replaced >= 0) {
      synchronized (mapLock) {
        // With reuse on, the old ordinal may already have been freed and mapped to another item,
        // whose attributes are not ours to clear.
        if (ids.ordinalOf(idOf(replaced)) != replaced) {
          attributes.clear(replaced);
        }
      }
      maybeScheduleRepair();
    }
  }

  /** Undoes a write that failed before publishing {@code ordinal}; allocates nothing. */
  private void undo(
      long id, int ordinal, boolean mapped, boolean attributesSized, int previousState,
      long previousVersion) {
    synchronized (mapLock) {
      if (mapped) {
        ids.restore(id, previousState, previousVersion);
      }
      if (attributesSized) {
        attributes.clear(ordinal);
      }
    }
    graph.discard(ordinal);
  }

  /** Removes {@code id} (live at {@code ordinal}, or -1) with the caller holding its write stripe. */
  private void removeLocked(long id, long version, int ordinal) {
    synchronized (mapLock) {
      ids.remove(id, version); // may grow the table or the ring first; then changes nothing else
      if (ordinal >= 0) {
        graph.delete(ordinal);
        attributes.clear(ordinal); // after the tombstone: a removed item is never returned
      }
    }
  }

  /**
   * Replaces the attributes of an existing item without touching its vector. A concurrent request sees
   * each changed value under the old key, the new one or both, never neither.
   *
   * @param id the id of a live item
   * @param attributes the item's new attributes in this index's schema, copied
   * @throws NoSuchElementException if {@code id} is not present
   * @throws NullPointerException if {@code attributes} is null
   */
  public void setAttributes(long id, ItemAttributes attributes) {
    if (attributes == null) {
      throw new NullPointerException("attributes is null");
    }
    checkAttributes(attributes);
    synchronized (writeStripe(id)) {
      final int ordinal = ids.ordinalOf(id);
      if (ordinal < 0) {
        throw new NoSuchElementException("cannot set attributes of id " + id + ": it is not in the index");
      }
      synchronized (mapLock) {
        this.attributes.change(ordinal, attributes);
        ids.put(id, ordinal, NO_VERSION);
      }
    }
  }

  /**
   * Copies the attributes of {@code id} into {@code out}.
   *
   * @param id the id of a live item
   * @param out receives the attributes; cleared first, of this index's schema
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void attributes(long id, ItemAttributes out) {
    synchronized (mapLock) {
      final int ordinal = ids.ordinalOf(id);
      if (ordinal < 0) {
        throw new NoSuchElementException("id " + id + " is not in the index");
      }
      attributes.get(ordinal, out);
    }
  }

  /**
   * {@return the attribute bitmap indexes of this index (one per keyed attribute, and the flags),
   * for composing filters; the same object on every call}
   */
  public AttributeIndex attributes() {
    return attributes;
  }

  /**
   * {@return a new request filter sized for this index and bound to it (so it rejects ordinals
   * reused after it was composed): keep one per request context and reuse it}
   */
  public RequestFilter newFilter() {
    return new RequestFilter(Math.max(1024, graph.size()), this);
  }

  /**
   * Re-links the graph around removed and replaced items now, on the calling thread, while searches
   * and writes continue (see {@link GraphRepair}). Runs one repair at a time; a call made while another
   * runs waits for it and then runs its own pass.
   *
   * @return how many link lists were rewritten
   */
  public int repair() {
    synchronized (repairLock) {
      final int deleted = graph.deletedCount();
      final int rewritten = new GraphRepair(graph).run();
      deletedAtLastRepair = deleted;
      repairsCompleted.incrementAndGet();
      return rewritten;
    }
  }

  /**
   * Turns the reuse of removed items' ordinals on or off ({@link Builder#reuseOrdinals}) at run time,
   * for example on an index loaded from a snapshot. Safe while searches and writes run.
   *
   * @param reuse true to reuse the slots of removed and replaced items once no walk can hold them,
   *     false to leave them allocated
   */
  public void reuseOrdinals(boolean reuse) {
    graph.reuseDeleted(reuse);
  }

  /** {@return the number of repair passes completed, automatic or explicit} */
  public int repairsCompleted() {
    return repairsCompleted.get();
  }

  /**
   * Starts a background repair on a daemon thread once the items deleted since the last repair exceed
   * the builder's repair threshold times the allocated ordinals.
   */
  private void maybeScheduleRepair() {
    if (graph.reusesDeleted() && unreclaimed() > stallLimit()) {
      stallForRepair();
    } else if (reuseHeldBack) {
      reuseHeldBack = false;
    }
    final int pending = graph.deletedCount() - deletedAtLastRepair;
    if (pending <= repairThreshold * graph.size() || !repairScheduled.compareAndSet(false, true)) {
      return;
    }
    final Thread worker =
        new Thread(
            () -> {
              try {
                repair();
              } finally {
                repairScheduled.set(false);
              }
            },
            "trawl-graph-repair");
    worker.setDaemon(true);
    worker.start();
  }

  /**
   * Ordinals neither live nor free: deleted items on their way to reuse (and inserts in flight).
   */
  private int unreclaimed() {
    return graph.size() - size() - graph.reclaimer().freeCount();
  }

  /** With reuse on, writers wait for a repair once this many ordinals are unreclaimed. */
  private double stallLimit() {
    return 2 * repairThreshold * size() + STALL_SLACK;
  }

  /**
   * Backpressure when writes outpace the background repair (with reuse on): a writer that finds more
   * than {@link #stallLimit} ordinals unreclaimed runs a repair pass itself, after any running one,
   * unless that one brought the count back down. Without it a fast writer grows the index by the
   * deletions it makes while a pass runs, pass after pass. Searches never wait.
   */
  private void stallForRepair() {
    if (graph.epochs().oldestPinned() == stuckEpoch) {
      // A walk pinned since the last writer's repair still holds what a repair would free: another
      // pass would free nothing, so the write goes on and the index grows until the walk ends.
      writesPastReuseLimit.incrementAndGet();
      return;
    }
    synchronized (repairLock) {
      if (unreclaimed() > stallLimit()) {
        // Advancing marks the moment: every walk pinned now holds an older epoch, every walk that
        // enters later a newer one. Reading the current epoch instead would leave a walk that pinned
        // it judged "entered since" whenever no pass had advanced the epoch after its pin, and the
        // next writer would repeat the useless pass (and take one more slot uncounted).
        final long started = graph.epochs().advance();
        repair();
        // Stuck: a walk that entered before this pass (which waited for old walks) is still pinned
        // after it, and the pass could not free enough. Walks that entered since are not stuck.
        final long oldest = graph.epochs().oldestPinned();
        final long stuck = unreclaimed() > stallLimit() && oldest < started ? oldest : -1;
        stuckEpoch = stuck;
        if (stuck >= 0) {
          reuseHeldBack = true;
        }
      }
    }
  }

  /**
   * What the graph should hold at most while reuse is held back by a stuck walk ({@link
   * #reuseHeldBack}): the live items plus the backpressure limit. A new slot taken past it is one
   * reuse would have supplied but for the stuck walk. Otherwise {@code Integer.MAX_VALUE} (nothing is
   * counted): the writers' repairs keep the count within the limit. Asked by the graph under its
   * allocation lock, only when it takes a new slot.
   */
  private int stuckGrowthLimit() {
    if (!reuseHeldBack) {
      return Integer.MAX_VALUE;
    }
    return (int) Math.min(Integer.MAX_VALUE, size() + (long) stallLimit());
  }

  /**
   * New slots the graph took while a stuck walk held reusable ones back and more than the
   * backpressure limit were already waiting for reuse (see {@link #stuckGrowthLimit}); exact, counted
   * under the graph's allocation lock. Each write past the reuse limit ({@link #writesPastReuseLimit})
   * may reuse a slot or take a new one; this counts the new ones, so the graph's size stays within
   * the live items, the limit, one slot in flight per writer, and this count.
   *
   * @return the count since the index was built or loaded; it only grows
   */
  long slotsGrownPastReuseLimit() {
    return graph.grownPastLimit();
  }

  /**
   * Writes that found more removed or replaced slots waiting for reuse than the backpressure limit
   * ({@code 2 * repairThreshold * size() + 256}) but did not run a repair, because a search or insert
   * pinned since the last such repair still holds the slots. Growing steadily means a walk is stuck
   * (for example a thread blocked inside a search): memory then grows by one slot per update until it
   * ends, and writes stay fast.
   *
   * @return the count of such writes since the index was built or loaded; it only grows
   */
  public long writesPastReuseLimit() {
    return writesPastReuseLimit.get();
  }

  /**
   * {@return whether {@code id} is live: added and not removed. Takes no lock, allocates nothing}
   *
   * @param id any id
   */
  public boolean contains(long id) {
    return ids.ordinalOf(id) >= 0;
  }

  /**
   * Number of live items: ids present. Not the number of ordinals: {@code graph().size()} counts every
   * ordinal ever allocated, deleted ones included, and with {@link Builder#reuseOrdinals} on stays
   * near the largest live count times {@code 1 + repairThreshold}.
   *
   * @return the number of live items (ids present)
   */
  public int size() {
    return ids.live();
  }

  /**
   * Copies the stored vector of {@code id} into {@code out} (normalised under cosine; on a
   * {@link Builder#quantizeInt8 quantized} index, its decoded codes).
   *
   * @param id the id of a live item
   * @param out receives the vector; at least the index's dimension long
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void vector(long id, float[] out) {
    final int ordinal = ordinalOf(id);
    if (ordinal < 0) {
      throw new NoSuchElementException("id " + id + " is not in the index");
    }
    if (graph.codes() != null) {
      graph.codes().decode(ordinal, out);
    } else {
      vectors.get(ordinal, out);
    }
  }

  /**
   * {@return whether vectors are stored as int7 codes ({@link Builder#quantizeInt8(float[][])})}
   */
  public boolean quantized() {
    return graph.codes() != null;
  }

  /**
   * Which distance kernels this index's searches run on, for logs and tool output: such as
   * {@code "float32, panama-512 kernels"} or {@code "int7 codes in [-0.2, 0.2], int-scalar
   * kernels; rerank 3 x k by float distance"} ({@code panama-int-512} kernels with the Vector API). Allocates the string.
   *
   * @return a short human-readable description of the vector storage and kernels in use
   */
  public String kernels() {
    final Int8Store codes = graph.codes();
    if (codes == null) {
      return "float32, " + Kernels.BEST.name() + " kernels";
    }
    return "int7 codes in [" + codes.lo() + ", " + codes.hi() + "], " + Kernels.int8Name()
        + " kernels; rerank " + HnswSearcher.RERANK_FACTOR
        + " x k by float distance";
  }

  /**
   * The internal ordinal of {@code id}, or -1 ({@link IdResolver#MISSING}) when absent. Takes no lock,
   * allocates nothing.
   */
  @Override
  public int ordinalOf(long id) {
    return ids.ordinalOf(id);
  }

  /**
   * For {@link RequestFilter}: the graph's reuse count, or {@link IdResolver#NEVER_REUSED} while
   * ordinal reuse is off and has never happened. A volatile read; allocates nothing.
   */
  @Override
  public long reuseStamp() {
    return graph.reusesDeleted() || graph.reuseCount() > 0 ? graph.reuseCount() : NEVER_REUSED;
  }

  /** For {@link RequestFilter}: whether {@code ordinal} got a new item after {@code stamp}. */
  @Override
  public boolean reusedSince(int ordinal, long stamp) {
    return graph.reusedAfter(ordinal, stamp);
  }

  /**
   * The external id stored under a published {@code ordinal}. With {@link Builder#reuseOrdinals} on,
   * an ordinal can name another item once its item was removed or replaced and a repair freed it: only
   * translate ordinals from a search that is still pinned (as {@link Searcher} does).
   *
   * @param ordinal a published ordinal, such as one {@link #ordinalOf} returned just now
   * @return the id stored under it: the live item's, or the last one if it was removed
   */
  public long idOf(int ordinal) {
    return ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)];
  }

  /**
   * Bytes of memory the index holds: vectors, graph, node state, tombstones, the ordinal-to-id pages,
   * the id map's tables and the attribute indexes. Counts reserved capacity; an estimate taken without locking the graph.
   * @return an estimate in bytes, counting whole allocated pages; not synchronised with writers
   */
  public long memoryBytes() {
    final long idMapBytes;
    synchronized (mapLock) {
      idMapBytes = ids.memoryBytes();
    }
    return graph.memoryBytes()
        + ordinalIds.capacity() * Long.BYTES
        + idMapBytes
        + attributes.memoryBytes();
  }

  /**
   * Counts describing the index now: items, slots, the graph's shape per level, memory, repairs.
   * Scans every slot (linear in the index size, allocating a few small arrays): for tools and
   * monitoring, not the request path.
   *
   * @return a new, immutable set of counts, read without stopping writers (each count is current,
   *     the set need not be one instant)
   */
  public IndexStats stats() {
    final int ordinals = graph.size();
    final long[] nodes = new long[HnswGraph.MAX_LEVEL + 1];
    final long[] links = new long[HnswGraph.MAX_LEVEL + 1];
    int published = 0;
    int deleted = 0;
    int levels = 0;
    long slots = 0;
    for (int o = 0; o < ordinals; o++) {
      final int level = graph.publishedLevel(o);
      if (level < 0) {
        continue;
      }
      published++;
      deleted += graph.isDeleted(o) ? 1 : 0;
      levels = Math.max(levels, level + 1);
      slots += graph.maxDegree(0) + (long) level * graph.maxDegree(1);
      for (int l = 0; l <= level; l++) {
        nodes[l]++;
        links[l] += graph.linkCount(o, l);
      }
    }
    return new IndexStats(
        size(), ordinals, published, deleted, graph.reclaimer().freeCount(),
        graph.reclaimer().pendingCount(), graph.topLevel(), Arrays.copyOf(nodes, levels),
        Arrays.copyOf(links, levels), slots, memoryBytes(), repairsCompleted(),
        writesPastReuseLimit());
  }

  /** {@return a new searcher over this index: keep one per thread and reuse it for every query} */
  public Searcher newSearcher() {
    return new Searcher(this);
  }

  /**
   * {@return the number of components of every vector in this index}
   */
  public int dimension() {
    return vectors.dimension();
  }

  /**
   * {@return the metric this index compares vectors by}
   */
  public Metric metric() {
    return vectors.metric();
  }

  /**
   * The distance between the items at two ordinals ({@link #ordinalOf}), under this index's metric:
   * what a diversity stage needs without copying vectors. Takes no lock and allocates nothing; with
   * ordinal reuse on, an ordinal whose item was removed may name a newer item by the time it is read.
   * @param ordinalA the ordinal of one item, looked up by {@link #ordinalOf} just before
   * @param ordinalB the ordinal of the other item
   * @return their distance, smaller is nearer, the same as a search would report between them
   * @throws IndexOutOfBoundsException if either ordinal was never allocated
   */
  public float distanceBetween(int ordinalA, int ordinalB) {
    final int allocated = graph.size();
    if (ordinalA < 0 || ordinalA >= allocated || ordinalB < 0 || ordinalB >= allocated) {
      throw new IndexOutOfBoundsException(
          "ordinals " + ordinalA + ", " + ordinalB + " outside [0, " + allocated + ")");
    }
    return graph.distanceBetween(ordinalA, ordinalB);
  }

  /**
   * The ids present, in ordinal order: for tools and exports, not for the request path (it allocates
   * an array and scans every ordinal). Concurrent writes may or may not be reflected.
   *
   * @return a new array of the live ids, in ordinal order
   */
  public long[] ids() {
    final int ordinals = graph.size();
    long[] out = new long[Math.max(16, ids.live())];
    int n = 0;
    for (int o = 0; o < ordinals; o++) {
      final long id = idOf(o);
      if (ids.ordinalOf(id) == o) {
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = id;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The underlying graph, for this package (searchers, snapshots, statistics). */
  HnswGraph graph() {
    return graph;
  }

  /** Builds a {@link VectorIndex}. Not thread-safe; each {@link #build} makes an independent index. */
  public static final class Builder {
    private final int dimension;
    private final Metric metric;
    private int m = 16;
    private int efConstruction = 200;
    private long seed = 42L;
    private int expectedItems = 1024;
    static final double DEFAULT_REPAIR_THRESHOLD = 0.1;
    private double repairThreshold = DEFAULT_REPAIR_THRESHOLD;
    private boolean reuseOrdinals = true;
    private int removalMemory = DEFAULT_REMOVAL_MEMORY;
    static final int DEFAULT_REMOVAL_MEMORY = 1 << 20;
    private AttributeSchema attributeSchema = AttributeSchema.feed();
    private float[][] int8Sample;
    private float[] int8Range;

    private Builder(int dimension, Metric metric) {
      if (dimension <= 0 || dimension > Limits.MAX_DIMENSION) {
        throw new IllegalArgumentException(
            "dimension must be in [1, " + Limits.MAX_DIMENSION + "], got " + dimension);
      }
      if (metric == null) {
        throw new NullPointerException("metric is null");
      }
      this.dimension = dimension;
      this.metric = metric;
    }

    /**
     * Links per node on upper levels; level 0 keeps 2M. Default 16.
     *
     * @param m links per node on upper levels, 2 to 512; more links raise recall and memory
     * @return this builder, for chaining
     */
    public Builder m(int m) {
      this.m = m;
      return this;
    }

    /**
     * Beam width while inserting. Default 200.
     *
     * @param efConstruction the beam width of an insert's neighbour search, 1 to 65,536; wider
     *     builds a better graph, slower
     * @return this builder, for chaining
     */
    public Builder efConstruction(int efConstruction) {
      this.efConstruction = efConstruction;
      return this;
    }

    /**
     * Seed for level assignment; the same seed and insertion order give the same graph.
     *
     * @param seed any value; it decides each ordinal's level
     * @return this builder, for chaining
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Pre-allocates storage and the id map for this many items, so that adding up to this many
     * allocates nothing (growth beyond it is still automatic). Default 1,024.
     *
     * @param expectedItems the items the index is expected to hold; values below 1 count as 1
     * @return this builder, for chaining
     */
    public Builder expectedItems(int expectedItems) {
      this.expectedItems = Math.max(1, expectedItems);
      return this;
    }

    /**
     * Starts a background graph repair when the items removed or replaced since the last repair exceed
     * this fraction of the index. Default 0.1; {@code Double.POSITIVE_INFINITY} disables automatic
     * repair ({@link VectorIndex#repair} still works).
     *
     * @param fraction removed and replaced items since the last repair, as a fraction of the
     *     allocated slots, that start the next one
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code fraction} is NaN or not positive
     */
    public Builder repairThreshold(double fraction) {
      if (!(fraction > 0)) {
        throw new IllegalArgumentException("repairThreshold must be positive, got " + fraction);
      }
      this.repairThreshold = fraction;
      return this;
    }

    /**
     * Reuses the internal ordinals (vector slot, links, state) of removed and replaced items once a
     * repair has unlinked them and no search or insert that might still hold them is running, so that
     * memory stays bounded under an endless stream of updates: about the largest live count times
     * {@code 1 + repairThreshold}, plus slack. Default on. Off, every update and removal leaves its
     * old slot allocated until the index is rebuilt. Reuse is invisible through the API: results and
     * request filters speak ids, and a filter composed before a slot's reuse never admits the slot's
     * new item (see {@code docs/filters.md}, "Reusing removed slots").
     *
     * @param reuse true (the default) to reuse removed items' slots, false to keep every slot
     *     allocated
     * @return this builder, for chaining
     */
    public Builder reuseOrdinals(boolean reuse) {
      this.reuseOrdinals = reuse;
      return this;
    }

    /**
     * How many versioned removals ({@link VectorIndex#remove(long, long)}) are remembered with their
     * version, oldest forgotten first, so that a late upsert older than the removal is stale. Default
     * 1,048,576 (about 56 bytes each once used; memory grows with use, not up front); 0 remembers none.
     * Set it above the number of removals a stream can deliver between an event and its latest
     * redelivery or reordering.
     *
     * @param count removals remembered, 0 or more
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Builder removalMemory(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("removalMemory must not be negative, got " + count);
      }
      this.removalMemory = count;
      return this;
    }

    /**
     * The attributes items carry and requests filter by: keyed attributes and flags of the host's own
     * ({@link AttributeSchema#builder()}), indexed as bitmaps and kept in snapshots like the default
     * {@link AttributeSchema#feed()} (author, community, language, 64 flags). Writes then take
     * {@link ItemAttributes} of this schema ({@code new ItemAttributes(schema)}); attributes of another
     * schema are refused with an {@link IllegalArgumentException} before anything changes.
     *
     * @param schema the keyed attributes and flags of the host's items
     * @return this builder, for chaining
     * @throws NullPointerException if {@code schema} is null
     */
    public Builder attributes(AttributeSchema schema) {
      if (schema == null) {
        throw new NullPointerException("schema is null");
      }
      this.attributeSchema = schema;
      return this;
    }

    /**
     * Stores vectors as int7 codes with one scale for all components, chosen from {@code sample}
     * (vectors like the ones to be indexed; a few thousand are plenty): their
     * components, normalised under cosine, are mapped onto codes 0..127, but for the smallest and
     * largest one in 10,000, which are clamped. A vector then takes {@code ceil(dim / 4) + 1} ints
     * instead of {@code dim} floats, and is not kept as floats. Searches walk the graph on integer
     * distances (loops the JIT vectorizes on a JVM without the Vector API) and rerank the
     * {@value HnswSearcher#RERANK_FACTOR}{@code  * k} best by the float distance from the query to the
     * decoded codes; distances in results are those. See {@code docs/quantization.md}. The sample is
     * read when {@link #build} runs and not kept.
     *
     * @param sample vectors like the ones to be indexed; null or empty fails at {@link #build}
     * @return this builder, for chaining
     * @throws IllegalArgumentException (from {@link #build}) if the sample is empty or holds a
     *     vector of the wrong dimension, with non-finite components, or zero under cosine
     */
    public Builder quantizeInt8(float[][] sample) {
      this.int8Sample = sample == null ? new float[0][] : sample;
      this.int8Range = null;
      return this;
    }

    /**
     * Stores vectors as int7 codes mapping {@code [lo, hi]} (after normalisation under cosine) onto
     * codes 0..127, clamping components outside it; otherwise as {@link #quantizeInt8(float[][])}.
     *
     * @param lo the component value code 0 stands for
     * @param hi the component value code 127 stands for, above {@code lo}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code lo} or {@code hi} is not finite or {@code lo >= hi}
     */
    public Builder quantizeInt8(float lo, float hi) {
      Int8Store.checkRange(lo, hi);
      this.int8Range = new float[] {lo, hi};
      this.int8Sample = null;
      return this;
    }

    /** The int8 range ({lo, hi}), derived from the sample on first use; null when not quantized. */
    private float[] int8Range() {
      if (int8Range == null && int8Sample != null) {
        int8Range = Int8Store.range(int8Sample, dimension, metric);
        int8Sample = null;
      }
      return int8Range;
    }

    /**
     * Builds an index.
     *
     * @return a new, empty index with these settings, independent of any other this builder made
     * @throws IllegalArgumentException when a parameter is out of range
     */
    public VectorIndex build() {
      if (m < Limits.MIN_M || m > Limits.MAX_M) {
        throw new IllegalArgumentException(
            "M must be in [" + Limits.MIN_M + ", " + Limits.MAX_M + "], got " + m);
      }
      if (efConstruction < 1 || efConstruction > Limits.MAX_EF_CONSTRUCTION) {
        throw new IllegalArgumentException(
            "efConstruction must be in [1, " + Limits.MAX_EF_CONSTRUCTION + "], got " + efConstruction);
      }
      if (int8Sample != null) {
        int8Range();
      }
      return new VectorIndex(this);
    }
  }
}
