package dev.trawl.pipeline;

import java.util.Arrays;

/**
 * The page a request produced, reusable across requests: ids, scores, sources, authors, communities
 * and creation times, best first, plus how the request went (degraded, gated off, failures).
 *
 * <p><b>Not thread-safe</b>: one per request thread, passed to every {@link Pipeline#execute}.
 * <b>Allocation:</b> none once the arrays have grown to the largest page; {@link #idsCopy()} and
 * {@link #trace()} (when tracing was switched on) allocate.
 */
public final class PipelineResult {
  private long[] ids = new long[0];
  private float[] scores = new float[0];
  private int[] sources = new int[0];
  private long[] authors = new long[0];
  private long[] communities = new long[0];
  private long[] createdAt = new long[0];
  private int size;
  private int candidates;
  private int failedOpen;
  private int timedOut;
  private int skippedStages;
  private boolean gatedOff;
  private String[] sourceNames = new String[0];
  private Trace trace;

  /** Number of candidates on the page. */
  public int size() {
    return size;
  }

  /** Id of page entry {@code i} (0 is the top). */
  public long id(int i) {
    return ids[check(i)];
  }

  /** Final score of page entry {@code i}. */
  public float score(int i) {
    return scores[check(i)];
  }

  /** Index of the source that produced entry {@code i}. */
  public int source(int i) {
    return sources[check(i)];
  }

  /** Name of the source that produced page entry {@code i}. */
  public String sourceName(int i) {
    return sourceNames[sources[check(i)]];
  }

  /** Author of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long author(int i) {
    return authors[check(i)];
  }

  /** Community of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long community(int i) {
    return communities[check(i)];
  }

  /** Creation time of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long createdAt(int i) {
    return createdAt[check(i)];
  }

  /** Candidates left after the last selector, before the page was cut. */
  public int candidatesBeforePage() {
    return candidates;
  }

  /**
   * Whether some optional stage failed, a source timed out, or the deadline made the pipeline skip
   * optional stages: the page was served, but from less than the full pipeline.
   */
  public boolean degraded() {
    return failedOpen > 0 || timedOut > 0 || skippedStages > 0;
  }

  /** Optional stages that threw in this request. */
  public int failedOpenStages() {
    return failedOpen;
  }

  /** Sources abandoned at their timeout (or at the deadline) in this request. */
  public int timedOutSources() {
    return timedOut;
  }

  /** Optional stages skipped because the deadline had passed. */
  public int deadlineSkippedStages() {
    return skippedStages;
  }

  /** Whether a pipeline gate turned the pipeline off for this request (the page is empty). */
  public boolean gatedOff() {
    return gatedOff;
  }

  /** The trace of this request if it was traced, else {@code null}. */
  public Trace trace() {
    return trace;
  }

  /**
   * Makes this result a copy of {@code other} (page, flags and trace reference), e.g. to hand a page
   * to another thread for a shadow comparison while {@code other} is reused. Allocates only when this
   * result's arrays must grow.
   */
  public PipelineResult copyFrom(PipelineResult other) {
    ensure(other.size);
    System.arraycopy(other.ids, 0, ids, 0, other.size);
    System.arraycopy(other.scores, 0, scores, 0, other.size);
    System.arraycopy(other.sources, 0, sources, 0, other.size);
    System.arraycopy(other.authors, 0, authors, 0, other.size);
    System.arraycopy(other.communities, 0, communities, 0, other.size);
    System.arraycopy(other.createdAt, 0, createdAt, 0, other.size);
    size = other.size;
    candidates = other.candidates;
    failedOpen = other.failedOpen;
    timedOut = other.timedOut;
    skippedStages = other.skippedStages;
    gatedOff = other.gatedOff;
    sourceNames = other.sourceNames;
    trace = other.trace;
    return this;
  }

  /** The page's ids in a new array (allocates; for tests and tools). */
  public long[] idsCopy() {
    return Arrays.copyOf(ids, size);
  }

  @Override
  public String toString() {
    return "PipelineResult[size=" + size + ", degraded=" + degraded() + ", ids="
        + Arrays.toString(idsCopy()) + "]";
  }

  // ----------------------------------------------------------- pipeline side

  void begin(String[] sourceNames, boolean tracing) {
    this.sourceNames = sourceNames;
    size = 0;
    candidates = 0;
    failedOpen = 0;
    timedOut = 0;
    skippedStages = 0;
    gatedOff = false;
    trace = tracing ? new Trace() : null;
  }

  void fill(CandidateBatch batch, int pageSize) {
    final int n = Math.min(pageSize, batch.size());
    ensure(n);
    for (int i = 0; i < n; i++) {
      ids[i] = batch.id(i);
      scores[i] = batch.score(i);
      sources[i] = batch.source(i);
      authors[i] = batch.author(i);
      communities[i] = batch.community(i);
      createdAt[i] = batch.createdAt(i);
    }
    candidates = batch.size();
    size = n;
  }

  private void ensure(int n) {
    if (ids.length < n) {
      final int c = Math.max(n, ids.length * 2);
      ids = new long[c];
      scores = new float[c];
      sources = new int[c];
      authors = new long[c];
      communities = new long[c];
      createdAt = new long[c];
    }
  }

  void failedOpen() {
    failedOpen++;
  }

  void timedOut() {
    timedOut++;
  }

  void skippedForDeadline() {
    skippedStages++;
  }

  void markGatedOff() {
    gatedOff = true;
  }

  private int check(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("entry " + i + " of a page of " + size);
    }
    return i;
  }
}
