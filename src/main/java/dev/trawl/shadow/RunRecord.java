package dev.trawl.shadow;

import dev.trawl.collect.CandidateColumns;
import java.util.Arrays;

/**
 * One pipeline run of one request, copied into primitive columns so it outlives the pipeline's
 * reusable result: the page (id, source index, author, community, score per rank), the outcome,
 * the end-to-end latency, each stage's latency and each rule's funnel (candidates in, removed).
 * Sources, stages and rules are numbered by a {@link ShadowSchema}.
 *
 * <p>Missing values: a stage that did not run has latency {@link #NOT_RUN}; a rule the pipeline does
 * not have has {@code in == }{@link #NOT_RUN}.
 *
 * <p><b>Not thread-safe</b>: written by one thread, then handed over (with a happens-before edge such
 * as an executor hand-off) to the comparing thread. <b>Allocation:</b> none, except that the page
 * columns grow once when a page longer than their capacity is added.
 */
public final class RunRecord {
  /** The run produced a page. */
  public static final int OK = 0;
  /** The run failed (an exception or a failed required stage). */
  public static final int FAILED = 1;
  /** The run exceeded its deadline and produced no page. */
  public static final int TIMED_OUT = 2;
  /** Latency of a stage that did not run; funnel input of a rule that does not exist. */
  public static final int NOT_RUN = -1;

  private final ShadowSchema schema;
  private final CandidateColumns page;
  private int outcome;
  private long totalNanos;
  private int timedOutStages;
  private final long[] stageNanos;
  private final int[] ruleIn;
  private final int[] ruleRemoved;

  /**
   * A record for runs reported under {@code schema}, with room for {@code pageCapacity} items.
   *
   * @param schema names the sources, rules and stages of the run
   * @param pageCapacity the items the page arrays first hold
   */
  public RunRecord(ShadowSchema schema, int pageCapacity) {
    this.schema = schema;
    page = new CandidateColumns(pageCapacity);
    stageNanos = new long[schema.stageCount()];
    ruleIn = new int[schema.ruleCount()];
    ruleRemoved = new int[schema.ruleCount()];
    clear();
  }

  /**
   * {@return the schema the run is reported under}
   */
  public ShadowSchema schema() {
    return schema;
  }

  /** Empties the page, sets the outcome to {@link #OK} and marks every stage and rule as not run. */
  public void clear() {
    page.clear();
    outcome = OK;
    totalNanos = 0;
    timedOutStages = 0;
    Arrays.fill(stageNanos, NOT_RUN);
    Arrays.fill(ruleIn, NOT_RUN);
    Arrays.fill(ruleRemoved, 0);
  }

  /**
   * Appends the item at the next rank.
   *
   * @param id the item id
   * @param sourceIndex its source's index in the schema
   * @param author its author
   * @param community its community
   * @param score its final score
   * @throws IllegalArgumentException if {@code sourceIndex} is not a source of the schema
   */
  public void addItem(long id, int sourceIndex, long author, long community, float score) {
    if (sourceIndex < 0 || sourceIndex >= schema.sourceCount()) {
      throw new IllegalArgumentException(
          "source index " + sourceIndex + " outside [0, " + schema.sourceCount() + ")");
    }
    final int i = page.append(id, score);
    page.sources[i] = sourceIndex;
    page.authors[i] = author;
    page.communities[i] = community;
  }

  /**
   * Sets the outcome: {@link #OK}, {@link #FAILED} or {@link #TIMED_OUT}.
   *
   * @param outcome the run's outcome
   */
  public void outcome(int outcome) {
    if (outcome < OK || outcome > TIMED_OUT) {
      throw new IllegalArgumentException("outcome must be OK, FAILED or TIMED_OUT, got " + outcome);
    }
    this.outcome = outcome;
  }

  /**
   * Records that {@code count} stages (e.g. sources) were abandoned at their timeout while the run
   * still answered; the run counts towards the timeout rate but its page is compared.
   *
   * @param count the stages abandoned, 0 or more
   */
  public void timedOutStages(int count) {
    timedOutStages = Math.max(0, count);
  }

  /** {@return stages abandoned at their timeout in an answered run} */
  public int timedOutStages() {
    return timedOutStages;
  }

  /** {@return whether the run timed out as a whole or had a stage abandoned at its timeout} */
  public boolean timedOut() {
    return outcome == TIMED_OUT || timedOutStages > 0;
  }

  /**
   * Records the run's latency.
   *
   * @param nanos the run's end-to-end latency
   */
  public void totalNanos(long nanos) {
    totalNanos = Math.max(0, nanos);
  }

