package dev.trawl.vector;

/**
 * Portable kernels, unrolled by hand into four independent accumulators so that the loop is not
 * serialised on one floating-point add chain; this is what runs when the JDK Vector API is not
 * enabled. Summation order differs from a naive loop, so results may differ in the last bits.
 *
 * <p>Stateless and thread-safe; allocates nothing.
 */
public final class ScalarKernels implements FloatKernels {
  /** The single instance. */
  public static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public float dot(float[] a, int ao, float[] b, int bo, int length) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    final int bound = length & ~3;
    for (; i < bound; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < length; i++) {
      s0 += a[ao + i] * b[bo + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public float squaredL2(float[] a, int ao, float[] b, int bo, int length) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    final int bound = length & ~3;
    for (; i < bound; i += 4) {
      final float d0 = a[ao + i] - b[bo + i];
      final float d1 = a[ao + i + 1] - b[bo + i + 1];
      final float d2 = a[ao + i + 2] - b[bo + i + 2];
      final float d3 = a[ao + i + 3] - b[bo + i + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < length; i++) {
      final float d = a[ao + i] - b[bo + i];
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }

  @Override
  public String name() {
    return "scalar";
  }
}
