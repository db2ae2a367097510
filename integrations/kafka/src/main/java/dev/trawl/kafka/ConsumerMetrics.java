package dev.trawl.kafka;

import org.HdrHistogram.Histogram;

/**
 * What a {@link PostStreamConsumer} has done so far, as an immutable snapshot taken by {@link
 * PostStreamConsumer#metrics()}: event counts by outcome, per-partition positions and lag, and the
 * distribution of index write latencies.
 *
 * <p>Every event received is counted exactly once in {@link #applied}, {@link #stale}, {@link
 * #absent} or {@link #deadLettered}. Immutable and thread-safe; taking one allocates it, its arrays
 * and a copy of the latency histogram.
 */
public final class ConsumerMetrics {
  private final PostStreamConsumer.State state;
  private final long applied;
  private final long stale;
  private final long absent;
  private final long deadLettered;
  private final long listenerFailures;
  private final long batches;
  private final long snapshots;
  private final long snapshotFailures;
  private final long commitFailures;
  private final long heldEvents;
  private final long expiredHolds;
  private final long heldNanos;
  private final int[] partitions;
  private final long[] positions;
  private final long[] lags;
  private final Histogram applyNanos;

  ConsumerMetrics(
      PostStreamConsumer.State state,
      long applied,
      long stale,
      long absent,
      long deadLettered,
      long listenerFailures,
      long batches,
      long snapshots,
      long snapshotFailures,
      long commitFailures,
      long heldEvents,
      long expiredHolds,
      long heldNanos,
      int[] partitions,
      long[] positions,
      long[] lags,
      Histogram applyNanos) {
    this.state = state;
    this.applied = applied;
    this.stale = stale;
    this.absent = absent;
    this.deadLettered = deadLettered;
    this.listenerFailures = listenerFailures;
    this.batches = batches;
    this.snapshots = snapshots;
    this.snapshotFailures = snapshotFailures;
    this.commitFailures = commitFailures;
    this.heldEvents = heldEvents;
    this.expiredHolds = expiredHolds;
    this.heldNanos = heldNanos;
    this.partitions = partitions;
    this.positions = positions;
    this.lags = lags;
    this.applyNanos = applyNanos;
  }

  /** The consumer's state when the snapshot was taken. */
  public PostStreamConsumer.State state() {
    return state;
  }

  /** Events that changed the index (an upsert that added or replaced, a remove of a live post). */
  public long applied() {
    return applied;
  }

  /**
   * Events older than the version the index already had for the post (redeliveries, reordering).
   */
  public long stale() {
    return stale;
  }

  /** Removes of posts that were not live (remembered, so a late older upsert is stale). */
  public long absent() {
    return absent;
  }

  /** Poison records sent to the dead-letter topic. */
  public long deadLettered() {
    return deadLettered;
  }

  /** Every event received: applied, stale, absent or dead-lettered. */
  public long received() {
    return applied + stale + absent + deadLettered;
  }

  /** Exceptions thrown by the {@link PostEventListener} (counted, logged, not fatal). */
  public long listenerFailures() {
    return listenerFailures;
  }

  /** Batches (non-empty polls) applied and committed. */
  public long batches() {
    return batches;
  }

  /** Snapshots written. */
  public long snapshots() {
    return snapshots;
  }

  /**
   * Snapshots that failed to write (the previous one stays in place; the next is tried on time).
   */
  public long snapshotFailures() {
    return snapshotFailures;
  }

  /** Offset commits that failed (harmless for the index: the snapshot holds the positions). */
  public long commitFailures() {
    return commitFailures;
  }

  /**
   * Events an apply thread waited for the host before applying ({@link
   * PostStreamConsumer.Builder#yieldWhile}); 0 without yielding.
   */
  public long heldEvents() {
    return heldEvents;
  }

  /** Of {@link #heldEvents}, those applied because their wait reached the bound, the host still busy. */
  public long expiredHolds() {
    return expiredHolds;
  }

  /** Nanoseconds apply threads spent waiting for the host, in total. */
  public long heldNanos() {
    return heldNanos;
  }

  /** How many partitions the consumer is assigned. */
  public int partitionCount() {
    return partitions.length;
  }

  /** The {@code i}-th assigned partition's number. */
  public int partition(int i) {
    return partitions[i];
  }

  /** The next offset to apply in the {@code i}-th partition, or -1 before its first record. */
  public long position(int i) {
    return positions[i];
  }

  /** Records behind the partition's end in the {@code i}-th partition, or -1 when not yet known. */
  public long lag(int i) {
    return lags[i];
  }

  /** The sum of the known lags. */
  public long totalLag() {
    long sum = 0;
    for (long lag : lags) {
      sum += Math.max(0, lag);
    }
    return sum;
  }

  /** Nanoseconds per index write (upsert or remove), since the consumer started. */
  public Histogram applyNanos() {
    return applyNanos;
  }

  @Override
  public String toString() {
    return "ConsumerMetrics{state="
        + state
        + ", applied="
        + applied
        + ", stale="
        + stale
        + ", absent="
        + absent
        + ", deadLettered="
        + deadLettered
        + ", batches="
        + batches
        + ", snapshots="
        + snapshots
        + ", totalLag="
        + totalLag()
        + ", applyP99us="
        + applyNanos.getValueAtPercentile(99) / 1000
        + "}";
  }
}
