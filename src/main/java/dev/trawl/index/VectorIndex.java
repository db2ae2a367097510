package dev.trawl.index;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.IdResolver;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.GraphRepair;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.vector.Metric;
import dev.trawl.vector.PagedArray;
import dev.trawl.vector.VectorChecks;
import dev.trawl.vector.VectorStore;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.collections.Long2LongHashMap;

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
 * All methods are safe to call from any number of threads at once. {@link #add}, {@link #update},
 * {@link #upsert} and {@link #remove} take a short lock to map the id, then link the vector without
 * it, concurrently with other writers; searches ({@link Searcher}) never block on writers and never
 * see a half-written item. An update stores the new vector under a new internal ordinal and retires
 * the old one just before the new one becomes visible, so a search sees the item once, old or new
 * (or, for a moment, neither), never twice.
 *
 * <h2>Attributes, filters and removals</h2>
 * Items may carry {@link ItemAttributes} (author, community, language, flags), indexed as bitmaps in
 * {@link #attributes()} for per-request {@link RequestFilter}s ({@link #newFilter()}), which
 * {@link Searcher#search(float[], int, int, RequestFilter, SearchResults)} plans and applies inside the
 * graph walk. Removed and replaced items are tombstoned at once; once they pass the builder's
 * {@link Builder#repairThreshold repair threshold}, a background {@link #repair()} re-links the graph
 * around them. With {@link Builder#reuseOrdinals} on, later repairs also free their internal ordinals
 * for new items once no search or insert can still reach them, so memory stays bounded under a steady
 * stream of updates. See {@code docs/filters.md}.
 *
 * <h2>Errors</h2>
 * Bad input fails before anything changes: a vector of the wrong dimension, with NaN or infinite
 * components, or the zero vector under cosine ({@link IllegalArgumentException}); adding an id that is
 * present ({@link IllegalArgumentException}); updating or removing an unknown id
 * ({@link NoSuchElementException}).
 *
 * <h2>Allocation</h2>
 * Writes allocate only when storage grows (pages of 1,024 items; the id map doubles; an attribute
 * bitmap grows), plus one scratch object per writing thread on its first write, and a repair thread
 * with its scratch when a repair starts. Searches, filtered or not, allocate nothing.
 */
public final class VectorIndex implements IdResolver {
  /** The id map's missing value. */
  static final long MISSING = -1L;
  private static final float ID_MAP_LOAD = 0.7f;
  private static final int STALL_SLACK = 256;

  private final VectorStore vectors;
  private final HnswGraph graph;
  private final PagedArray<long[]> ordinalIds;
  private final Long2LongHashMap idToOrdinal;
  private final AttributeIndex attributes = new AttributeIndex();
  private final Object idLock = new Object();
  private final double repairThreshold;
  private final Object repairLock = new Object();
  private final AtomicBoolean repairScheduled = new AtomicBoolean();
  private final AtomicInteger repairsCompleted = new AtomicInteger();
  private volatile int deletedAtLastRepair;

  private VectorIndex(Builder b) {
    this.vectors = new VectorStore(b.dimension, b.metric);
    this.graph = new HnswGraph(vectors, b.m, b.efConstruction, b.seed);
    this.ordinalIds = newIdPages();
    this.idToOrdinal = newIdMap(b.expectedItems);
    graph.reserve(b.expectedItems);
    graph.reuseDeleted(b.reuseOrdinals);
    ordinalIds.ensureCapacity(b.expectedItems);
    attributes.ensureCapacity(b.expectedItems);
    this.repairThreshold = b.repairThreshold;
  }

  /**
   * For snapshot loading ({@link IndexSnapshot}): an index over a fully restored graph, its
   * ordinal-to-id pages and the matching id map. The caller hands them over and keeps no reference,
   * and fills {@link #attributes()} before sharing the index. {@code deletedAtLastRepair} resumes the
   * repair schedule of the index that was saved.
   */
  VectorIndex(
      HnswGraph graph,
      PagedArray<long[]> ordinalIds,
      Long2LongHashMap idToOrdinal,
      int deletedAtLastRepair) {
    this.vectors = graph.vectors();
    this.graph = graph;
    this.ordinalIds = ordinalIds;
    this.idToOrdinal = idToOrdinal;
    this.repairThreshold = Builder.DEFAULT_REPAIR_THRESHOLD;
    this.deletedAtLastRepair = deletedAtLastRepair;
  }

  /** For snapshots: the deleted count when the last repair pass started. */
  int deletedAtLastRepair() {
    return deletedAtLastRepair;
  }

  /**
   * For snapshots: copies the attribute values of ordinals {@code [from, to)} into {@code out}, four
   * per ordinal (author, community, language, flags), under the id lock, so that no item's values are
   * caught half-changed.
   */
  void copyAttributeValues(int from, int to, long[] out, ItemAttributes scratch) {
    synchronized (idLock) {
      for (int o = from, i = 0; o < to; o++, i += 4) {
        attributes.get(o, scratch);
        out[i] = scratch.author();
        out[i + 1] = scratch.community();
        out[i + 2] = scratch.language();
        out[i + 3] = scratch.flags();
      }
    }
  }

  /** An empty ordinal-to-id page table in the index's layout. */
  static PagedArray<long[]> newIdPages() {
    return new PagedArray<>(VectorStore.PAGE_SHIFT, p -> new long[VectorStore.PAGE_SIZE]);
  }

  /** An empty id-to-ordinal map sized for {@code expectedItems}. */
  static Long2LongHashMap newIdMap(int expectedItems) {
    return new Long2LongHashMap(
        Math.max(8, (int) (expectedItems / ID_MAP_LOAD)), ID_MAP_LOAD, MISSING);
  }

  /** Starts a builder for an index of {@code dimension}-component vectors under {@code metric}. */
  public static Builder builder(int dimension, Metric metric) {
    return new Builder(dimension, metric);
  }

  /**
   * Adds a new item without attributes.
   *
   * @throws IllegalArgumentException if {@code id} is already present or the vector is invalid
   */
  public void add(long id, float[] vector) {
    add(id, vector, null);
  }

  /**
   * Adds a new item and indexes its {@code attributes} (copied; null for none) for filtering. The
   * attributes are indexed before the item becomes visible to searches.
   *
   * @throws IllegalArgumentException if {@code id} is already present or the vector is invalid
   */
  public void add(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    synchronized (idLock) {
      if (idToOrdinal.get(id) != MISSING) {
        throw new IllegalArgumentException(
            "id " + id + " is already in the index; use update or upsert to replace its vector");
      }
      ordinal = mapLocked(id, attributes, -1);
    }
    graph.insert(ordinal, vector, -1);
  }

  /**
   * Replaces the vector of an existing item, keeping its attributes.
   *
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
   * @throws NoSuchElementException if {@code id} is not present
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void update(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    final int replaced;
    synchronized (idLock) {
      replaced = (int) idToOrdinal.get(id);
      if (replaced == MISSING) {
        throw new NoSuchElementException("cannot update id " + id + ": it is not in the index");
      }
      ordinal = mapLocked(id, attributes, replaced);
    }
    insertReplacing(ordinal, vector, replaced);
  }

  /**
   * Adds the item, or replaces its vector when the id is present (keeping its attributes).
   *
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void upsert(long id, float[] vector) {
    upsert(id, vector, null);
  }

  /**
   * Adds the item or replaces its vector; non-null {@code attributes} replace its attributes.
   *
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void upsert(long id, float[] vector, ItemAttributes attributes) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    final int replaced;
    synchronized (idLock) {
      replaced = (int) idToOrdinal.get(id);
      ordinal = mapLocked(id, attributes, replaced);
    }
    insertReplacing(ordinal, vector, replaced);
  }

  /**
   * Replaces the attributes of an existing item without touching its vector. A concurrent request sees
   * each changed value under the old key, the new one or both, never neither.
   *
   * @throws NoSuchElementException if {@code id} is not present
   * @throws NullPointerException if {@code attributes} is null
   */
  public void setAttributes(long id, ItemAttributes attributes) {
    if (attributes == null) {
      throw new NullPointerException("attributes is null");
    }
    synchronized (idLock) {
      final int ordinal = (int) idToOrdinal.get(id);
      if (ordinal == MISSING) {
        throw new NoSuchElementException("cannot set attributes of id " + id + ": it is not in the index");
      }
      this.attributes.change(ordinal, attributes);
    }
  }

  /**
   * Copies the attributes of {@code id} into {@code out}.
   *
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void attributes(long id, ItemAttributes out) {
    synchronized (idLock) {
      final int ordinal = (int) idToOrdinal.get(id);
      if (ordinal == MISSING) {
        throw new NoSuchElementException("id " + id + " is not in the index");
      }
      attributes.get(ordinal, out);
    }
  }

  /** The attribute bitmap indexes (authors, communities, languages, flags) for composing filters. */
  public AttributeIndex attributes() {
    return attributes;
  }

  /** A new request filter sized for this index: one per request context, reused. */
  public RequestFilter newFilter() {
    return new RequestFilter(Math.max(1024, graph.size()), graph);
  }

  /** Links a new ordinal that replaces {@code replaced} (or -1), then unindexes the old attributes. */
  private void insertReplacing(int ordinal, float[] vector, int replaced) {
    graph.insert(ordinal, vector, replaced);
    if (replaced >= 0) {
      synchronized (idLock) {
        // With reuse on, the old ordinal may already have been freed and mapped to another item,
        // whose attributes are not ours to clear.
        if (idToOrdinal.get(idOf(replaced)) != replaced) {
          attributes.clear(replaced);
        }
      }
      maybeScheduleRepair();
    }
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
   */
  public void reuseOrdinals(boolean reuse) {
    graph.reuseDeleted(reuse);
  }

  /** Number of repair passes completed, automatic or explicit. */
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
    synchronized (repairLock) {
      if (unreclaimed() > stallLimit()) {
        repair();
      }
    }
  }

  /**
   * Maps {@code id} to a new ordinal and indexes its attributes: the given ones, else those of the
   * ordinal it replaces (if any).
   */
  private int mapLocked(long id, ItemAttributes itemAttributes, int replaced) {
    final int reusedBelow = graph.size();
    final int ordinal = graph.allocate();
    ordinalIds.ensureCapacity(ordinal + 1L);
    ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)] = id;
    idToOrdinal.put(id, ordinal);
    attributes.ensureCapacity(ordinal + 1);
    if (ordinal < reusedBelow) {
      attributes.clear(ordinal); // a reused ordinal: its previous life's late clear may not have run
    }
    if (itemAttributes != null) {
      attributes.set(ordinal, itemAttributes);
    } else if (replaced >= 0) {
      attributes.copy(replaced, ordinal);
    }
    return ordinal;
  }

  /**
   * Removes an item. Once this returns, no search started afterwards returns it.
   *
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void remove(long id) {
    synchronized (idLock) {
      final long ordinal = idToOrdinal.remove(id);
      if (ordinal == MISSING) {
        throw new NoSuchElementException("cannot remove id " + id + ": it is not in the index");
      }
      graph.delete((int) ordinal);
      attributes.clear((int) ordinal); // after the tombstone: a removed item is never returned
    }
    maybeScheduleRepair();
  }

  /** Whether {@code id} is present. */
  public boolean contains(long id) {
    synchronized (idLock) {
      return idToOrdinal.get(id) != MISSING;
    }
  }

  /**
   * Number of live items: ids present. Not the number of ordinals: {@code graph().size()} counts every
   * ordinal ever allocated, deleted ones included, and with {@link Builder#reuseOrdinals} on stays
   * near the largest live count times {@code 1 + repairThreshold}.
   */
  public int size() {
    synchronized (idLock) {
      return idToOrdinal.size();
    }
  }

  /**
   * Copies the stored vector of {@code id} into {@code out} (normalised under cosine).
   *
   * @throws NoSuchElementException if {@code id} is not present
   */
  public void vector(long id, float[] out) {
    final int ordinal = ordinalOf(id);
    if (ordinal < 0) {
      throw new NoSuchElementException("id " + id + " is not in the index");
    }
    vectors.get(ordinal, out);
  }

  /** The internal ordinal of {@code id}, or -1 ({@link IdResolver#MISSING}) when absent. */
  @Override
  public int ordinalOf(long id) {
    synchronized (idLock) {
      return (int) idToOrdinal.get(id);
    }
  }

  /**
   * The external id stored under a published {@code ordinal}. With {@link Builder#reuseOrdinals} on,
   * an ordinal can name another item once its item was removed or replaced and a repair freed it: only
   * translate ordinals from a search that is still pinned (as {@link Searcher} does).
   */
  public long idOf(int ordinal) {
    return ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)];
  }

  /**
   * Bytes of memory the index holds: vectors, graph, node state, tombstones, the ordinal-to-id pages,
   * the id map's tables and the attribute indexes. Counts reserved capacity; an estimate taken without locking the graph.
   */
  public long memoryBytes() {
    final long idMapBytes;
    synchronized (idLock) {
      idMapBytes = (long) idToOrdinal.capacity() * 2 * Long.BYTES;
    }
    return graph.memoryBytes()
        + ordinalIds.capacity() * Long.BYTES
        + idMapBytes
        + attributes.memoryBytes();
  }

  /** A new searcher: one per thread, reused for every query. */
  public Searcher newSearcher() {
    return new Searcher(this);
  }

  public int dimension() {
    return vectors.dimension();
  }

  public Metric metric() {
    return vectors.metric();
  }

  /** The underlying graph, for tools (inspection, snapshots) and benchmarks. */
  public HnswGraph graph() {
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
    private boolean reuseOrdinals;

    private Builder(int dimension, Metric metric) {
      if (dimension <= 0) {
        throw new IllegalArgumentException("dimension must be positive, got " + dimension);
      }
      if (metric == null) {
        throw new NullPointerException("metric is null");
      }
      this.dimension = dimension;
      this.metric = metric;
    }

    /** Links per node on upper levels; level 0 keeps 2M. Default 16. */
    public Builder m(int m) {
      this.m = m;
      return this;
    }

    /** Beam width while inserting. Default 200. */
    public Builder efConstruction(int efConstruction) {
      this.efConstruction = efConstruction;
      return this;
    }

    /** Seed for level assignment; the same seed and insertion order give the same graph. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Pre-allocates storage and the id map for this many items, so that adding up to this many
     * allocates nothing (growth beyond it is still automatic). Default 1,024.
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
     * memory stays bounded under a steady stream of updates: about the largest live count times
     * {@code 1 + repairThreshold}, plus slack. Default off; see {@code docs/filters.md} ("Reusing
     * removed slots") for what a host must not do with ordinals when it is on.
     */
    public Builder reuseOrdinals(boolean reuse) {
      this.reuseOrdinals = reuse;
      return this;
    }

    /**
     * @throws IllegalArgumentException when a parameter is out of range
     */
    public VectorIndex build() {
      return new VectorIndex(this);
    }
  }
}
