package dev.trawl.collect;

import java.util.Arrays;

/**
 * The one column store of candidate rows: parallel primitive arrays for id, author, community,
 * creation time, source, score and source score, rows {@code [0, size)} valid. A
 * source's sink, the request's batch, the page of a result and a shadow run record are each one of
 * these with their own API on top, so growing, copying, compacting and reordering rows are written
 * once.
 *
 * <p>The arrays are public fields for the owning classes' loops; they are replaced when the store
 * grows or reorders, so read them again after {@link #append}, {@link #ensureCapacity},
 * {@link #copyFrom} and {@link #keepRows}. Absent values: {@link #UNKNOWN} for author, community and
 * creation time, 0 for the source and the scores.
 *
 * <p><b>Not thread-safe</b>: owned by one object, used by one thread at a time. <b>Allocation:</b>
 * none once the columns have grown to the largest row count seen; {@link #keepRows} allocates its
 * spare columns on first use.
 */
public final class CandidateColumns {
  /** The author, community or creation time of a row that no one set. */
  public static final long UNKNOWN = Long.MIN_VALUE;

  public long[] ids;
  public long[] authors;
  public long[] communities;
  public long[] createdAt;
  public int[] sources;
  public float[] scores;
  public float[] sourceScores;
  public int size;
  // keepRows gathers each column into its spare, then swaps the two
  private long[][] spareLongs;
  private int[][] spareInts;
  private float[][] spareFloats;

  /** Empty columns with room for {@code capacity} rows (at least one). */
  public CandidateColumns(int capacity) {
    allocate(Math.max(1, capacity));
  }

  private void allocate(int c) {
    ids = grow(ids, c);
    authors = grow(authors, c);
    communities = grow(communities, c);
    createdAt = grow(createdAt, c);
    sources = grow(sources, c);
    scores = grow(scores, c);
    sourceScores = grow(sourceScores, c);
    spareLongs = null;
    spareInts = null;
    spareFloats = null;
  }

  private static long[] grow(long[] a, int c) {
    return a == null ? new long[c] : Arrays.copyOf(a, c);
  }

  private static int[] grow(int[] a, int c) {
    return a == null ? new int[c] : Arrays.copyOf(a, c);
  }

  private static float[] grow(float[] a, int c) {
    return a == null ? new float[c] : Arrays.copyOf(a, c);
  }

  /** Rows the columns hold without growing. */
  public int capacity() {
    return ids.length;
  }

  /** Makes room for {@code rows} rows, keeping the valid ones (doubling, so appends amortise). */
  public void ensureCapacity(int rows) {
    if (rows > ids.length) {
      allocate(Math.max(rows, ids.length * 2));
    }
  }

  /** Forgets every row. */
  public void clear() {
    size = 0;
  }

  /**
   * Appends a row with {@code id} and both scores {@code score}, everything else absent, and returns
   * its index.
   */
  public int append(long id, float score) {
    if (size == ids.length) {
      allocate(ids.length * 2);
    }
    final int r = size++;
    ids[r] = id;
    scores[r] = score;
    sourceScores[r] = score;
    authors[r] = UNKNOWN;
    communities[r] = UNKNOWN;
    createdAt[r] = UNKNOWN;
    sources[r] = 0;
    return r;
  }

  /** Appends a copy of row {@code row} of {@code from} and returns its index here. */
  public int appendRow(CandidateColumns from, int row) {
    if (size == ids.length) {
      allocate(ids.length * 2);
    }
    final int r = size++;
    ids[r] = from.ids[row];
    authors[r] = from.authors[row];
    communities[r] = from.communities[row];
    createdAt[r] = from.createdAt[row];
    sources[r] = from.sources[row];
    scores[r] = from.scores[row];
    sourceScores[r] = from.sourceScores[row];
    return r;
  }

  /** Makes these columns a copy of the first {@code rows} rows of {@code from}. */
  public void copyFrom(CandidateColumns from, int rows) {
    if (rows < 0 || rows > from.size) {
      throw new IllegalArgumentException("cannot copy " + rows + " of " + from.size + " rows");
    }
    ensureCapacity(rows);
    System.arraycopy(from.ids, 0, ids, 0, rows);
    System.arraycopy(from.authors, 0, authors, 0, rows);
    System.arraycopy(from.communities, 0, communities, 0, rows);
    System.arraycopy(from.createdAt, 0, createdAt, 0, rows);
    System.arraycopy(from.sources, 0, sources, 0, rows);
    System.arraycopy(from.scores, 0, scores, 0, rows);
    System.arraycopy(from.sourceScores, 0, sourceScores, 0, rows);
    size = rows;
  }

  /** Copies row {@code from} over row {@code to} (both valid), e.g. while compacting. */
  public void moveRow(int from, int to) {
    ids[to] = ids[from];
    authors[to] = authors[from];
    communities[to] = communities[from];
    createdAt[to] = createdAt[from];
    sources[to] = sources[from];
    scores[to] = scores[from];
    sourceScores[to] = sourceScores[from];
  }

  /**
   * Keeps rows {@code rows[0..n)} in that order (every column moves together) and drops the rest.
   * The caller has checked that the rows are valid and distinct.
   */
  public void keepRows(int[] rows, int n) {
    if (spareLongs == null) {
      final int c = ids.length;
      spareLongs = new long[][] {new long[c], new long[c], new long[c], new long[c]};
      spareInts = new int[][] {new int[c]};
      spareFloats = new float[][] {new float[c], new float[c]};
    }
    ids = gather(ids, rows, n, 0);
    authors = gather(authors, rows, n, 1);
    communities = gather(communities, rows, n, 2);
    createdAt = gather(createdAt, rows, n, 3);
    sources = gather(sources, rows, n, 0);
    scores = gather(scores, rows, n, 0);
    sourceScores = gather(sourceScores, rows, n, 1);
    size = n;
  }

  private long[] gather(long[] src, int[] rows, int n, int spare) {
    final long[] dst = spareLongs[spare];
    for (int i = 0; i < n; i++) {
      dst[i] = src[rows[i]];
    }
    spareLongs[spare] = src;
    return dst;
  }

  private int[] gather(int[] src, int[] rows, int n, int spare) {
    final int[] dst = spareInts[spare];
    for (int i = 0; i < n; i++) {
      dst[i] = src[rows[i]];
    }
    spareInts[spare] = src;
    return dst;
  }

  private float[] gather(float[] src, int[] rows, int n, int spare) {
    final float[] dst = spareFloats[spare];
    for (int i = 0; i < n; i++) {
      dst[i] = src[rows[i]];
    }
    spareFloats[spare] = src;
    return dst;
  }
}
