package dev.trawl.vector;

/**
 * Validation and normalisation of caller vectors, shared by inserts and queries so that both reject
 * exactly the same input with the same words.
 *
 * <p>Stateless and thread-safe; allocates only the exception it throws.
 */
public final class VectorChecks {
  private VectorChecks() {}

  /**
   * Checks that {@code vector} has {@code dimension} components, all finite, and (under cosine) is not
   * the zero vector.
   * @param what names the vector in the message, such as {@code "query"} or {@code "vector of id 42"}
   * @param vector the vector to check
   * @param dimension the dimension it must have
   * @param metric the metric it will be compared under (cosine refuses the zero vector)
   * @throws IllegalArgumentException saying which rule was broken and where
   * @throws NullPointerException when {@code vector} is null
   */
  public static void check(float[] vector, int dimension, Metric metric, String what) {
    check(vector, dimension, metric, what, Long.MIN_VALUE);
  }

  /**
   * Like {@link #check(float[], int, Metric, String)} for the vector of item {@code id}; the message
   * is built only on failure, so a valid vector costs no allocation.
   *
   * @param vector the vector to check
   * @param dimension the dimension it must have
   * @param metric the metric it will be compared under (cosine refuses the zero vector)
   * @param id the item's id, named in the message
   */
  public static void checkItem(float[] vector, int dimension, Metric metric, long id) {
    check(vector, dimension, metric, null, id);
  }

  private static void check(float[] vector, int dimension, Metric metric, String label, long id) {
    if (vector == null || vector.length != dimension || !finiteAndNonZero(vector, metric)) {
      throw describe(vector, dimension, metric, label != null ? label : "vector of id " + id);
    }
  }

  /**
   * Largest squared norm accepted: far enough below {@code Float.MAX_VALUE} (3.4e38) that a squared L2
   * distance between two accepted vectors ({@code <= 4 * 1e37}) or a dot product stays finite.
   */
  public static final double MAX_SQUARED_NORM = 1e37;

  private static boolean finiteAndNonZero(float[] vector, Metric metric) {
    float sumSquares = 0f;
    double exactSumSquares = 0;
    for (float x : vector) {
      if (!Float.isFinite(x)) {
        return false;
      }
      sumSquares += x * x;
      exactSumSquares += (double) x * x;
    }
    return exactSumSquares <= MAX_SQUARED_NORM && (!metric.normalises() || sumSquares > 0f);
  }

  private static RuntimeException describe(
      float[] vector, int dimension, Metric metric, String what) {
    if (vector == null) {
      return new NullPointerException(what + " is null");
    }
    if (vector.length != dimension) {
      return new IllegalArgumentException(
          what + " has dimension " + vector.length + ", index dimension is " + dimension);
    }
    for (int i = 0; i < vector.length; i++) {
      if (!Float.isFinite(vector[i])) {
        return new IllegalArgumentException(
            what + " has a non-finite component " + vector[i] + " at position " + i);
      }
    }
    double sumSquares = 0;
    for (float x : vector) {
      sumSquares += (double) x * x;
    }
    if (sumSquares > MAX_SQUARED_NORM) {
      return new IllegalArgumentException(
          what + " has a squared norm of " + sumSquares + ", above " + MAX_SQUARED_NORM
              + ": its distances would overflow");
    }
    return new IllegalArgumentException(
        what + " under " + metric + " is the zero vector (or too small to normalise), which has no cosine");
  }

  /**
   * Copies {@code src} into {@code dst[dstOffset..]}, scaled to unit length when the metric
   * normalises. The caller has already {@link #check checked} {@code src}.
   *
   * @param src a checked vector
   * @param dst the destination array
   * @param dstOffset where the copy starts in {@code dst}
   * @param metric the metric: cosine normalises the copy
   */
  public static void copyForMetric(float[] src, float[] dst, int dstOffset, Metric metric) {
    if (!metric.normalises()) {
      System.arraycopy(src, 0, dst, dstOffset, src.length);
      return;
    }
    double sumSquares = 0;
    for (float x : src) {
      sumSquares += (double) x * x;
    }
    final float inv = (float) (1.0 / Math.sqrt(sumSquares));
    for (int i = 0; i < src.length; i++) {
      dst[dstOffset + i] = src[i] * inv;
    }
  }
}
