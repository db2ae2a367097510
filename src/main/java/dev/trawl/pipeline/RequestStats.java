package dev.trawl.pipeline;

import java.util.Arrays;

/**
 * Per-stage figures of the last request run with one {@link RequestContext}: each stage's latency
 * and the candidates it received and passed on (for a rule: kept, and removed = in - out). Read it
 * with {@link RequestContext#lastRequest()} after {@link Pipeline#execute} returned, e.g. to compare
 * one request's funnel and stage costs in a shadow run; the pipeline's {@link Pipeline#metrics()}
 * are the cumulative counterpart over all requests.
 *
 * <p>Stages are indexed as in {@link Pipeline#stageNames()} (declaration order). For a source,
 * {@code in} is what it returned and {@code out} what was merged (valid, not a duplicate); its
 * latency is its run time on whichever thread ran it, or for a source abandoned at its timeout the
 * time the request waited for it. A stage that did not run (gated off, skipped at the deadline, a
 * side effect in a {@linkplain RequestContext#shadow(boolean) shadow} request, or after the request
 * failed) has latency {@link #NOT_RUN} and counts {@link #NOT_RUN}; a stage that threw or timed out
 * has a latency, but counts {@link #NOT_RUN}.
 *
 * <p><b>Not thread-safe</b>: owned by its context and written by the request thread during
 * {@code execute}; read it on that thread between requests. <b>Allocation:</b> none; the arrays are
 * sized to the pipeline's stages when the context is created.
 */
public final class RequestStats {
  /** Latency or count of a stage that did not run (or, for counts, did not finish). */
  public static final int NOT_RUN = -1;

  private final String[] names;
  private final StageKind[] kinds;
  private final long[] nanos;
  private final int[] in;
  private final int[] out;
  private long totalNanos = NOT_RUN;

  RequestStats(String[] names, StageKind[] kinds) {
    this.names = names;
    this.kinds = kinds;
    this.nanos = new long[names.length];
    this.in = new int[names.length];
    this.out = new int[names.length];
    begin();
  }

  /** {@return the number of stages (the pipeline's, side effects included)} */
  public int stageCount() {
    return names.length;
  }

  /**
   * Name of stage {@code stage}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return its name
   */
  public String stageName(int stage) {
    return names[check(stage)];
  }

  /**
   * Kind of stage {@code stage}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return its kind
   */
  public StageKind kind(int stage) {
    return kinds[check(stage)];
  }

  /**
   * Whether stage {@code stage} ran in the last request (including runs that threw).
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return true when it ran
   */
  public boolean ran(int stage) {
    return nanos[check(stage)] != NOT_RUN;
  }

  /**
   * Latency of stage {@code stage} in nanoseconds, or {@link #NOT_RUN}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return its latency
   */
  public long nanos(int stage) {
    return nanos[check(stage)];
  }

  /**
   * Candidates stage {@code stage} received (a source: returned), or {@link #NOT_RUN}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return the candidates it received
   */
  public int in(int stage) {
    return in[check(stage)];
  }

  /**
   * Candidates stage {@code stage} passed on (a source: merged), or {@link #NOT_RUN}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return the candidates it passed on
   */
  public int out(int stage) {
    return out[check(stage)];
  }

  /**
   * Candidates stage {@code stage} removed ({@code in - out}; a rule's funnel), or {@link
   * #NOT_RUN}.
   *
   * @param stage the stage's index in declaration order, below {@link #stageCount()}
   * @return the candidates it removed
   */
  public int removed(int stage) {
    final int i = in[check(stage)];
    return i == NOT_RUN ? NOT_RUN : i - out[stage];
  }

  /**
   * {@return the end-to-end latency of the last request in nanoseconds, or {@link #NOT_RUN} before
   * the first}
   */
  public long totalNanos() {
    return totalNanos;
  }

  @Override
  public String toString() {
    final StringBuilder b = new StringBuilder("RequestStats[total=").append(totalNanos).append("ns");
    for (int i = 0; i < names.length; i++) {
      b.append(", ").append(names[i]).append(": ").append(nanos[i]).append("ns ")
          .append(in[i]).append("->").append(out[i]);
    }
    return b.append(']').toString();
  }

  // ----------------------------------------------------------- pipeline side

  void begin() {
    Arrays.fill(nanos, NOT_RUN);
    Arrays.fill(in, NOT_RUN);
    Arrays.fill(out, NOT_RUN);
    totalNanos = NOT_RUN;
  }

  void ran(int stage, long stageNanos, int candidatesIn, int candidatesOut) {
    nanos[stage] = Math.max(0, stageNanos);
    in[stage] = candidatesIn;
    out[stage] = candidatesOut;
  }

  /** A stage that threw or timed out: its time is known, its counts are not. */
  void failed(int stage, long stageNanos) {
    nanos[stage] = Math.max(0, stageNanos);
    in[stage] = NOT_RUN;
    out[stage] = NOT_RUN;
  }

  void total(long requestNanos) {
    totalNanos = Math.max(0, requestNanos);
  }

  private int check(int stage) {
    if (stage < 0 || stage >= names.length) {
      throw new IndexOutOfBoundsException("stage " + stage + " of a pipeline of " + names.length
          + " stages");
    }
    return stage;
  }
}
