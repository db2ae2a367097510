package dev.trawl.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API (incubator module {@code jdk.incubator.vector}), with fused
 * multiply-add, on vectors of at most 256 bits even where the CPU prefers 512: a {@code float[]}'s
 * data starts 16 bytes into the object, so most 64-byte loads straddle two cache lines, and AVX-512
 * lowers the clock; measured with {@code benchmarks/.../KernelCpuProbe} on an AVX-512 Xeon, 256-bit
 * loops are 15-30% faster at 128-784 dimensions (docs/benchmarks.md). The system property
 * {@code trawl.vector.bits} (128, 256 or 512) overrides the cap, never beyond what the CPU has. Loaded only by {@link Kernels} after it has checked
 * that the module is present, so a JVM without {@code --add-modules jdk.incubator.vector} never links
 * this class.
 *
 * <p>Stateless and thread-safe; allocates nothing once C2 has compiled it (vectors are scalarised).
 */
final class PanamaKernels implements FloatKernels {
  private static final VectorSpecies<Float> SPECIES = species();

  static final PanamaKernels INSTANCE = new PanamaKernels();

  private PanamaKernels() {}

  private static VectorSpecies<Float> species() {
    final int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    final int wanted = Integer.getInteger("trawl.vector.bits", 256);
    final int bits = Math.min(preferred, Integer.highestOneBit(Math.max(128, wanted)));
    return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
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
