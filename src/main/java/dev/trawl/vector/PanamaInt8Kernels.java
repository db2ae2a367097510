package dev.trawl.vector;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Int7 code kernels on the JDK Vector API (incubator module {@code jdk.incubator.vector}), on the
 * CPU's preferred vector width (narrowed by {@code trawl.vector.bits} like {@link PanamaKernels}).
 * The packed ints are loaded as they are and reinterpreted as 16-bit lanes, each holding two codes:
 * the low code by a mask, the high one by a shift. Two products (or squared differences) of 7-bit
 * codes sum to at most {@code 2 * 127^2 = 32,258}, so one 16-bit multiply-add per lane pair cannot
 * overflow; the 16-bit sums are widened by reinterpreting them as ints (mask and shift) into an
 * {@code int} accumulator, reduced once at the end. The ints past the last whole vector go through
 * the scalar loops. Loaded only by {@link Kernels} after it has checked that the module is present.
 *
 * <p>Stateless and thread-safe; allocates nothing once C2 has compiled it (vectors are scalarised).
 */
final class PanamaInt8Kernels implements CodeKernels {
  private static final VectorSpecies<Integer> SPECIES = species();

  static final PanamaInt8Kernels INSTANCE = new PanamaInt8Kernels();

  private PanamaInt8Kernels() {}

  private static VectorSpecies<Integer> species() {
    return VectorSpecies.of(int.class, VectorShape.forBitSize(PanamaKernels.vectorBits()));
  }

  @Override
  public int dot(int[] a, int ao, int[] b, int bo, int ints) {
    return sum(a, ao, b, bo, ints, false);
  }

  @Override
  public int squaredL2(int[] a, int ao, int[] b, int bo, int ints) {
    return sum(a, ao, b, bo, ints, true);
  }

  /**
   * The dot product or (with {@code l2}) the squared L2 distance of the codes. Both callers pass a
   * constant, so once inlined only one branch is compiled.
   */
  private static int sum(int[] a, int ao, int[] b, int bo, int ints, boolean l2) {
    int i = 0;
    int sum = 0;
    final int step = SPECIES.length();
    if (ints >= step) {
      IntVector acc = IntVector.zero(SPECIES);
      for (final int bound = ints - step; i <= bound; i += step) {
        final ShortVector x = IntVector.fromArray(SPECIES, a, ao + i).reinterpretAsShorts();
        final ShortVector y = IntVector.fromArray(SPECIES, b, bo + i).reinterpretAsShorts();
        final ShortVector xLow = x.and((short) 0x7F);
        final ShortVector yLow = y.and((short) 0x7F);
        final ShortVector xHigh = x.lanewise(VectorOperators.LSHR, 8);
        final ShortVector yHigh = y.lanewise(VectorOperators.LSHR, 8);
        final ShortVector pairs;
        if (l2) {
          final ShortVector low = xLow.sub(yLow);
          final ShortVector high = xHigh.sub(yHigh);
          pairs = low.mul(low).add(high.mul(high));
        } else {
          pairs = xLow.mul(yLow).add(xHigh.mul(yHigh));
        }
        acc = widenAdd(acc, pairs);
      }
      sum = acc.reduceLanes(VectorOperators.ADD);
    }
    if (i == ints) {
      return sum;
    }
    return sum + (l2
        ? Int8Kernels.squaredL2(a, ao + i, b, bo + i, ints - i)
        : Int8Kernels.dot(a, ao + i, b, bo + i, ints - i));
  }

  /** Adds both non-negative 16-bit halves of every int lane of {@code pairs} to {@code acc}. */
  private static IntVector widenAdd(IntVector acc, ShortVector pairs) {
    final IntVector halves = pairs.reinterpretAsInts();
    return acc.add(halves.and(0xFFFF)).add(halves.lanewise(VectorOperators.LSHR, 16));
  }

  @Override
  public String name() {
    return "panama-int-" + SPECIES.vectorBitSize();
  }
}
