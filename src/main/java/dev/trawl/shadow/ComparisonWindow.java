package dev.trawl.shadow;

import dev.trawl.shadow.metrics.PairedStat;
import dev.trawl.shadow.metrics.RunningStat;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Aggregates per-request comparisons over a window: means and standard errors of every metric,
 * pooled funnel counts, score and rank-shift histograms on fixed bins, and latency histograms
 * (HdrHistogram, 2 significant digits) per stage and end to end for both sides.
 *
 * <p>Side A is the primary; side B is the candidate in an A/B window, the primary's second run in an
 * A/A (noise floor) window.
 *
 * <p><b>Thread-safe</b>: {@link #add} and {@link #copy} synchronise on the window (uncontended with one
 * shadow worker; a lock costs no allocation). <b>Allocation:</b> {@link #add} and {@link #recordDropped}
 * allocate nothing; {@link #copy} allocates a full copy and is meant for reporting.
 */
public final class ComparisonWindow {
  /** The primary's side. */
  public static final int SIDE_A = 0;
  /** The candidate's side (or the primary's re-run in an A/A window). */
  public static final int SIDE_B = 1;

  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final AtomicLong dropped = new AtomicLong();
  private long requests;
  private long pagesCompared;
  final PairedStat failed = new PairedStat();
  final PairedStat timedOut = new PairedStat();
  final PairedStat latencyMicros = new PairedStat();
  final RunningStat overlap = new RunningStat();
  final RunningStat jaccard = new RunningStat();
  final RunningStat rbo = new RunningStat();
  final RunningStat tau = new RunningStat();
  final RunningStat rankShift = new RunningStat();
  final PairedStat pageSize = new PairedStat();
  final PairedStat authors = new PairedStat();
  final PairedStat communities = new PairedStat();
  final PairedStat[] shares;
  final PairedStat[] removed;
  final long[] ruleInA;
  final long[] ruleRemovedA;
  final long[] ruleInB;
  final long[] ruleRemovedB;
  final boolean[] pooledFunnelA;
  final boolean[] pooledFunnelB;
  final long[] scoresA;
  final long[] scoresB;
  final long[] rankShiftCounts;
  final Histogram totalA;
  final Histogram totalB;
  final Histogram[] stageA;
  final Histogram[] stageB;

  /**
   * An empty window for comparisons under {@code schema} and {@code config}.
   *
   * @param schema the names both sides are reported under
   * @param config the metrics' parameters
   */
  public ComparisonWindow(ShadowSchema schema, ComparisonConfig config) {
    this.schema = schema;
    this.config = config;
    shares = pairedStats(schema.sourceCount());
    removed = pairedStats(schema.ruleCount());
    ruleInA = new long[schema.ruleCount()];
    ruleRemovedA = new long[schema.ruleCount()];
    ruleInB = new long[schema.ruleCount()];
    ruleRemovedB = new long[schema.ruleCount()];
    pooledFunnelA = new boolean[schema.ruleCount()];
    pooledFunnelB = new boolean[schema.ruleCount()];
    scoresA = new long[config.scoreBins().count()];
    scoresB = new long[config.scoreBins().count()];
    rankShiftCounts = new long[2 * config.maxRankShift() + 1];
    totalA = histogram();
    totalB = histogram();
    stageA = new Histogram[schema.stageCount()];
    stageB = new Histogram[schema.stageCount()];
    for (int s = 0; s < stageA.length; s++) {
      stageA[s] = histogram();
      stageB[s] = histogram();
    }
  }

  private ComparisonWindow(ComparisonWindow o) {
    this(o.schema, o.config);
    dropped.set(o.dropped.get());
    requests = o.requests;
    pagesCompared = o.pagesCompared;
    failed.copyFrom(o.failed);
    timedOut.copyFrom(o.timedOut);
    latencyMicros.copyFrom(o.latencyMicros);
    overlap.copyFrom(o.overlap);
    jaccard.copyFrom(o.jaccard);
    rbo.copyFrom(o.rbo);
    tau.copyFrom(o.tau);
    rankShift.copyFrom(o.rankShift);
    pageSize.copyFrom(o.pageSize);
    authors.copyFrom(o.authors);
    communities.copyFrom(o.communities);
    for (int i = 0; i < shares.length; i++) {
      shares[i].copyFrom(o.shares[i]);
    }
    for (int i = 0; i < removed.length; i++) {
      removed[i].copyFrom(o.removed[i]);
    }
    System.arraycopy(o.ruleInA, 0, ruleInA, 0, ruleInA.length);
    System.arraycopy(o.ruleRemovedA, 0, ruleRemovedA, 0, ruleRemovedA.length);
    System.arraycopy(o.ruleInB, 0, ruleInB, 0, ruleInB.length);
    System.arraycopy(o.ruleRemovedB, 0, ruleRemovedB, 0, ruleRemovedB.length);
    System.arraycopy(o.pooledFunnelA, 0, pooledFunnelA, 0, pooledFunnelA.length);
    System.arraycopy(o.pooledFunnelB, 0, pooledFunnelB, 0, pooledFunnelB.length);
    System.arraycopy(o.scoresA, 0, scoresA, 0, scoresA.length);
    System.arraycopy(o.scoresB, 0, scoresB, 0, scoresB.length);
    System.arraycopy(o.rankShiftCounts, 0, rankShiftCounts, 0, rankShiftCounts.length);
    totalA.add(o.totalA);
    totalB.add(o.totalB);
    for (int s = 0; s < stageA.length; s++) {
      stageA[s].add(o.stageA[s]);
      stageB[s].add(o.stageB[s]);
    }
  }

  /**
   * {@return the schema the window's runs are reported under}
   */
  public ShadowSchema schema() {
    return schema;
  }

  /**
   * {@return the metrics' parameters}
   */
  public ComparisonConfig config() {
    return config;
  }

  /**
   * Folds in the request last compared by {@code c}. Allocation-free.
   *
   * @param c a comparison that has just compared a request; read during the call only
   */
  public synchronized void add(PairComparison c) {
    final RunRecord a = c.a();
    final RunRecord b = c.b();
    if (a == null || b == null) {
      throw new IllegalStateException("the comparison has not compared a request yet");
    }
    requests++;
    failed.add(a.outcome() == RunRecord.FAILED ? 1 : 0, b.outcome() == RunRecord.FAILED ? 1 : 0);
    timedOut.add(a.timedOut() ? 1 : 0, b.timedOut() ? 1 : 0);
    final long highest = config.highestLatencyNanos();
    latencyMicros.add(a.totalNanos() / 1000.0, b.totalNanos() / 1000.0);
    totalA.recordValue(Math.min(highest, a.totalNanos()));
    totalB.recordValue(Math.min(highest, b.totalNanos()));
    for (int s = 0; s < stageA.length; s++) {
      recordStage(stageA[s], a.stageNanos(s), highest);
      recordStage(stageB[s], b.stageNanos(s), highest);
    }
    for (int f = 0; f < removed.length; f++) {
      removed[f].add(c.removedA(f), c.removedB(f));
      if (a.ruleIn(f) >= 0) {
        ruleInA[f] += a.ruleIn(f);
        ruleRemovedA[f] += a.ruleRemoved(f);
      }
      if (b.ruleIn(f) >= 0) {
        ruleInB[f] += b.ruleIn(f);
        ruleRemovedB[f] += b.ruleRemoved(f);
      }
    }
    if (!c.bothAnswered()) {
      return;
    }
    pagesCompared++;
    overlap.add(c.overlap());
    jaccard.add(c.jaccard());
    rbo.add(c.rbo());
    tau.add(c.kendallTau());
    rankShift.add(c.meanRankShift());
    pageSize.add(a.size(), b.size());
    authors.add(c.authorsA(), c.authorsB());
    communities.add(c.communitiesA(), c.communitiesB());
    for (int s = 0; s < shares.length; s++) {
      shares[s].add(c.shareA(s), c.shareB(s));
    }
    histogram(a, scoresA);
    histogram(b, scoresB);
    final long[] shifts = c.rankShiftCounts();
    for (int i = 0; i < shifts.length; i++) {
      rankShiftCounts[i] += shifts[i];
    }
  }

  /**
   * Adds pooled funnel counts of a rule to one side, for systems that count per window rather than
   * per request (see {@link CumulativeStats}). Used by the report when no run reported the rule.
   *
   * @param side {@link #SIDE_A} or {@link #SIDE_B}
   * @param ruleIndex the rule's index in the schema
   * @param in the candidates that reached the rule
   * @param removed the candidates it removed
   * @throws IllegalArgumentException on a bad side, index or counts
   */
  public synchronized void addPooledFunnel(int side, int ruleIndex, long in, long removed) {
    checkSide(side);
    if (ruleIndex < 0 || ruleIndex >= ruleInA.length) {
      throw new IllegalArgumentException("rule index " + ruleIndex + " outside [0, " + ruleInA.length + ")");
    }
    if (in < 0 || removed < 0 || removed > in) {
      throw new IllegalArgumentException("need 0 <= removed <= in, got in=" + in + " removed=" + removed);
    }
    if (side == SIDE_A) {
      ruleInA[ruleIndex] += in;
      ruleRemovedA[ruleIndex] += removed;
      pooledFunnelA[ruleIndex] = true;
    } else {
      ruleInB[ruleIndex] += in;
      ruleRemovedB[ruleIndex] += removed;
      pooledFunnelB[ruleIndex] = true;
    }
  }

  /**
   * Adds {@code count} calls of a stage, each {@code nanos} long, to one side (e.g. one bucket of a
   * system's own latency histogram); values above the configured highest latency are clamped. For
   * reporting from cumulative counters ({@link CumulativeStats}); allocates nothing.
   *
   * @param side {@link #SIDE_A} or {@link #SIDE_B}
   * @param stageIndex the stage's index in the schema
   * @param nanos the latency of each call
   * @param count how many calls
   * @throws IllegalArgumentException for a bad side or stage, or a negative count
   */
  public synchronized void addStageLatency(int side, int stageIndex, long nanos, long count) {
    checkSide(side);
    if (stageIndex < 0 || stageIndex >= stageA.length) {
      throw new IllegalArgumentException("stage index " + stageIndex + " outside [0, " + stageA.length + ")");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    final Histogram target = side == SIDE_A ? stageA[stageIndex] : stageB[stageIndex];
    target.recordValueWithCount(Math.min(config.highestLatencyNanos(), Math.max(0, nanos)), count);
  }

  private static void checkSide(int side) {
    if (side != SIDE_A && side != SIDE_B) {
      throw new IllegalArgumentException("side must be SIDE_A (0) or SIDE_B (1), got " + side);
    }
  }

  /** Counts a sampled request that was dropped because the shadow queue was full. Lock-free. */
  public void recordDropped() {
    dropped.incrementAndGet();
  }

  /** {@return a consistent copy of this window (allocates)} */
  public synchronized ComparisonWindow copy() {
    return new ComparisonWindow(this);
  }

  /** {@return requests folded in (including those where a side failed)} */
  public synchronized long requests() {
    return requests;
  }

  /** {@return requests where both sides answered and pages were compared} */
  public synchronized long pagesCompared() {
    return pagesCompared;
  }

  /** {@return sampled requests dropped because the shadow queue was full} */
  public long dropped() {
    return dropped.get();
  }

  private void histogram(RunRecord run, long[] counts) {
    final float[] scores = run.scoreColumn();
    for (int i = 0; i < run.size(); i++) {
      counts[config.scoreBins().index(scores[i])]++;
    }
  }

  private static void recordStage(Histogram h, long nanos, long highest) {
    if (nanos >= 0) {
      h.recordValue(Math.min(highest, nanos));
    }
  }

  private Histogram histogram() {
    return new Histogram(config.highestLatencyNanos(), 2);
  }

  private static PairedStat[] pairedStats(int n) {
    final PairedStat[] stats = new PairedStat[n];
    for (int i = 0; i < n; i++) {
      stats[i] = new PairedStat();
    }
    return stats;
  }
}
