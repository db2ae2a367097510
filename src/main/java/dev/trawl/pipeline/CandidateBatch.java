package dev.trawl.pipeline;

import dev.trawl.collect.CandidateColumns;
import java.util.Arrays;

/**
 * The candidates of one request, as parallel primitive columns: id, source, author, community,
 * creation time, score, source score, and one {@code float} column per candidate
 * {@link Feature}. Rows {@code [0, size())} are valid.
 *
 * <ul>
 *   <li>Rules {@link #remove(int) mark} rows; the pipeline compacts after the rule returns, so a
 *       rule may read any row while it runs.
 *   <li>Selectors compute a row order into {@link #rowScratch()} and apply it with
 *       {@link #keepRows(int[], int)}, which reorders and cuts every column at once.
 *   <li>Hydrators and scorers write through the setters or straight into the column arrays
 *       ({@link #scores()}, {@link #featureColumn(Feature)}).
 * </ul>
 *
 * <p>Owned by a {@link RequestContext}, used by one thread at a time, cleared at the start of every
 * request. <b>Not thread-safe. Allocation:</b> none once the columns have grown to the largest
 * request seen (each column keeps a spare array for reordering). Do not keep references to the column
 * arrays beyond one stage call: they are swapped when rows are reordered.
 */
public final class CandidateBatch {
  /** The value of an author, community or creation time that no stage has set. */
  public static final long UNKNOWN = CandidateColumns.UNKNOWN;

  private final Schema schema;
  /** The built-in columns; the float feature columns and the row marks are this class's own. */
  private final CandidateColumns rows;
  private int removed;
  private float[][] features;
  private float[][] spareFeatures;
  private boolean[] removedMarks;
  private int[] rowScratch;
  private long[] longScratch;
  private int[] stamps;
  private int stamp;
  private float[] savedScores;

  CandidateBatch(Schema schema, int capacity) {
    this.schema = schema;
    this.rows = new CandidateColumns(Math.max(16, capacity));
    fit();
  }

  /** Sizes this class's own arrays to the columns' capacity (after they grew). */
  private void fit() {
    final int c = rows.capacity();
    if (features == null) {
      features = new float[schema.candidateFeatures.length][];
      spareFeatures = new float[features.length][];
    }
    for (int i = 0; i < features.length; i++) {
      features[i] = features[i] == null ? new float[c] : Arrays.copyOf(features[i], c);
      spareFeatures[i] = new float[c];
    }
    removedMarks = removedMarks == null ? new boolean[c] : Arrays.copyOf(removedMarks, c);
    rowScratch = new int[c];
    longScratch = new long[c];
    stamps = new int[c];
    stamp = 0;
    savedScores = new float[c];
  }

  // ------------------------------------------------------------------ reading

  /** {@return the number of candidates, rows {@code [0, size())}} */
  public int size() {
    return rows.size;
  }

  /**
   * Candidate id of {@code row}.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the candidate's item id
   */
  public long id(int row) {
    return rows.ids[check(row)];
  }

  /**
   * Index of the source that produced the row, in declaration order.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the source's index, {@code 0 <= index < sourceCount()}
   */
  public int source(int row) {
    return rows.sources[check(row)];
  }

  /**
   * Name of the source that produced the row.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the name the source was added under
   */
  public String sourceName(int row) {
    return schema.sourceNames[rows.sources[check(row)]];
  }

  /**
   * {@return the number of sources in the pipeline (source indexes are {@code [0, sourceCount())})}
   */
  public int sourceCount() {
    return schema.sourceNames.length;
  }

  /**
   * Author id, or {@link #UNKNOWN}.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the author id
   */
  public long author(int row) {
    return rows.authors[check(row)];
  }

  /**
   * Community id, or {@link #UNKNOWN}.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the community id
   */
  public long community(int row) {
    return rows.communities[check(row)];
  }

  /**
   * Creation time in epoch milliseconds, or {@link #UNKNOWN}.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the creation time
   */
  public long createdAt(int row) {
    return rows.createdAt[check(row)];
  }

  /**
   * Ranking score (higher is better).
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the current ranking score
   */
  public float score(int row) {
    return rows.scores[check(row)];
  }

  /**
   * The score the source gave the candidate.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return the source's score, unchanged by scorers
   */
  public float sourceScore(int row) {
    return rows.sourceScores[check(row)];
  }

