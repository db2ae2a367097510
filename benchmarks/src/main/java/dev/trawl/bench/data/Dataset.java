package dev.trawl.bench.data;

/**
 * One benchmark dataset held in memory: base vectors (the index contents, id = position), query
 * vectors and the exact top-{@link #K} neighbours of every query, nearest first.
 *
 * <p>Immutable after construction by convention (arrays are shared, never written). Thread-safe to read.
 *
 * @param name short name used in parameters, file names and tables
 * @param metric the distance all engines use on it
 * @param base base vectors; for {@link Metric#DOT} they are unit length
 * @param queries query vectors
 * @param truth exact nearest base positions per query, {@link #K} each, nearest first
 */
public record Dataset(String name, Metric metric, float[][] base, float[][] queries, int[][] truth) {
  /** Neighbours per query kept in {@link #truth} and asked of every engine. */
  public static final int K = 10;

  public int dimension() {
    return base[0].length;
  }

  public int size() {
    return base.length;
  }

  /** Bytes of the raw float32 vectors of the base set. */
  public long rawVectorBytes() {
    return (long) base.length * dimension() * Float.BYTES;
  }

  /** The distances of this benchmark: squared L2, or inner product of unit vectors (= cosine). */
  public enum Metric {
    L2,
    DOT
  }
}
