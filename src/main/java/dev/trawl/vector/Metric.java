package dev.trawl.vector;

/**
 * How closeness between two vectors is measured. Every metric is expressed as a distance: smaller
 * means closer, and results are ordered nearest first.
 *
 * <ul>
 *   <li>{@link #L2}: squared Euclidean distance (the square root is never taken; it does not change
 *       the order).
 *   <li>{@link #INNER_PRODUCT}: the negated dot product, so the largest dot product is the nearest.
 *   <li>{@link #COSINE}: {@code 1 - cos(a, b)}. Vectors are normalised once, when they are stored, and
 *       queries once per search, so the hot loop is a plain dot product. A zero vector has no
 *       direction and is rejected.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public enum Metric {
  /** Squared Euclidean distance. */
  L2,
  /** Negated inner (dot) product. */
  INNER_PRODUCT,
  /** One minus the cosine similarity; vectors are normalised on the way in. */
  COSINE;

  /**
   * Whether vectors are normalised to unit length before they are stored or searched.
   *
   * @return true for {@link #COSINE}, false otherwise
   */
  public boolean normalises() {
    return this == COSINE;
  }

  /**
   * Parses the names used on command lines and in files: {@code l2}, {@code euclidean}, {@code dot},
   * {@code ip}, {@code inner_product}, {@code cosine}, {@code angular} (any case).
   *
   * @param name one of the accepted names, in any case
   * @return the metric it names
   * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
   */
  public static Metric parse(String name) {
    switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "l2":
      case "euclidean":
        return L2;
      case "dot":
      case "ip":
      case "inner_product":
        return INNER_PRODUCT;
      case "cosine":
      case "angular":
        return COSINE;
      default:
        throw new IllegalArgumentException(
            "unknown metric '" + name + "': expected one of l2, dot, cosine");
    }
  }
}
