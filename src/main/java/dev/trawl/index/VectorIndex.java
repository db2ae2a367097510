package dev.trawl.index;

import dev.trawl.hnsw.HnswGraph;
import dev.trawl.vector.Metric;
import dev.trawl.vector.PagedArray;
import dev.trawl.vector.VectorChecks;
import dev.trawl.vector.VectorStore;
import java.util.NoSuchElementException;
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
 * <h2>Errors</h2>
 * Bad input fails before anything changes: a vector of the wrong dimension, with NaN or infinite
 * components, or the zero vector under cosine ({@link IllegalArgumentException}); adding an id that is
 * present ({@link IllegalArgumentException}); updating or removing an unknown id
 * ({@link NoSuchElementException}).
 *
 * <h2>Allocation</h2>
 * Writes allocate only when storage grows (pages of 1,024 items; the id map doubles), plus one
 * scratch object per writing thread on its first write. Searches allocate nothing.
 */
public final class VectorIndex {
  /** The id map's missing value. */
  static final long MISSING = -1L;
  private static final float ID_MAP_LOAD = 0.7f;

  private final VectorStore vectors;
  private final HnswGraph graph;
  private final PagedArray<long[]> ordinalIds;
  private final Long2LongHashMap idToOrdinal;
  private final Object idLock = new Object();

  private VectorIndex(Builder b) {
    this.vectors = new VectorStore(b.dimension, b.metric);
    this.graph = new HnswGraph(vectors, b.m, b.efConstruction, b.seed);
    this.ordinalIds = newIdPages();
    this.idToOrdinal = newIdMap(b.expectedItems);
    graph.reserve(b.expectedItems);
    ordinalIds.ensureCapacity(b.expectedItems);
  }

  /**
   * For snapshot loading ({@link IndexSnapshot}): an index over a fully restored graph, its
   * ordinal-to-id pages and the matching id map. The caller hands them over and keeps no reference.
   */
  VectorIndex(HnswGraph graph, PagedArray<long[]> ordinalIds, Long2LongHashMap idToOrdinal) {
    this.vectors = graph.vectors();
    this.graph = graph;
    this.ordinalIds = ordinalIds;
    this.idToOrdinal = idToOrdinal;
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
   * Adds a new item.
   *
   * @throws IllegalArgumentException if {@code id} is already present or the vector is invalid
   */
  public void add(long id, float[] vector) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    synchronized (idLock) {
      if (idToOrdinal.get(id) != MISSING) {
        throw new IllegalArgumentException(
            "id " + id + " is already in the index; use update or upsert to replace its vector");
      }
      ordinal = mapLocked(id);
    }
    graph.insert(ordinal, vector, -1);
  }

  /**
   * Replaces the vector of an existing item.
   *
   * @throws NoSuchElementException if {@code id} is not present
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void update(long id, float[] vector) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    final int replaced;
    synchronized (idLock) {
      replaced = (int) idToOrdinal.get(id);
      if (replaced == MISSING) {
        throw new NoSuchElementException("cannot update id " + id + ": it is not in the index");
      }
      ordinal = mapLocked(id);
    }
    graph.insert(ordinal, vector, replaced);
  }

  /**
   * Adds the item, or replaces its vector when the id is present.
   *
   * @throws IllegalArgumentException if the vector is invalid
   */
  public void upsert(long id, float[] vector) {
    VectorChecks.checkItem(vector, vectors.dimension(), vectors.metric(), id);
    final int ordinal;
    final int replaced;
    synchronized (idLock) {
      replaced = (int) idToOrdinal.get(id);
      ordinal = mapLocked(id);
    }
    graph.insert(ordinal, vector, replaced);
  }

  private int mapLocked(long id) {
    final int ordinal = graph.allocate();
    ordinalIds.ensureCapacity(ordinal + 1L);
    ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)] = id;
    idToOrdinal.put(id, ordinal);
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
    }
  }

  /** Whether {@code id} is present. */
  public boolean contains(long id) {
    synchronized (idLock) {
      return idToOrdinal.get(id) != MISSING;
    }
  }

  /** Number of live items. */
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

  /** The internal ordinal of {@code id}, or -1 when absent. */
  public int ordinalOf(long id) {
    synchronized (idLock) {
      return (int) idToOrdinal.get(id);
    }
  }

  /** The external id stored under a published {@code ordinal}. */
  public long idOf(int ordinal) {
    return ordinalIds.page(ordinal)[ordinal & (VectorStore.PAGE_SIZE - 1)];
  }

  /**
   * Bytes of memory the index holds: vectors, graph, node state, tombstones, the ordinal-to-id pages
   * and the id map's tables. Counts reserved capacity; an estimate taken without locking the graph.
   */
  public long memoryBytes() {
    final long idMapBytes;
    synchronized (idLock) {
      idMapBytes = (long) idToOrdinal.capacity() * 2 * Long.BYTES;
    }
    return graph.memoryBytes() + ordinalIds.capacity() * Long.BYTES + idMapBytes;
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
     * @throws IllegalArgumentException when a parameter is out of range
     */
    public VectorIndex build() {
      return new VectorIndex(this);
    }
  }
}
