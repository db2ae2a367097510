package dev.trawl.bench;

/**
 * The size of a benchmark run, read once from the system property {@code trawl.bench.mode}
 * ({@code smoke}, {@code quick} or {@code full}; default {@code quick}). Every benchmark sizes its data
 * from here so that JMH parameters stay the same across modes.
 *
 * <ul>
 *   <li>{@code smoke}: tiny subsets (2,000 base vectors, 100 queries) with exact ground truth computed
 *       here; proves every benchmark runs and finds the right neighbours (recall asserts). No timing
 *       value.
 *   <li>{@code quick}: the real datasets in full (siftsmall 10k, Fashion-MNIST 60k, wordnet 20k), the
 *       first 1,000 queries, and a generated clustered set of 100,000 x 96.
 *   <li>{@code full}: as quick, with every query and the generated set at 1,000,000 x 96.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public enum Mode {
  SMOKE(2_000, 100, 2_000, 2_000),
  QUICK(Integer.MAX_VALUE, 1_000, 100_000, 10_000),
  FULL(Integer.MAX_VALUE, Integer.MAX_VALUE, 1_000_000, Integer.MAX_VALUE);

  /** Largest base set taken from a real dataset (a prefix). */
  public final int baseLimit;
  /** Largest query set (a prefix). */
  public final int queryLimit;
  /** Size of the generated clustered set. */
  public final int generatedSize;
  /** Items inserted by one operation of the build benchmark (a prefix of the base set). */
  public final int buildLimit;

  Mode(int baseLimit, int queryLimit, int generatedSize, int buildLimit) {
    this.baseLimit = baseLimit;
    this.queryLimit = queryLimit;
    this.generatedSize = generatedSize;
    this.buildLimit = buildLimit;
  }

  /** The mode of this JVM. */
  public static Mode current() {
    return valueOf(System.getProperty("trawl.bench.mode", "quick").toUpperCase(java.util.Locale.ROOT));
  }

  public boolean isSmoke() {
    return this == SMOKE;
  }
}
