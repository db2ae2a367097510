package dev.trawl.vector;

/**
 * The two float loops every distance is built from. Implementations work on slices of larger arrays
 * (vectors are stored back to back in pages), so no vector ever has to be copied out to be compared.
 *
 * <p>Implementations are stateless, thread-safe and allocate nothing.
 */
public interface FloatKernels {
  /**
   * Sum of {@code a[ao+i] * b[bo+i]} for {@code i < length}.
   *
   * @param a the first vector's array
   * @param ao where the first vector starts in {@code a}
   * @param b the second vector's array
   * @param bo where the second vector starts in {@code b}
   * @param length the number of components
   * @return the dot product, rounded as this kernel sums
   */
  float dot(float[] a, int ao, float[] b, int bo, int length);

  /**
   * Sum of {@code (a[ao+i] - b[bo+i])^2} for {@code i < length}.
   *
   * @param a the first vector's array
   * @param ao where the first vector starts in {@code a}
   * @param b the second vector's array
   * @param bo where the second vector starts in {@code b}
   * @param length the number of components
   * @return the squared Euclidean distance, rounded as this kernel sums
   */
  float squaredL2(float[] a, int ao, float[] b, int bo, int length);

  /**
   * A short name for logs and benchmark reports, such as {@code scalar} or {@code panama-256}.
   *
   * @return the kernel's name, constant for an instance
   */
  String name();
}
