package dev.trawl.pipeline;

import java.util.Arrays;

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
 * source does not set hold {@link CandidateBatch#UNKNOWN} (ordinals: -1). <b>Not thread-safe.</b>
 * <b>Allocation:</b> none once the columns have grown to the source's usual output size (pre-sized
 * by {@link StageOptions#expectedCandidates}).
 */
public final class CandidateSink {
  private final Object scratch;
  private long[] ids;
  private float[] scores;
  private long[] authors;
  private long[] communities;
  private long[] createdAt;
  private int[] ordinals;
  private int size;

  CandidateSink(int capacity, Object scratch) {
    final int c = Math.max(1, capacity);
    this.scratch = scratch;
    ids = new long[c];
    scores = new float[c];
    authors = new long[c];
    communities = new long[c];
    createdAt = new long[c];
    ordinals = new int[c];
  }

  /** Appends a candidate with the source's score (higher is better) and returns its row. */
  public int add(long id, float score) {
    if (size == ids.length) {
      grow();
    }
    final int row = size++;
    ids[row] = id;
    scores[row] = score;
    authors[row] = CandidateBatch.UNKNOWN;
    communities[row] = CandidateBatch.UNKNOWN;
    createdAt[row] = CandidateBatch.UNKNOWN;
    ordinals[row] = -1;
    return row;
  }

  /** Sets the author of a row this source added. */
  public void setAuthor(int row, long author) {
    authors[check(row)] = author;
  }

  /** Sets the community of a row this source added. */
  public void setCommunity(int row, long community) {
    communities[check(row)] = community;
  }

  /** Sets the creation time (epoch milliseconds) of a row this source added. */
  public void setCreatedAt(int row, long epochMillis) {
    createdAt[check(row)] = epochMillis;
  }

  /** Records the vector index ordinal, so later stages (diversity) can skip the id lookup. */
  public void setOrdinal(int row, int ordinal) {
    ordinals[check(row)] = ordinal;
  }

  /** Candidates written so far. */
  public int size() {
    return size;
  }

  /** Id of a row this source added. */
  public long id(int row) {
    return ids[check(row)];
  }

  /** This source's per-context scratch, from {@link Stage#newScratch()} ({@code null} if none). */
  @SuppressWarnings("unchecked")
  public <T> T scratch() {
    return (T) scratch;
  }

  void clear() {
    size = 0;
  }

  float score(int row) {
    return scores[row];
  }

  long author(int row) {
    return authors[row];
  }

  long community(int row) {
    return communities[row];
  }

  long createdAt(int row) {
    return createdAt[row];
  }

  int ordinal(int row) {
    return ordinals[row];
  }

  private int check(int row) {
    if (row < 0 || row >= size) {
      throw new IndexOutOfBoundsException("row " + row + " of " + size + " candidates");
    }
    return row;
  }

  private void grow() {
    final int c = ids.length * 2;
    ids = Arrays.copyOf(ids, c);
    scores = Arrays.copyOf(scores, c);
    authors = Arrays.copyOf(authors, c);
    communities = Arrays.copyOf(communities, c);
    createdAt = Arrays.copyOf(createdAt, c);
    ordinals = Arrays.copyOf(ordinals, c);
  }
}
