package dev.trawl.hnsw;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Decides when the ordinal of a deleted node may be reused, and keeps the free ones. Driven by
 * {@link GraphRepair}: every pass calls {@link #beginPass} before it scans and {@link #endPass} after.
 *
 * <p>A deleted node {@code X} goes through three stages, each a group of the nodes claimed at the start
 * of one pass (published and tombstoned then, so every walk that enters afterwards sees the tombstone):
 * <ol>
 *   <li><b>Waiting for old walks.</b> A walk (search or insert) that entered before the claim may still
 *       pick {@code X} as a neighbour and write a link to it, and {@code X}'s own insert, if it was
 *       removed while being added, may still be linking it in. Once no walk older than the claim is
 *       pinned (checked at the start of a later pass, or of the same one), no new link to {@code X} can
 *       appear: every later walk rejects tombstoned nodes as neighbours.
 *   <li><b>Unlinking.</b> The pass that starts after that point rewrites every list that names
 *       {@code X}: live nodes are re-linked, and dead nodes still reachable have {@code X} dropped from
 *       their lists. Afterwards no reachable node links to {@code X}, and it is not the entry point.
 *   <li><b>Grace.</b> At the end of that pass the epoch advances; once no walk that entered before the
 *       advance is pinned, nobody holds {@code X}. Its lists are emptied, it is unpublished and it goes
 *       on the free list, from which {@link HnswGraph#allocate} takes it.
 * </ol>
 * Walks never wait: a group whose condition does not hold yet is looked at again at the next pass.
 *
 * <p><b>Snapshots.</b> A snapshot writer holds {@link #snapshotHold()} (shared) while it reads the
 * graph; freeing takes the exclusive side with {@code tryLock} and skips when a snapshot is being
 * written, so a node live in a snapshot's cut keeps its vector and lists until the snapshot is done.
 *
 * <p><b>Thread-safety:</b> {@link #beginPass}/{@link #endPass} are called by one repair at a time (the
 * graph serialises passes) and hold the groups' lock; {@link #take} is called by the allocating
 * writer under the graph's allocation lock, and when the free list is empty that writer also tries
 * the groups' lock (never waiting for it) to free the groups whose grace is over; the bit queries are
 * safe from any thread. Lock order: allocation lock, groups' lock, then a stripe lock or the free
 * list's lock. <b>Allocation:</b> on the write side only (a group per pass, the
 * free list when it grows).
 */
public final class OrdinalReclaimer {
  /** How long a pass waits at its start for walks older than its claim (see waitForOldWalks). */
  static final long OLD_WALK_WAIT_NANOS = 20_000_000L;

  private final HnswGraph graph;
  private final WalkEpochs epochs;
  /** Claimed by a group or free: not claimed again. */
  private final Tombstones claimed = new Tombstones();
  /** In a group that is being or has been unlinked, or free: repairs no longer rewrite its lists. */
  private final Tombstones unlinked = new Tombstones();
  private final List<Group> waitingOld = new ArrayList<>();
  private final List<Group> unlinking = new ArrayList<>();
  private final List<Group> grace = new ArrayList<>();
  private final ReentrantReadWriteLock snapshots = new ReentrantReadWriteLock();
  private final Object freeLock = new Object();
  /** Guards the groups: held by a pass's begin and end, tried by writers freeing graced groups. */
  private final ReentrantLock lock = new ReentrantLock();
  private int[] free = new int[64];
  private int freeCount;
  private volatile int pendingCount;
  private volatile int graceCount;

  OrdinalReclaimer(HnswGraph graph, WalkEpochs epochs) {
    this.graph = graph;
    this.epochs = epochs;
  }

  private static final class Group {
    int[] ordinals = new int[16];
    int count;
    long tag;

    void add(int ordinal) {
      if (count == ordinals.length) {
        ordinals = Arrays.copyOf(ordinals, count * 2);
      }
      ordinals[count++] = ordinal;
    }
  }

  void ensureCapacity(int ordinals) {
    claimed.ensureCapacity(ordinals);
    unlinked.ensureCapacity(ordinals);
  }

  /**
   * Start of a repair pass over ordinals {@code [0, limit)}: claims the published deleted nodes not
   * claimed yet, advances the epoch, and moves the groups whose old walks are over to the unlinking
   * stage (marking them, so the pass below drops links to them) and frees those whose grace is over.
   */
  void beginPass(int limit) {
    lock.lock();
    try {
      beginPassLocked(limit);
    } finally {
      lock.unlock();
    }
  }

  private void beginPassLocked(int limit) {
    final Group fresh = new Group();
    for (int node = 0; node < limit; node++) {
      // claimed first: a reused ordinal has its bit cleared after it was unpublished
      if (!claimed.contains(node) && graph.isDeleted(node) && graph.isPublished(node)) {
        claimed.set(node);
        fresh.add(node);
      }
    }
    fresh.tag = epochs.advance();
    if (fresh.count > 0) {
      waitingOld.add(fresh);
    }
    final long oldest = waitForOldWalks(fresh.tag);
    for (int i = 0; i < waitingOld.size(); ) {
      final Group group = waitingOld.get(i);
      if (group.tag <= oldest) {
        for (int j = 0; j < group.count; j++) {
          unlinked.set(group.ordinals[j]);
        }
        unlinking.add(group);
        waitingOld.remove(i);
      } else {
        i++;
      }
    }
    freeGraced(oldest);
    updatePending();
  }

  /**
   * End of a repair pass: the groups it unlinked start their grace at a new epoch; frees the groups
   * whose grace is over. If the entry node is one of them (a pass keeps a deleted entry when nothing
   * is live), the pass's groups go back to waiting instead.
   */
  void endPass() {
    lock.lock();
    try {
      endPassLocked();
    } finally {
      lock.unlock();
    }
  }

  private void endPassLocked() {
    final long tag = epochs.advance();
    final int entry = graph.entryNode();
    boolean entryUnlinked = false;
    for (Group group : unlinking) {
      for (int j = 0; j < group.count && !entryUnlinked; j++) {
        entryUnlinked = group.ordinals[j] == entry;
      }
    }
    for (Group group : unlinking) {
      group.tag = tag;
      if (entryUnlinked) {
        // The pass left the entry's own lists alone; walks start there, so nothing it unlinked is
        // safe to free. Everything goes round again once a live entry exists.
        for (int j = 0; j < group.count; j++) {
          unlinked.clear(group.ordinals[j]);
        }
        waitingOld.add(group);
      } else {
        grace.add(group);
      }
    }
    unlinking.clear();
    freeGraced(epochs.oldestPinned());
    updatePending();
  }

  private void freeGraced(long oldest) {
    if (grace.isEmpty() || !snapshots.writeLock().tryLock()) {
      return;
    }
    try {
      for (int i = 0; i < grace.size(); ) {
        final Group group = grace.get(i);
        if (group.tag > oldest || contains(group, graph.entryNode())) {
          i++; // the entry check is a guard: only live nodes become the entry after endPass
          continue;
        }
        grace.remove(i);
        for (int j = 0; j < group.count; j++) {
          graph.resetFreed(group.ordinals[j]);
        }
        synchronized (freeLock) {
          if (free.length < freeCount + group.count) {
            free = Arrays.copyOf(free, Math.max(free.length * 2, freeCount + group.count));
          }
          System.arraycopy(group.ordinals, 0, free, freeCount, group.count);
          freeCount += group.count;
        }
      }
    } finally {
      snapshots.writeLock().unlock();
    }
  }

  /**
   * Gives the walks that entered before {@code epoch} (inserts and searches in flight, typically well
   * under a millisecond) a short, bounded time to end, yielding meanwhile, so that this pass can unlink
   * what it just claimed instead of leaving it to the next one. A walk that stays pinned (a searcher
   * whose results are never drained) only delays reuse: the wait gives up after
   * {@link #OLD_WALK_WAIT_NANOS}. Only the repair thread waits; walkers never do. Returns the oldest
   * pinned epoch when done.
   */
  private long waitForOldWalks(long epoch) {
    long oldest = epochs.oldestPinned();
    if (oldest >= epoch || waitingOld.isEmpty()) {
      return oldest;
    }
    final long start = System.nanoTime();
    while (oldest < epoch && System.nanoTime() - start < OLD_WALK_WAIT_NANOS) {
      Thread.yield();
      oldest = epochs.oldestPinned();
    }
    return oldest;
  }

  private static boolean contains(Group group, int node) {
    for (int j = 0; j < group.count; j++) {
      if (group.ordinals[j] == node) {
        return true;
      }
    }
    return false;
  }

  /**
   * Frees the groups whose grace is over, if any group is in grace; for the allocating writer when the
   * free list is empty, so that freed slots do not wait for the next repair pass.
   */
  void tryFreeGraced() {
    if (graceCount == 0 || !lock.tryLock()) {
      return; // a pass is running (maybe waiting for old walks): the writer does not wait for it
    }
    try {
      freeGraced(epochs.oldestPinned());
      updatePending();
    } finally {
      lock.unlock();
    }
  }

  private void updatePending() {
    int pending = 0;
    for (Group g : waitingOld) {
      pending += g.count;
    }
    for (Group g : unlinking) {
      pending += g.count;
    }
    for (Group g : grace) {
      pending += g.count;
    }
    pendingCount = pending;
    int graced = 0;
    for (Group g : grace) {
      graced += g.count;
    }
    graceCount = graced;
  }

  /**
   * For snapshot loading: ordinals that are deleted and unpublished (free or half-inserted when the
   * snapshot was cut) are linked from nowhere and go straight to the free list.
   */
  void restoreFree(int limit) {
    synchronized (freeLock) {
      for (int node = 0; node < limit; node++) {
        if (graph.isDeleted(node) && !graph.isPublished(node)) {
          claimed.set(node);
          unlinked.set(node);
          if (free.length == freeCount) {
            free = Arrays.copyOf(free, free.length * 2);
          }
          free[freeCount++] = node;
        }
      }
    }
  }

  /** Puts an ordinal that was allocated but never published straight on the free list. */
  void addFree(int ordinal) {
    synchronized (freeLock) {
      claimed.set(ordinal);
      unlinked.set(ordinal);
      if (free.length == freeCount) {
        free = Arrays.copyOf(free, free.length * 2);
      }
      free[freeCount++] = ordinal;
    }
  }

  /**
   * A free ordinal, or -1. The caller (the graph, under its allocation lock) clears its tombstone and
   * then {@link #release}s it.
   */
  int take() {
    synchronized (freeLock) {
      return freeCount == 0 ? -1 : free[--freeCount];
    }
  }

  /** Forgets a taken ordinal: it may be claimed again once its new life is deleted. */
  void release(int ordinal) {
    unlinked.clear(ordinal);
    claimed.clear(ordinal);
  }

  /** Whether repairs leave {@code node}'s lists alone: it is being unlinked, in grace, or free. */
  boolean isUnlinked(int node) {
    return unlinked.contains(node);
  }

  /** Ordinals on the free list. */
  public int freeCount() {
    synchronized (freeLock) {
      return freeCount;
    }
  }

  /** Deleted ordinals claimed but not free yet (waiting for old walks or for their grace period). */
  public int pendingCount() {
    return pendingCount;
  }

  /**
   * The shared hold a snapshot writer keeps while it reads the graph: no ordinal is freed meanwhile.
   */
  public Lock snapshotHold() {
    return snapshots.readLock();
  }
}