  /**
   * Records the latency of the stage in {@code index}.
   *
   * @param index the stage's index in the schema
   * @param nanos its latency
   */
  public void stageNanos(int index, long nanos) {
    stageNanos[index] = Math.max(0, nanos);
  }

  /**
   * Records the funnel of the rule in {@code index}: {@code in} candidates reached it, {@code removed}
   * of them were removed.
   *
   * @param index the rule's index in the schema
   * @param in the candidates that reached it
   * @param removed the candidates it removed
   * @throws IllegalArgumentException unless {@code 0 <= removed <= in}
   */
  public void ruleCounts(int index, int in, int removed) {
    if (in < 0 || removed < 0 || removed > in) {
      throw new IllegalArgumentException(
          "rule " + schema.ruleName(index) + ": need 0 <= removed <= in, got in=" + in
              + " removed=" + removed);
    }
    ruleIn[index] = in;
    ruleRemoved[index] = removed;
  }

  /**
   * Copies {@code other} (same schema) into this record.
   *
   * @param other the record copied; unchanged
   */
  public void copyFrom(RunRecord other) {
    if (other.schema != schema) {
      throw new IllegalArgumentException("records belong to different schemas");
    }
    clear();
    page.copyFrom(other.page, other.page.size);
    outcome = other.outcome;
    totalNanos = other.totalNanos;
    timedOutStages = other.timedOutStages;
    System.arraycopy(other.stageNanos, 0, stageNanos, 0, stageNanos.length);
    System.arraycopy(other.ruleIn, 0, ruleIn, 0, ruleIn.length);
    System.arraycopy(other.ruleRemoved, 0, ruleRemoved, 0, ruleRemoved.length);
  }

  /**
   * {@return the number of items on the run's page}
   */
  public int size() {
    return page.size;
  }

  /**
   * {@return the run's outcome: {@link #OK}, {@link #FAILED} or {@link #TIMED_OUT}}
   */
  public int outcome() {
    return outcome;
  }

  /**
   * {@return the run's end-to-end latency in nanoseconds}
   */
  public long totalNanos() {
    return totalNanos;
  }

  /**
   * The latency of the stage in {@code index}.
   *
   * @param index the stage's index in the schema
   * @return its latency in nanoseconds, or {@link #NOT_RUN}
   */
  public long stageNanos(int index) {
    return stageNanos[index];
  }

  /**
   * Candidates that reached the rule in {@code index}, or {@link #NOT_RUN}.
   *
   * @param index the rule's index in the schema
   * @return the count
   */
  public int ruleIn(int index) {
    return ruleIn[index];
  }

  /**
   * The candidates the rule in {@code index} removed.
   *
   * @param index the rule's index in the schema
   * @return the candidates it removed, or {@link #NOT_RUN}
   */
  public int ruleRemoved(int index) {
    return ruleRemoved[index];
  }

  /**
   * The item at {@code rank}.
   *
   * @param rank 0 for the top, below {@link #size()}
   * @return the item id at that rank
   */
  public long id(int rank) {
    return page.ids[check(rank)];
  }

  /**
   * The source of the item at {@code rank}.
   *
   * @param rank 0 for the top, below {@link #size()}
   * @return its source's index in the schema
   */
  public int source(int rank) {
    return page.sources[check(rank)];
  }

  /**
   * The author of the item at {@code rank}.
   *
   * @param rank 0 for the top, below {@link #size()}
   * @return its author
   */
  public long author(int rank) {
    return page.authors[check(rank)];
  }

  /**
   * The community of the item at {@code rank}.
   *
   * @param rank 0 for the top, below {@link #size()}
   * @return its community
   */
  public long community(int rank) {
    return page.communities[check(rank)];
  }

  /**
   * The score of the item at {@code rank}.
   *
   * @param rank 0 for the top, below {@link #size()}
   * @return its final score
   */
  public float score(int rank) {
    return page.scores[check(rank)];
  }

  // Column access for the comparator in this package: valid for [0, size()).
  long[] idColumn() {
    return page.ids;
  }

  int[] sourceColumn() {
    return page.sources;
  }

  long[] authorColumn() {
    return page.authors;
  }

  long[] communityColumn() {
    return page.communities;
  }

  float[] scoreColumn() {
    return page.scores;
  }

  private int check(int rank) {
    if (rank < 0 || rank >= page.size) {
      throw new IndexOutOfBoundsException("rank " + rank + " of page of size " + page.size);
    }
    return rank;
  }
}
