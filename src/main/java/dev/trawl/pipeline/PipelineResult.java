package dev.trawl.pipeline;

import dev.trawl.collect.CandidateColumns;
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
  private final CandidateColumns page = new CandidateColumns(16);
  private int candidates;
  private int failedOpen;
  private int timedOut;
  private int skippedStages;
  private int degradedMarks;
  private boolean gatedOff;
  private String[] sourceNames = new String[0];
  private Trace trace;

  /** Number of candidates on the page. */
  public int size() {
    return page.size;
  }

  /** Id of page entry {@code i} (0 is the top). */
  public long id(int i) {
    return page.ids[check(i)];
  }

  /** Final score of page entry {@code i}. */
  public float score(int i) {
    return page.scores[check(i)];
  }

  /** Index of the source that produced entry {@code i}. */
  public int source(int i) {
    return page.sources[check(i)];
  }

  /** Name of the source that produced page entry {@code i}. */
  public String sourceName(int i) {
    return sourceNames[page.sources[check(i)]];
  }

  /** Author of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long author(int i) {
    return page.authors[check(i)];
  }

  /** Community of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long community(int i) {
    return page.communities[check(i)];
  }

  /** Creation time of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}. */
  public long createdAt(int i) {
    return page.createdAt[check(i)];
  }

  /** Candidates left after the last selector, before the page was cut. */
  public int candidatesBeforePage() {
    return candidates;
  }

  /**
   * Whether some optional stage failed, a source timed out, the deadline made the pipeline skip
   * optional stages, or a stage {@linkplain RequestContext#markDegraded() marked} the request
   * degraded: the page was served, but from less than the full pipeline.
   */
  public boolean degraded() {
    return failedOpen > 0 || timedOut > 0 || skippedStages > 0 || degradedMarks > 0;
  }

  /**
   * How many times stages called {@link RequestContext#markDegraded()} in this request (e.g. a fetch
   * stage that wrote defaults for keys its store did not answer in time).
   */
  public int degradedMarks() {
    return degradedMarks;
  }

  /** Optional stages that threw in this request. */
  public int failedOpenStages() {
    return failedOpen;
  }

  /**
   * Sources abandoned at their timeout or the deadline, and blocking stages abandoned at the deadline,
   * in this request.
   */
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
    page.copyFrom(other.page, other.page.size);
    candidates = other.candidates;
    failedOpen = other.failedOpen;
    timedOut = other.timedOut;
    skippedStages = other.skippedStages;
    degradedMarks = other.degradedMarks;
    gatedOff = other.gatedOff;
    sourceNames = other.sourceNames;
    trace = other.trace;
    return this;
  }

  /** The page's ids in a new array (allocates; for tests and tools). */
  public long[] idsCopy() {
    return Arrays.copyOf(page.ids, page.size);
  }

  @Override
  public String toString() {
    return "PipelineResult[size=" + page.size + ", degraded=" + degraded() + ", ids="
        + Arrays.toString(idsCopy()) + "]";
  }

  // ----------------------------------------------------------- pipeline side

  void begin(String[] sourceNames, boolean tracing) {
    this.sourceNames = sourceNames;
    page.clear();
    candidates = 0;
    failedOpen = 0;
    timedOut = 0;
    skippedStages = 0;
    degradedMarks = 0;
    gatedOff = false;
    trace = tracing ? new Trace() : null;
  }

  void fill(CandidateBatch batch, int pageSize) {
    page.copyFrom(batch.columns(), Math.min(pageSize, batch.size()));
    candidates = batch.size();
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

  void degradedMarks(int marks) {
    degradedMarks = marks;
  }

  void markGatedOff() {
    gatedOff = true;
  }

  private int check(int i) {
    if (i < 0 || i >= page.size) {
      throw new IndexOutOfBoundsException("entry " + i + " of a page of " + page.size);
    }
    return i;
  }
}
