package dev.trawl.vector;

/**
 * The two float loops every distance is built from. Implementations work on slices of larger arrays
 * (vectors are stored back to back in pages), so no vector ever has to be copied out to be compared.
 *
 * <p>Implementations are stateless, thread-safe and allocate nothing.
 */
public interface FloatKernels {
  /** Sum of {@code a[ao+i] * b[bo+i]} for {@code i < length}. */
  float dot(float[] a, int ao, float[] b, int bo, int length);

  /** Sum of {@code (a[ao+i] - b[bo+i])^2} for {@code i < length}. */
  float squaredL2(float[] a, int ao, float[] b, int bo, int length);

  /** A short name for logs and benchmark reports, such as {@code scalar} or {@code panama-256}. */
  String name();
}
