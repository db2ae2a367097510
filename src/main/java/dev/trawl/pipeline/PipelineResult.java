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

  /** {@return the number of candidates on the page} */
  public int size() {
    return page.size;
  }

  /**
   * Id of page entry {@code i} (0 is the top).
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return its item id
   */
  public long id(int i) {
    return page.ids[check(i)];
  }

  /**
   * Final score of page entry {@code i}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return its final score
   */
  public float score(int i) {
    return page.scores[check(i)];
  }

  /**
   * Index of the source that produced entry {@code i}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return the index of its source among the pipeline's sources
   */
  public int source(int i) {
    return page.sources[check(i)];
  }

  /**
   * Name of the source that produced page entry {@code i}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return the name of its source
   */
  public String sourceName(int i) {
    return sourceNames[page.sources[check(i)]];
  }

  /**
   * Author of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return its author id
   */
  public long author(int i) {
    return page.authors[check(i)];
  }

  /**
   * Community of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return its community id
   */
  public long community(int i) {
    return page.communities[check(i)];
  }

  /**
   * Creation time of page entry {@code i}, or {@link CandidateBatch#UNKNOWN}.
   *
   * @param i a page entry, 0 for the top, below {@link #size()}
   * @return its creation time, epoch milliseconds
   */
  public long createdAt(int i) {
    return page.createdAt[check(i)];
  }

  /** {@return the candidates left after the last selector, before the page was cut} */
  public int candidatesBeforePage() {
    return candidates;
  }

  /**
   * Whether some optional stage failed, a source timed out, the deadline made the pipeline skip
   * optional stages, or a stage {@linkplain RequestContext#markDegraded() marked} the request
   * degraded: the page was served, but from less than the full pipeline.
   *
   * @return true when the page came from less than the full pipeline
   */
  public boolean degraded() {
    return failedOpen > 0 || timedOut > 0 || skippedStages > 0 || degradedMarks > 0;
  }

  /**
   * How many times stages called {@link RequestContext#markDegraded()} in this request (e.g. a fetch
   * stage that wrote defaults for keys its store did not answer in time).
   *
   * @return the count of marks in this request
   */
  public int degradedMarks() {
    return degradedMarks;
  }

  /** {@return the optional stages that threw in this request} */
  public int failedOpenStages() {
    return failedOpen;
  }

  /**
   * Sources abandoned at their timeout or the deadline, and blocking stages abandoned at the deadline,
   * in this request.
   *
   * @return the count of abandoned sources and blocking stages
   */
  public int timedOutSources() {
    return timedOut;
  }

  /** {@return the optional stages skipped because the deadline had passed} */
  public int deadlineSkippedStages() {
    return skippedStages;
  }

  /**
   * {@return whether a pipeline gate turned the pipeline off for this request (the page is then
   * empty)}
   */
  public boolean gatedOff() {
    return gatedOff;
  }

  /** {@return the trace of this request if it was traced, else {@code null}} */
  public Trace trace() {
    return trace;
  }

  /**
   * Makes this result a copy of {@code other} (page, flags and trace reference), e.g. to hand a page
   * to another thread for a shadow comparison while {@code other} is reused. Allocates only when this
   * result's arrays must grow.
   *
   * @param other the result copied; unchanged
   * @return this result
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

  /** {@return the page's ids in a new array (allocates; for tests and tools)} */
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
