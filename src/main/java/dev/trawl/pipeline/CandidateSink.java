package dev.trawl.pipeline;

import dev.trawl.collect.CandidateColumns;

/**
 * Where one {@link CandidateSource} writes its candidates for one request: parallel primitive
 * columns that the pipeline merges into the {@link CandidateBatch} once the source has finished.
 *
 * <pre>{@code
 * int row = out.add(postId, similarity);
 * out.setAuthor(row, authorId);
 * }</pre>
 *
 * <p>Each source of each {@link RequestContext} has its own sink (and its own scratch,
 * {@link #scratch()}), used by one thread at a time and cleared before every request. Columns a
 * source does not set hold {@link CandidateBatch#UNKNOWN}. <b>Not thread-safe.</b>
 * <b>Allocation:</b> none once the columns have grown to the source's usual output size (pre-sized
 * by {@link StageOptions#expectedCandidates}).
 */
public final class CandidateSink {
  private final Object scratch;
  private final CandidateColumns rows;

  CandidateSink(int capacity, Object scratch) {
    this.scratch = scratch;
    this.rows = new CandidateColumns(capacity);
  }

  /**
   * Appends a candidate with the source's score (higher is better) and returns its row.
   *
   * @param id the item id
   * @param score the source's score, higher is better; a NaN or infinite score drops the row at the
   *     merge
   * @return the new row, for the setters
   */
  public int add(long id, float score) {
    return rows.append(id, score);
  }

  /**
   * Sets the author of a row this source added.
   *
   * @param row a row this source added
   * @param author the author id
   */
  public void setAuthor(int row, long author) {
    rows.authors[check(row)] = author;
  }

  /**
   * Sets the community of a row this source added.
   *
   * @param row a row this source added
   * @param community the community id
   */
  public void setCommunity(int row, long community) {
    rows.communities[check(row)] = community;
  }

  /**
   * Sets the creation time (epoch milliseconds) of a row this source added.
   *
   * @param row a row this source added
   * @param epochMillis the creation time, epoch milliseconds
   */
  public void setCreatedAt(int row, long epochMillis) {
    rows.createdAt[check(row)] = epochMillis;
  }

  /** {@return the candidates written so far} */
  public int size() {
    return rows.size;
  }

  /**
   * Id of a row this source added.
   *
   * @param row a row this source added
   * @return its item id
   */
  public long id(int row) {
    return rows.ids[check(row)];
  }

  /**
   * This source's per-context scratch, from {@link Stage#newScratch()} ({@code null} if none).
   *
   * @param <T> the scratch's type, as the source created it
   * @return the scratch object, one per source and context
   */
  @SuppressWarnings("unchecked")
  public <T> T scratch() {
    return (T) scratch;
  }

  void clear() {
    rows.clear();
  }

  float score(int row) {
    return rows.scores[row];
  }

  CandidateColumns columns() {
    return rows;
  }

  private int check(int row) {
    if (row < 0 || row >= rows.size) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rows.size + " candidates");
    }
    return row;
  }
}
