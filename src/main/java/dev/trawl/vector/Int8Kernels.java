package dev.trawl.vector;

/**
 * Integer distance loops over int7 codes (each 0..127) packed four to an {@code int}, lowest byte
 * first. Codes stop at 127, not 255, so every byte is non-negative and a product or squared
 * difference of two codes fits in 14 bits: the loops are plain {@code int} shifts, masks, multiplies
 * and sums. Sums fit an {@code int} up to {@code 2^31 / 16129 = 133,144} dimensions, above
 * {@code Limits.MAX_DIMENSION}.
 *
 * <p><b>Loop shapes.</b> The dot product takes two packed ints per step into two independent sums.
 * Its one-sum shape (one int per step) is what C2's SuperWord pass vectorizes on JDK 17, and measured
 * in a search's calling pattern (a different page and unaligned offset per call, 96 ints at 384
 * dimensions) its vectorized form is slower than the same loop with {@code -XX:-UseSuperWord}: 376 vs
 * 222 CPU-ns per distance, and a whole quantized search 3.3k vs 4.9k queries per CPU-second. The
 * two-sum shape is not rewritten that way and runs as plain scalar code with more instruction-level
 * parallelism ({@code dev.trawl.bench.Int8SearchProbe} and {@code Int8LoopShapeExperiment} in the
 * benchmarks; {@code docs/quantization.md}). Quantized indexes use the Vector API kernels instead
 * when the JVM has {@code jdk.incubator.vector} ({@link Kernels#describe()} names the choice).
 *
 * <p>Stateless and thread-safe; allocates nothing.
 */
public final class Int8Kernels {
  /** These loops as {@link CodeKernels}, what {@link Kernels} picks without the Vector API. */
  static final CodeKernels SCALAR =
      new CodeKernels() {
        @Override
        public int dot(int[] a, int ao, int[] b, int bo, int ints) {
          return Int8Kernels.dot(a, ao, b, bo, ints);
        }

        @Override
        public int squaredL2(int[] a, int ao, int[] b, int bo, int ints) {
          return Int8Kernels.squaredL2(a, ao, b, bo, ints);
        }

        @Override
        public String name() {
          return "int-scalar";
        }
      };

  private Int8Kernels() {}

  /**
   * Sum over the codes of {@code a[ao..ao+ints)} and {@code b[bo..bo+ints)} of {@code ca * cb}.
   *
   * @param a the first packed code vector's array
   * @param ao where it starts in {@code a}
   * @param b the second packed code vector's array
   * @param bo where it starts in {@code b}
   * @param ints the ints holding the codes, four codes each
   * @return the integer dot product of the codes, exact
   */
  public static int dot(int[] a, int ao, int[] b, int bo, int ints) {
    int s0 = 0;
    int s1 = 0;
    int i = 0;
    for (final int pairs = ints & ~1; i < pairs; i += 2) {
      s0 += dotOf(a[ao + i], b[bo + i]);
      s1 += dotOf(a[ao + i + 1], b[bo + i + 1]);
    }
    if (i < ints) {
      s0 += dotOf(a[ao + i], b[bo + i]);
    }
    return s0 + s1;
  }

  /**
   * Sum over the codes of {@code a[ao..ao+ints)} and {@code b[bo..bo+ints)} of {@code (ca - cb)^2}.
   * One sum, its body written out: C2 auto-vectorizes this loop, and unlike the dot product's its
   * vectorized form is fast where a search calls it (siftsmall, 128 dimensions: 32 CPU-ns per
   * distance, against 97 for the two-sum shape and 120 for this loop calling a per-int helper, which
   * C2 then compiles without SuperWord's speed-up).
   *
   * @param a the first packed code vector's array
   * @param ao where it starts in {@code a}
   * @param b the second packed code vector's array
   * @param bo where it starts in {@code b}
   * @param ints the ints holding the codes, four codes each
   * @return the integer squared distance between the codes, exact
   */
  public static int squaredL2(int[] a, int ao, int[] b, int bo, int ints) {
    int sum = 0;
    for (int i = 0; i < ints; i++) {
      final int x = a[ao + i];
      final int y = b[bo + i];
      final int d0 = (x & 0x7F) - (y & 0x7F);
      final int d1 = ((x >>> 8) & 0x7F) - ((y >>> 8) & 0x7F);
      final int d2 = ((x >>> 16) & 0x7F) - ((y >>> 16) & 0x7F);
      final int d3 = (x >>> 24) - (y >>> 24);
      sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    }
    return sum;
  }

  /** Dot product of the four codes packed in {@code x} and in {@code y}. */
  private static int dotOf(int x, int y) {
    return (x & 0x7F) * (y & 0x7F)
        + ((x >>> 8) & 0x7F) * ((y >>> 8) & 0x7F)
        + ((x >>> 16) & 0x7F) * ((y >>> 16) & 0x7F)
        + (x >>> 24) * (y >>> 24);
  }
}
