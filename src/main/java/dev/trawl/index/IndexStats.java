package dev.trawl.index;

import java.util.Arrays;

/**
 * Counts describing a {@link VectorIndex} at one moment, for tools and monitoring
 * ({@link VectorIndex#stats()}): items, internal slots (ordinals) and where they are in their life,
 * the graph's shape per level, memory, and the repair and reuse counters.
 *
 * <p>Immutable and thread-safe. Taken without stopping writers, so the counts of a busy index may
 * disagree by the writes in flight.
 */
public final class IndexStats {
  private final int liveItems;
  private final int ordinals;
  private final int published;
  private final int deleted;
  private final int free;
  private final int pendingReuse;
  private final int topLevel;
  private final long[] nodesPerLevel;
  private final long[] linksPerLevel;
  private final long linkSlots;
  private final long memoryBytes;
  private final int repairsCompleted;
  private final long writesPastReuseLimit;

  IndexStats(
      int liveItems, int ordinals, int published, int deleted, int free, int pendingReuse, int topLevel,
      long[] nodesPerLevel, long[] linksPerLevel, long linkSlots, long memoryBytes, int repairsCompleted,
      long writesPastReuseLimit) {
    this.liveItems = liveItems;
    this.ordinals = ordinals;
    this.published = published;
    this.deleted = deleted;
    this.free = free;
    this.pendingReuse = pendingReuse;
    this.topLevel = topLevel;
    this.nodesPerLevel = nodesPerLevel;
    this.linksPerLevel = linksPerLevel;
    this.linkSlots = linkSlots;
    this.memoryBytes = memoryBytes;
    this.repairsCompleted = repairsCompleted;
    this.writesPastReuseLimit = writesPastReuseLimit;
  }

  /** {@return the ids present: the items a search can find} */
  public int liveItems() {
    return liveItems;
  }

  /**
   * {@return the internal slots allocated so far: live, removed or replaced and not yet reused, and
   * free}
   */
  public int ordinals() {
    return ordinals;
  }

  /** {@return the slots linked into the graph: live ones and removed ones not yet unlinked} */
  public int published() {
    return published;
  }

  /**
   * {@return the slots of removed or replaced items still linked into the graph, waiting for a
   * repair}
   */
  public int deleted() {
    return deleted;
  }

  /** {@return the slots free for reuse by the next writes} */
  public int free() {
    return free;
  }

  /** {@return the removed slots a repair has claimed, on their way to the free list} */
  public int pendingReuse() {
    return pendingReuse;
  }

  /** {@return the entry point's level, or -1 when the index is empty} */
  public int topLevel() {
    return topLevel;
  }

  /**
   * {@return the number of levels holding at least one node (the valid range of {@link #nodesAt}
   * and {@link #linksAt})}
   */
  public int levels() {
    return nodesPerLevel.length;
  }

  /**
   * Published nodes on {@code level} (a node on level L is on every level below it too).
   *
   * @param level 0 to {@link #levels()} - 1
   * @return the count of published nodes present on that level
   */
  public long nodesAt(int level) {
    return nodesPerLevel[level];
  }

  /**
   * Links stored on {@code level}.
   *
   * @param level 0 to {@link #levels()} - 1
   * @return the links the published nodes hold on that level, over their lists
   */
  public long linksAt(int level) {
    return linksPerLevel[level];
  }

  /**
   * {@return the link slots of published nodes, filled or not (2M on level 0, M per upper level)}
   */
  public long linkSlots() {
    return linkSlots;
  }

  /**
   * {@return the bytes the index holds, reserved capacity included ({@link
   * VectorIndex#memoryBytes()})}
   */
  public long memoryBytes() {
    return memoryBytes;
  }

  /** {@return the repair passes completed, automatic or explicit} */
  public int repairsCompleted() {
    return repairsCompleted;
  }

  /**
   * {@return the writes that found the reuse backlog over its limit but could not repair ({@link
   * VectorIndex#writesPastReuseLimit()})}
   */
  public long writesPastReuseLimit() {
    return writesPastReuseLimit;
  }

  @Override
  public String toString() {
    return "IndexStats[live=" + liveItems + ", ordinals=" + ordinals + ", published=" + published
        + ", deleted=" + deleted + ", free=" + free + ", pendingReuse=" + pendingReuse + ", topLevel="
        + topLevel + ", nodesPerLevel=" + Arrays.toString(nodesPerLevel) + ", memoryBytes="
        + memoryBytes + "]";
  }
}
