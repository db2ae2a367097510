package dev.trawl.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API (incubator module {@code jdk.incubator.vector}), with fused
 * multiply-add, on the CPU's preferred vector width. The system property {@code trawl.vector.bits}
 * (128, 256 or 512, never beyond what the CPU has) narrows it: on an AVX-512 Xeon a cache-resident
 * microbenchmark favours 256 bits at 128-784 dimensions, but whole searches do not agree (siftsmall,
 * 128 dims: 256-bit ~8% more queries per CPU-second; wordnet, 384 dims: 512-bit ~25% more), so the
 * default stays the JDK's preferred species; docs/benchmarks.md has the commands. Loaded only by
 * {@link Kernels} after it has checked that the module is present, so a JVM without
 * {@code --add-modules jdk.incubator.vector} never links this class.
 *
 * <p>Stateless and thread-safe; allocates nothing once C2 has compiled it (vectors are scalarised).
 */
final class PanamaKernels implements FloatKernels {
  private static final VectorSpecies<Float> SPECIES = species();

  static final PanamaKernels INSTANCE = new PanamaKernels();

  private PanamaKernels() {}

  private static VectorSpecies<Float> species() {
    return VectorSpecies.of(float.class, VectorShape.forBitSize(vectorBits()));
  }

  /**
   * The vector width in bits of the Vector API kernels (float and int7): the CPU's preferred one,
   * narrowed by {@code trawl.vector.bits}.
   */
  static int vectorBits() {
    final int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    final int wanted = Integer.getInteger("trawl.vector.bits", preferred);
    return Math.min(preferred, Integer.highestOneBit(Math.max(128, wanted)));
  }

  @Override
  public float dot(float[] a, int ao, float[] b, int bo, int length) {
    int i = 0;
    float sum = 0f;
    final int step = SPECIES.length();
    if (length >= step) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      final int bound2 = length - 2 * step;
      for (; i <= bound2; i += 2 * step) {
        acc0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i), acc0);
        acc1 = FloatVector.fromArray(SPECIES, a, ao + i + step)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i + step), acc1);
      }
      final int bound = length - step;
      for (; i <= bound; i += step) {
        acc0 = FloatVector.fromArray(SPECIES, a, ao + i)
            .fma(FloatVector.fromArray(SPECIES, b, bo + i), acc0);
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += a[ao + i] * b[bo + i];
    }
    return sum;
  }

  @Override
  public float squaredL2(float[] a, int ao, float[] b, int bo, int length) {
    int i = 0;
    float sum = 0f;
    final int step = SPECIES.length();
    if (length >= step) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      final int bound2 = length - 2 * step;
      for (; i <= bound2; i += 2 * step) {
        final FloatVector d0 =
            FloatVector.fromArray(SPECIES, a, ao + i).sub(FloatVector.fromArray(SPECIES, b, bo + i));
        final FloatVector d1 =
            FloatVector.fromArray(SPECIES, a, ao + i + step)
                .sub(FloatVector.fromArray(SPECIES, b, bo + i + step));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
      }
      final int bound = length - step;
      for (; i <= bound; i += step) {
        final FloatVector d =
            FloatVector.fromArray(SPECIES, a, ao + i).sub(FloatVector.fromArray(SPECIES, b, bo + i));
        acc0 = d.fma(d, acc0);
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      final float d = a[ao + i] - b[bo + i];
      sum += d * d;
    }
    return sum;
  }

  @Override
  public String name() {
    return "panama-" + SPECIES.vectorBitSize();
  }
}
