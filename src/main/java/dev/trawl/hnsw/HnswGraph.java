package dev.trawl.hnsw;

import dev.trawl.vector.FloatKernels;
import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import dev.trawl.vector.PagedArray;
import dev.trawl.vector.VectorStore;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * A concurrent HNSW graph over the vectors of a {@link VectorStore}, addressed by dense {@code int}
 * ordinals. It stores the links, allocates ordinals, inserts nodes and keeps the tombstones of
 * deleted ones; searching is done by {@link HnswSearcher}s, one per thread.
 *
 * <h2>Layout</h2>
 * Level-0 links live in pages of 1,024 nodes, each node a block of {@code 1 + 2M} ints (count, then
 * neighbours). Nodes on upper levels (about one in M) get a block of {@code level * (1 + M)} ints in a
 * bump-allocated upper store, found through a per-node offset. A per-node state word holds
 * {@code level + 1} once the node is published, 0 before.
 *
 * <h2>Concurrency</h2>
 * <ul>
 *   <li>Writers allocate ordinals under a short lock, then insert concurrently; a writer that edits a
 *       node's link list holds that node's stripe lock (one of 4,096), never two at once.
 *   <li>Readers take no locks. A node is <i>published</i> by a release write of its state after its
 *       vector and its own links are written, and before any other node links to it; a reader does
 *       an acquire read of a neighbour's state before reading its vector, and skips unpublished ones.
 *       A reader that races a link-list edit sees a mix of old and new neighbours, all of them valid
 *       published nodes, which is harmless for an approximate search.
 *   <li>Deletion sets a tombstone; deleted nodes are still walked through but never returned.
 *       {@link GraphRepair} later re-links their live neighbours around them (each list rewritten
 *       under its stripe lock, naming only published nodes), after which searches no longer reach
 *       them.
 *   <li>With {@link #reuseDeleted} on, the ordinals of deleted nodes are reused once a repair has
 *       unlinked them and every walk that might still hold them has ended ({@link OrdinalReclaimer},
 *       {@link WalkEpochs}): each walker announces the epoch it entered at in its own slot, two
 *       writes per walk and no lock. A freed node is unpublished with empty lists; reusing it writes
 *       the vector and links before the release-publish, as for a new node, so a vector only changes
 *       while no reader can reach it.
 * </ul>
 *
 * <p><b>Allocation:</b> inserts allocate only when storage grows (and the graph makes an insert's
 * scratch object for each writer beyond the ones it already pooled: up to 16 are kept).
 */
public final class HnswGraph {
  /** Highest level a node can be given. */
  public static final int MAX_LEVEL = 15;

  static final long NO_ENTRY = -1L;
  private static final FloatKernels KERNELS = Kernels.BEST;
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final int NODE_SHIFT = VectorStore.PAGE_SHIFT;
  private static final int NODE_MASK = (1 << NODE_SHIFT) - 1;
  private static final int UPPER_SHIFT = 14;
  private static final int UPPER_MASK = (1 << UPPER_SHIFT) - 1;
  private static final int STRIPES = 4096;
  private static final int POOLED_INSERTERS = 16;
  private static final IntSupplier NO_GROWTH_LIMIT = () -> Integer.MAX_VALUE;

  private final VectorStore vectors;
  private final Int8Store codes; // null: float vectors
  private final int dimension;
  private final boolean l2;
  private final float dotOffset;
  private final int m;
  private final int maxDegree0;
  private final int efConstruction;
  private final double levelMultiplier;
  private final long seed;
  private final PagedArray<int[]> links0;
  private final PagedArray<int[]> states;
  // reuseStamps[o]: the value of reuseCount when ordinal o was last reused (0: never reused). Written
  // before the node is published, so a walker that acquired the node's state reads its own stamp.
  private final PagedArray<long[]> reuseStamps;
  private volatile long reuseCount; // a long: an int would wrap after days of heavy churn
  private final PagedArray<int[]> upperOffsets;
  private final PagedArray<int[]> upperLinks;
  private final PagedArray<byte[]> upperCapacity;
  private final Tombstones tombstones = new Tombstones();
  private final WalkEpochs epochs = new WalkEpochs();
  private final OrdinalReclaimer reclaimer;
  private final Object repairLock = new Object();
  private volatile boolean reuseDeleted;
  private final AtomicInteger deletedCount = new AtomicInteger();
  private final Object allocationLock = new Object();
  private final Object entryLock = new Object();
  private final Object[] stripes = new Object[STRIPES];
  /**
   * Idle inserters (each owns an insert's scratch), taken and returned by writers. A pool owned by the
   * graph rather than a ThreadLocal: a thread that once wrote to the graph keeps nothing of it
   * reachable, so a dropped index is collected. Up to this many concurrent writers allocate nothing in
   * steady state; a writer beyond them makes a throwaway inserter.
   */
  private final AtomicReferenceArray<GraphInserter> idleInserters =
      new AtomicReferenceArray<>(POOLED_INSERTERS);
  private int upperTop;
  private volatile int size;
  /** New ordinals taken past the caller's growth limit ({@link #allocate(IntSupplier)}); under allocationLock. */
  private volatile long grownPastLimit;
  private volatile int nodeCapacity;
  private volatile long entry = NO_ENTRY;

  /**
   * @param vectors where node vectors are stored (the graph writes them on insert)
   * @param m links per node on upper levels (2M on level 0), at least 2
   * @param efConstruction beam width while inserting, at least 1
   * @param seed seeds the level assignment, so builds in the same order give the same graph
   */
  public HnswGraph(VectorStore vectors, int m, int efConstruction, long seed) {
    this(vectors, null, m, efConstruction, seed);
  }

  /**
   * A graph whose vectors are stored only as int7 {@code codes} (when not null): inserts encode into
   * them, links are chosen by code distances, and {@code vectors} only supplies the dimension and
   * metric (it is given no storage).
   */
  public HnswGraph(VectorStore vectors, Int8Store codes, int m, int efConstruction, long seed) {
    if (m < 2 || m > 512) {
      throw new IllegalArgumentException("M must be in [2, 512], got " + m);
    }
    if (efConstruction < 1) {
      throw new IllegalArgumentException("efConstruction must be positive, got " + efConstruction);
    }
    if (codes != null
        && (codes.dimension() != vectors.dimension() || codes.metric() != vectors.metric())) {
      throw new IllegalArgumentException("codes and vectors differ in dimension or metric");
    }
    this.vectors = vectors;
    this.codes = codes;
    this.dimension = vectors.dimension();
    this.l2 = vectors.metric() == Metric.L2;
    this.dotOffset = vectors.metric() == Metric.COSINE ? 1f : 0f;
    this.m = m;
    this.maxDegree0 = 2 * m;
    this.efConstruction = efConstruction;
    this.levelMultiplier = 1.0 / Math.log(m);
    this.seed = seed;
    final int stride0 = 1 + maxDegree0;
    this.links0 = new PagedArray<>(NODE_SHIFT, p -> new int[stride0 << NODE_SHIFT]);
    this.states = new PagedArray<>(NODE_SHIFT, p -> new int[1 << NODE_SHIFT]);
    this.reuseStamps = new PagedArray<>(NODE_SHIFT, p -> new long[1 << NODE_SHIFT]);
    this.upperOffsets = new PagedArray<>(NODE_SHIFT, p -> new int[1 << NODE_SHIFT]);
    this.upperLinks = new PagedArray<>(UPPER_SHIFT, p -> new int[1 << UPPER_SHIFT]);
    this.upperCapacity = new PagedArray<>(NODE_SHIFT, p -> new byte[1 << NODE_SHIFT]);
    this.reclaimer = new OrdinalReclaimer(this, epochs);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  // ---------------------------------------------------------------- parameters

  public int m() {
    return m;
  }

  public int efConstruction() {
    return efConstruction;
  }

  public long seed() {
    return seed;
  }

  public VectorStore vectors() {
    return vectors;
  }

  /** The int7 codes the vectors are stored as, or null when they are stored as floats. */
  public Int8Store codes() {
    return codes;
  }

  public Tombstones tombstones() {
    return tombstones;
  }

  /** The walk epochs: every searcher, inserter and repair of this graph announces its walks here. */
  public WalkEpochs epochs() {
    return epochs;
  }

  /** Tracks deleted ordinals on their way to reuse, and the free ones. */
  public OrdinalReclaimer reclaimer() {
    return reclaimer;
  }

  /**
   * Whether {@link #allocate} reuses the ordinals of deleted nodes once repairs have unlinked them and
   * no walk can still hold them (see {@link OrdinalReclaimer}). Off by default.
   */
  public void reuseDeleted(boolean reuse) {
    this.reuseDeleted = reuse;
  }

  public boolean reusesDeleted() {
    return reuseDeleted;
  }

  /**
   * How many times a deleted ordinal has been given to a new item so far (volatile read). A request
   * filter records it when composed; see {@link #reusedAfter}.
   */
  public long reuseCount() {
    return reuseCount;
  }

  /**
   * Whether {@code ordinal} was given to a new item after {@link #reuseCount} was {@code count}: then
   * anything recorded about the ordinal before (a bit in a request filter, an ordinal in a result)
   * describes its previous item. Valid for a published node read after {@link #isPublished}.
   */
  public boolean reusedAfter(int ordinal, long count) {
    return reuseStamps.page(ordinal)[ordinal & NODE_MASK] > count;
  }

  /** The lock that serialises repair passes (one pass of one {@link GraphRepair} at a time). */
  Object repairLock() {
    return repairLock;
  }

  /** Largest number of links a node may have on {@code level}. */
  public int maxDegree(int level) {
    return level == 0 ? maxDegree0 : m;
  }

  // ---------------------------------------------------------------- allocation and insertion

  /**
   * Number of ordinals allocated so far (the high-water mark: reused ordinals do not raise it). Every
   * ordinal below it has storage; some may not be published yet, or be deleted, or free. Volatile
   * read: readers take it once at the start of a search.
   */
  public int size() {
    return size;
  }

  /**
   * Reserves an ordinal and its storage: a free one when reuse is on and one is free (its tombstone is
   * cleared here; it is unpublished, with empty lists, since it was freed), else the next new one. The
   * node stays invisible to searches until {@link #insert} publishes it.
   *
   * @throws IllegalStateException when the index holds 2^31 - 1 ordinals
   */
  public int allocate() {
    return allocate(NO_GROWTH_LIMIT);
  }

  /**
   * {@link #allocate()}, counting in {@link #grownPastLimit()} a new ordinal taken with reuse on while
   * the ordinals already allocated exceed {@code growthLimit.getAsInt()}: the caller's bound on what
   * the graph needs while reuse keeps up, or {@link Integer#MAX_VALUE} to count nothing. The limit is
   * asked for only when a new ordinal is taken, under the allocation lock, so the count is exact.
   *
   * @param growthLimit the caller's bound, asked under the allocation lock; kept by the caller as a
   *     constant so that nothing is allocated per call
   * @return the reserved ordinal
   * @throws IllegalStateException when the index holds 2^31 - 1 ordinals
   */
  public int allocate(IntSupplier growthLimit) {
    synchronized (allocationLock) {
      if (reuseDeleted) {
        int reused = reclaimer.take();
        if (reused < 0) {
          reclaimer.tryFreeGraced();
          reused = reclaimer.take();
        }
        if (reused >= 0) {
          final int level = levelOf(reused);
          if (level > upperCapacity.page(reused)[reused & NODE_MASK]) {
            allocateUpperLocked(reused, level);
          }
          tombstones.clear(reused);
          reclaimer.release(reused);
          // Stamp before the count moves: a filter that read the old count rejects this ordinal
          // (its bits describe the previous item), one that read the new count describes this one.
          final long stamp = reuseCount + 1;
          reuseStamps.page(reused)[reused & NODE_MASK] = stamp;
          reuseCount = stamp;
          return reused;
        }
      }
      final int ordinal = size;
      if (ordinal == Integer.MAX_VALUE) {
        throw new IllegalStateException("index is full: 2^31 - 1 ordinals allocated");
      }
      final int allocated = allocateLocked(ordinal, levelOf(ordinal));
      if (reuseDeleted && ordinal > growthLimit.getAsInt()) {
        grownPastLimit++; // under allocationLock; volatile for readers
      }
      return allocated;
    }
  }

  /** {@return the new ordinals {@link #allocate(IntSupplier)} took past the caller's growth limit} */
  public long grownPastLimit() {
    return grownPastLimit;
  }

  /**
   * Pre-allocates storage for {@code count} nodes, so that inserts up to that count allocate nothing
   * (the upper-level store is sized for the expected share of upper-level nodes, with slack).
   */
  public void reserve(int count) {
    synchronized (allocationLock) {
      ensureNodeCapacity(count);
      // a node reaches level >= 1 with probability 1/M and then has M/(M-1) levels on average
      final long expectedUpperInts = (long) (count * (1.0 + m) / (m - 1.0) * 1.2) + (1 << UPPER_SHIFT);
      upperLinks.ensureCapacity(Math.min(Integer.MAX_VALUE, upperTop + expectedUpperInts));
    }
  }

  private void ensureNodeCapacity(int count) {
    if (codes != null) {
      codes.ensureCapacity(count);
    } else {
      vectors.ensureCapacity(count);
    }
    links0.ensureCapacity(count);
    states.ensureCapacity(count);
    reuseStamps.ensureCapacity(count);
    upperOffsets.ensureCapacity(count);
    tombstones.ensureCapacity(count);
    upperCapacity.ensureCapacity(count);
    reclaimer.ensureCapacity(count);
    nodeCapacity = (int) Math.min(Integer.MAX_VALUE, states.capacity());
  }

  /** Number of nodes storage is currently reserved for (at least {@link #size}). */
  public int nodeCapacity() {
    return nodeCapacity;
  }

  private int allocateLocked(int ordinal, int level) {
    final int count = ordinal + 1;
    ensureNodeCapacity(count);
    if (level > 0) {
      allocateUpperLocked(ordinal, level);
    }
    size = count; // volatile write: storage for the new ordinal is visible to whoever reads size
    return ordinal;
  }

  /** Bump-allocates {@code ordinal}'s upper-level block, never across a page boundary. */
  private void allocateUpperLocked(int ordinal, int level) {
    final int need = level * (1 + m);
    if ((upperTop & UPPER_MASK) + need > (1 << UPPER_SHIFT)) {
      upperTop = (upperTop + UPPER_MASK) & ~UPPER_MASK;
    }
    final int offset = upperTop;
    upperTop += need;
    upperLinks.ensureCapacity(upperTop);
    upperOffsets.page(ordinal)[ordinal & NODE_MASK] = offset;
    upperCapacity.page(ordinal)[ordinal & NODE_MASK] = (byte) level;
  }

  /**
   * The level of {@code ordinal}: a pure function of the seed and the ordinal, drawn from the usual
   * exponential distribution with multiplier 1/ln(M), capped at {@link #MAX_LEVEL}.
   */
  public int levelOf(int ordinal) {
    long z = seed + (ordinal + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    final double uniform = ((z >>> 11) + 1) * 0x1.0p-53; // in (0, 1]
    return (int) Math.min(MAX_LEVEL, -Math.log(uniform) * levelMultiplier);
  }

  /**
   * Stores {@code vector} under an ordinal from {@link #allocate}, links it into the graph and publishes
   * it. Runs concurrently with searches and other inserts. The vector must already be checked.
   *
   * @param replaced an ordinal this node replaces (an update), or -1. It is tombstoned right before the
   *     new node becomes visible and is never chosen as a neighbour of the new node.
   */
  public void insert(int ordinal, float[] vector, int replaced) {
    if (codes != null) {
      codes.set(ordinal, vector);
    } else {
      vectors.set(ordinal, vector);
    }
    WriteFaults.at(WriteFaults.Step.VECTOR_STORED);
    final GraphInserter inserter = takeInserter();
    try {
      inserter.insert(ordinal, levelOf(ordinal), replaced);
    } finally {
      returnInserter(inserter);
    }
  }

  /**
   * Gives back an ordinal from {@link #allocate} whose insert failed before publishing it: no walk ever
   * met it and nothing links to it, so it goes straight to the free list (tombstoned and unpublished,
   * like every free ordinal), without a repair or a grace period. Not counted as a deletion.
   */
  public void discard(int ordinal) {
    synchronized (stripe(ordinal)) {
      final int levels = upperCapacity.page(ordinal)[ordinal & NODE_MASK];
      for (int l = 0; l <= levels; l++) {
        linkPage(ordinal, l)[linkBase(ordinal, l)] = 0;
      }
    }
    tombstones.set(ordinal);
    reclaimer.addFree(ordinal);
  }

  private GraphInserter takeInserter() {
    for (int i = 0; i < POOLED_INSERTERS; i++) {
      final GraphInserter idle = idleInserters.get(i);
      if (idle != null && idleInserters.compareAndSet(i, idle, null)) {
        return idle;
      }
    }
    return new GraphInserter(this);
  }

  private void returnInserter(GraphInserter inserter) {
    for (int i = 0; i < POOLED_INSERTERS; i++) {
      if (idleInserters.get(i) == null && idleInserters.compareAndSet(i, null, inserter)) {
        return;
      }
    }
  }

  /** Marks {@code ordinal} deleted; returns whether it was live. */
  public boolean delete(int ordinal) {
    if (tombstones.set(ordinal)) {
      deletedCount.incrementAndGet();
      return true;
    }
    return false;
  }

  /**
   * Number of deletions so far (removals and the old ordinals of updates). Only grows, also when
   * deleted ordinals are reused; repairs are scheduled by its growth.
   */
  public int deletedCount() {
    return deletedCount.get();
  }

  /** Whether {@code ordinal} is deleted. */
  public boolean isDeleted(int ordinal) {
    return tombstones.contains(ordinal);
  }

  // ---------------------------------------------------------------- node state and links

  /** Whether {@code ordinal} is linked and visible to searches (acquire read). */
  public boolean isPublished(int ordinal) {
    return (int) INTS.getAcquire(states.page(ordinal), ordinal & NODE_MASK) != 0;
  }

  /** The level of a published node, or -1 when it is not published. */
  public int publishedLevel(int ordinal) {
    return (int) INTS.getAcquire(states.page(ordinal), ordinal & NODE_MASK) - 1;
  }

  void publish(int ordinal, int level) {
    INTS.setRelease(states.page(ordinal), ordinal & NODE_MASK, level + 1);
  }

  /** The packed entry point: level in the high 32 bits, node in the low, or -1 when empty. */
  long entry() {
    return entry;
  }

  /** Entry node, or -1 when the graph is empty. */
  public int entryNode() {
    final long e = entry;
    return e == NO_ENTRY ? -1 : (int) e;
  }

  /** Level of the entry node, or -1 when the graph is empty. */
  public int topLevel() {
    final long e = entry;
    return e == NO_ENTRY ? -1 : (int) (e >>> 32);
  }

  Object entryLock() {
    return entryLock;
  }

  void setEntry(int node, int level) {
    entry = ((long) level << 32) | node;
  }

  /**
   * The page holding {@code node}'s link list on {@code level}. Public (in this internal package) for
   * the jcstress tests, which read a list with plain loads exactly as a search does; not for writes.
   */
  public int[] linkPage(int node, int level) {
    if (level == 0) {
      return links0.page(node);
    }
    return upperLinks.page(upperBase(node, level));
  }

  /** Where {@code node}'s list on {@code level} starts in its {@link #linkPage}: the count, then ids. */
  public int linkBase(int node, int level) {
    if (level == 0) {
      return (node & NODE_MASK) * (1 + maxDegree0);
    }
    return upperBase(node, level) & UPPER_MASK;
  }

  private int upperBase(int node, int level) {
    return upperOffsets.page(node)[node & NODE_MASK] + (level - 1) * (1 + m);
  }

  /** The lock guarding edits of {@code node}'s link lists. */
  Object stripe(int node) {
    return stripes[node & (STRIPES - 1)];
  }

  // ---------------------------------------------------------------- accounting

  /**
   * Bytes held by vectors, links and node state, counting whole pages as allocated (reserved but
   * unused capacity included). Not synchronised with writers: a snapshot estimate.
   */
  public long memoryBytes() {
    final long nodes = states.capacity();
    return vectors.capacity() * vectors.dimension() * Float.BYTES
        + (codes == null ? 0 : codes.memoryBytes())
        + links0.capacity() * (1L + maxDegree0) * Integer.BYTES
        + nodes * Integer.BYTES * 2L // state and upper-level offset
        + nodes * Long.BYTES // reuse stamp
        + upperLinks.capacity() * Integer.BYTES
        + upperCapacity.capacity() // a byte per node: levels its upper block holds
        + 3 * ((nodes + 7) / 8); // tombstone bits, and the reclaimer's claimed and unlinked bits
  }

  /** Number of links currently stored on all levels of published nodes (for bytes-per-link figures). */
  public long linkCount() {
    long links = 0;
    final int n = size;
    for (int node = 0; node < n; node++) {
      final int level = publishedLevel(node);
      for (int l = 0; l <= level; l++) {
        links += linkPage(node, l)[linkBase(node, l)];
      }
    }
    return links;
  }

  /**
   * Number of link slots of published nodes: 2M on level 0 plus M per upper level, filled or not.
   * Lists have a fixed stride, so this, not {@link #linkCount}, is what the links occupy.
   */
  public long linkSlotCount() {
    long slots = 0;
    final int n = size;
    for (int node = 0; node < n; node++) {
      final int level = publishedLevel(node);
      if (level >= 0) {
        slots += maxDegree0 + (long) level * m;
      }
    }
    return slots;
  }

  /**
   * The number of links in {@code node}'s list on {@code level}, read without the stripe lock (a
   * concurrent edit may be seen before or after). For statistics; {@code node} must be published at a
   * level of at least {@code level}.
   *
   * @param node a published node
   * @param level 0..the node's level
   * @return 0..{@link #maxDegree maxDegree(level)}
   */
  public int linkCount(int node, int level) {
    return linkPage(node, level)[linkBase(node, level)];
  }

  /**
   * Copies {@code node}'s link list on {@code level} into {@code out} under the node's stripe lock, so
   * the copy is never torn by a concurrent edit. For snapshots, tools and tests; {@code node} must be
   * published at a level of at least {@code level}.
   *
   * @param node a published node
   * @param level 0..the node's level
   * @param out receives the links from index 0; at least {@link #maxDegree maxDegree(level)} long
   * @return the number of links copied
   */
  public int copyLinks(int node, int level, int[] out) {
    synchronized (stripe(node)) {
      final int[] page = linkPage(node, level);
      final int base = linkBase(node, level);
      final int count = page[base];
      System.arraycopy(page, base + 1, out, 0, count);
      return count;
    }
  }

  // ---------------------------------------------------------------- snapshot loading

  /**
   * For {@link GraphSnapshotReader} only. On a graph that has allocated nothing yet, allocates
   * ordinals {@code [0, levels.length)}, node {@code o} with upper-level storage for
   * {@code levels[o]} levels ({@code -1} marks a node that stays unpublished and gets none). Nothing
   * is published yet: the reader fills the vectors and the link lists in place, through
   * {@link #vectors()}, {@link #codes()}, {@link #linkPage} and {@link #linkBase}, then calls
   * {@link #publishRestored}. Must not run while the graph is shared with other threads.
   *
   * @throws IllegalStateException when the graph has allocated ordinals already
   */
  void allocateRestored(int[] levels) {
    synchronized (allocationLock) {
      if (size != 0) {
        throw new IllegalStateException("allocateRestored needs an empty graph, this one has " + size);
      }
      ensureNodeCapacity(levels.length);
      for (int ordinal = 0; ordinal < levels.length; ordinal++) {
        if (levels[ordinal] > 0) {
          allocateUpperLocked(ordinal, levels[ordinal]);
        }
      }
      size = levels.length;
    }
  }

  /**
   * For {@link GraphSnapshotReader} only: publishes every node of {@link #allocateRestored} whose
   * level is not negative and makes {@code entryNode} (-1 for none) the entry point, at its level.
   */
  void publishRestored(int[] levels, int entryNode) {
    for (int ordinal = 0; ordinal < levels.length; ordinal++) {
      if (levels[ordinal] >= 0) {
        // plain writes: the graph is not shared yet, and the fence below orders them before the entry
        states.page(ordinal)[ordinal & NODE_MASK] = levels[ordinal] + 1;
      }
    }
    VarHandle.releaseFence();
    if (entryNode >= 0) {
      synchronized (entryLock) {
        setEntry(entryNode, levels[entryNode]);
      }
    }
  }

  // ---------------------------------------------------------------- distances

  // ---------------------------------------------------------------- reuse

  /**
   * Empties the lists of a node nobody links to or holds any more and unpublishes it, ready for reuse.
   * Called by the {@link OrdinalReclaimer} only, after the node's grace period.
   */
  void resetFreed(int node) {
    synchronized (stripe(node)) {
      final int level = publishedLevel(node);
      for (int l = 0; l <= level; l++) {
        linkPage(node, l)[linkBase(node, l)] = 0;
      }
      INTS.setRelease(states.page(node), node & NODE_MASK, 0);
    }
  }

  /**
   * For {@link GraphSnapshotReader}, after {@link #publishRestored}: deleted nodes the snapshot
   * recorded as unpublished are linked from nowhere, so they go straight to the free list.
   */
  void restoreFree() {
    reclaimer.restoreFree(size);
  }

  // ---------------------------------------------------------------- distances

  /**
   * Distance from a float query slice to stored node {@code node}; with {@link #codes} the node's
   * decoded codes (the rerank distance of a quantized search).
   */
  public float distance(float[] query, int queryOffset, int node) {
    if (codes != null) {
      return codes.floatDistance(query, queryOffset, node);
    }
    final float[] page = vectors.page(node);
    final int offset = vectors.offset(node);
    return l2
        ? KERNELS.squaredL2(query, queryOffset, page, offset, dimension)
        : dotOffset - KERNELS.dot(query, queryOffset, page, offset, dimension);
  }

  /** Distance between two stored nodes (between their codes, with {@link #codes}). */
  public float distanceBetween(int a, int b) {
    if (codes != null) {
      return codes.distanceBetween(a, b);
    }
    return distance(vectors.page(a), vectors.offset(a), b);
  }
}