  /**
   * Value of a candidate feature.
   *
   * @param feature a candidate feature of the pipeline
   * @param row a row, {@code 0 <= row < size()}
   * @return its value, the feature's default until a hydrator sets it
   * @throws IllegalArgumentException if the pipeline has no such candidate feature
   */
  public float feature(Feature feature, int row) {
    return features[schema.candidateColumn(feature)][check(row)];
  }

  // ------------------------------------------------------------------ writing

  /**
   * Sets the ranking score (scorers).
   *
   * @param row a row, {@code 0 <= row < size()}
   * @param score the new score, higher is better; finite
   */
  public void setScore(int row, float score) {
    rows.scores[check(row)] = score;
  }

  /**
   * Sets the author (hydrators).
   *
   * @param row a row, {@code 0 <= row < size()}
   * @param author the author id
   */
  public void setAuthor(int row, long author) {
    rows.authors[check(row)] = author;
  }

  /**
   * Sets the community (hydrators).
   *
   * @param row a row, {@code 0 <= row < size()}
   * @param community the community id
   */
  public void setCommunity(int row, long community) {
    rows.communities[check(row)] = community;
  }

  /**
   * Sets the creation time, epoch milliseconds (hydrators).
   *
   * @param row a row, {@code 0 <= row < size()}
   * @param epochMillis the creation time, epoch milliseconds
   */
  public void setCreatedAt(int row, long epochMillis) {
    rows.createdAt[check(row)] = epochMillis;
  }

  /**
   * Sets a candidate feature (hydrators).
   *
   * @param feature a candidate feature the stage declared it writes
   * @param row a row, {@code 0 <= row < size()}
   * @param value the value
   */
  public void setFeature(Feature feature, int row, float value) {
    features[schema.candidateColumn(feature)][check(row)] = value;
  }

  /**
   * The id column (rows {@code [0, size())}); read-only by contract.
   *
   * @return the live column array, valid until the batch next changes size or order
   */
  public long[] ids() {
    return rows.ids;
  }

  /**
   * The score column, for bulk scoring (rows {@code [0, size())}).
   *
   * @return the live column array, valid until the batch next changes size or order
   */
  public float[] scores() {
    return rows.scores;
  }

  /**
   * A candidate feature's column, for bulk hydration (rows {@code [0, size())}).
   *
   * @param feature a candidate feature of the pipeline
   * @return the live column array, valid until the batch next changes size or order
   */
  public float[] featureColumn(Feature feature) {
    return features[schema.candidateColumn(feature)];
  }

  // ------------------------------------------------------------------ removing

  /**
   * Marks a row for removal (rules only); idempotent. The pipeline compacts afterwards.
   *
   * @param row a row, {@code 0 <= row < size()}
   */
  public void remove(int row) {
    if (!removedMarks[check(row)]) {
      removedMarks[row] = true;
      removed++;
    }
  }

  /**
   * Whether the running rule marked {@code row}.
   *
   * @param row a row, {@code 0 <= row < size()}
   * @return true when marked for removal
   */
  public boolean isRemoved(int row) {
    return removedMarks[check(row)];
  }

  /** {@return the rows the running rule has marked so far} */
  public int removedCount() {
    return removed;
  }

  // --------------------------------------------------------------- reordering

  /**
   * An {@code int} scratch array of at least {@link #size()} entries, owned by the batch.
   *
   * @return the scratch array, reused by every selector
   */
  public int[] rowScratch() {
    return rowScratch;
  }

  /**
   * A {@code long} scratch array of at least {@link #size()} entries (e.g. packed score keys).
   *
   * @return the scratch array, reused by every selector
   */
  public long[] longScratch() {
    return longScratch;
  }

