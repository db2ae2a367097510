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

  /** Ids present. */
  public int liveItems() {
    return liveItems;
  }

  /** Internal slots allocated so far (live, removed or replaced and not yet reused, free). */
  public int ordinals() {
    return ordinals;
  }

  /** Slots linked into the graph (live ones and removed ones not yet unlinked). */
  public int published() {
    return published;
  }

  /** Slots of removed or replaced items still linked into the graph, waiting for a repair. */
  public int deleted() {
    return deleted;
  }

  /** Slots free for reuse. */
  public int free() {
    return free;
  }

  /** Removed slots claimed by a repair and on their way to the free list. */
  public int pendingReuse() {
    return pendingReuse;
  }

  /** The entry point's level, or -1 when the index is empty. */
  public int topLevel() {
    return topLevel;
  }

  /** Number of levels with at least one node. */
  public int levels() {
    return nodesPerLevel.length;
  }

  /** Published nodes on {@code level} (a node on level L is on every level below it too). */
  public long nodesAt(int level) {
    return nodesPerLevel[level];
  }

  /** Links stored on {@code level}. */
  public long linksAt(int level) {
    return linksPerLevel[level];
  }

  /** Link slots of published nodes, filled or not (2M on level 0, M per upper level). */
  public long linkSlots() {
    return linkSlots;
  }

  /** Bytes the index holds, reserved capacity included ({@link VectorIndex#memoryBytes()}). */
  public long memoryBytes() {
    return memoryBytes;
  }

  /** Repair passes completed. */
  public int repairsCompleted() {
    return repairsCompleted;
  }

  /** See {@link VectorIndex#writesPastReuseLimit()}. */
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