  /**
   * Keeps rows {@code rows[0..n)} in that order and drops the others; every column moves together.
   * {@code rows} may be {@link #rowScratch()}.
   *
   * @param rows the rows to keep, in their new order; distinct, each below {@link #size()}
   * @param n how many entries of {@code rows} are used
   * @throws IllegalArgumentException if {@code n > size()}, a row is out of range or repeated; the
   *     batch is unchanged
   */
  public void keepRows(int[] rows, int n) {
    final int size = this.rows.size;
    if (n < 0 || n > size) {
      throw new IllegalArgumentException("cannot keep " + n + " rows of " + size);
    }
    if (++stamp == 0) {
      Arrays.fill(stamps, 0);
      stamp = 1;
    }
    for (int i = 0; i < n; i++) {
      final int r = rows[i];
      if (r < 0 || r >= size) {
        throw new IllegalArgumentException("row " + r + " at position " + i + " is out of range [0, " + size + ")");
      }
      if (stamps[r] == stamp) {
        throw new IllegalArgumentException("row " + r + " is kept twice (positions up to " + i + ")");
      }
      stamps[r] = stamp;
    }
    this.rows.keepRows(rows, n);
    for (int f = 0; f < features.length; f++) {
      final float[] src = features[f];
      final float[] dst = spareFeatures[f];
      for (int i = 0; i < n; i++) {
        dst[i] = src[rows[i]];
      }
      spareFeatures[f] = src;
      features[f] = dst;
    }
  }

  /**
   * Shortens the batch to its first {@code n} rows (no-op when {@code n >= size()}).
   *
   * @param n the rows kept, 0 or more
   */
  public void truncate(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot truncate to " + n + " rows");
    }
    if (n < rows.size) {
      rows.size = n;
    }
  }

  // ------------------------------------------------------------ pipeline side

  /**
   * A new batch with this one's rows, feature columns, marks and saved scores (allocates): what a
   * context keeps when it leaves this batch to a stage that was abandoned while running.
   */
  CandidateBatch copy() {
    final CandidateBatch c = new CandidateBatch(schema, rows.capacity());
    final int n = rows.size;
    c.rows.copyFrom(rows, n);
    for (int f = 0; f < features.length; f++) {
      System.arraycopy(features[f], 0, c.features[f], 0, n);
    }
    System.arraycopy(removedMarks, 0, c.removedMarks, 0, n);
    c.removed = removed;
    System.arraycopy(savedScores, 0, c.savedScores, 0, n);
    return c;
  }

  void clear() {
    rows.clear();
    removed = 0;
  }

  /** Appends row {@code row} of {@code sink}, produced by source {@code source}. */
  void append(CandidateSink sink, int row, int source) {
    final int before = rows.capacity();
    final int r = rows.appendRow(sink.columns(), row);
    if (rows.capacity() != before) {
      fit();
    }
    rows.sources[r] = source;
    rows.sourceScores[r] = rows.scores[r];
    removedMarks[r] = false;
    final Feature[] fs = schema.candidateFeatures;
    for (int f = 0; f < fs.length; f++) {
      features[f][r] = fs[f].defaultValue();
    }
  }

  /** Drops the rows marked by the last rule, keeping order. */
  void compact() {
    if (removed == 0) {
      return;
    }
    int w = 0;
    final int n = rows.size;
    for (int r = 0; r < n; r++) {
      if (removedMarks[r]) {
        removedMarks[r] = false;
        continue;
      }
      if (w != r) {
        rows.moveRow(r, w);
        for (float[] col : features) {
          col[w] = col[r];
        }
      }
      w++;
    }
    rows.size = w;
    removed = 0;
  }

  /** Forgets the marks of a rule that failed open. */
  void unmarkAll() {
    if (removed == 0) {
      return;
    }
    Arrays.fill(removedMarks, 0, rows.size, false);
    removed = 0;
  }

  void saveScores() {
    System.arraycopy(rows.scores, 0, savedScores, 0, rows.size);
  }

  void restoreScores() {
    System.arraycopy(savedScores, 0, rows.scores, 0, rows.size);
  }

  /** Resets the columns a failed hydrator declared to their defaults. */
  void resetColumns(Feature[] written) {
    for (Feature f : written) {
      if (f.kind() == Feature.Kind.CANDIDATE) {
        Arrays.fill(features[schema.candidateColumn(f)], 0, rows.size, f.defaultValue());
      } else if (f == Feature.AUTHOR) {
        Arrays.fill(rows.authors, 0, rows.size, UNKNOWN);
      } else if (f == Feature.COMMUNITY) {
        Arrays.fill(rows.communities, 0, rows.size, UNKNOWN);
      } else if (f == Feature.CREATED_AT) {
        Arrays.fill(rows.createdAt, 0, rows.size, UNKNOWN);
      }
    }
  }

  Schema schema() {
    return schema;
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
