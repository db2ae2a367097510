package dev.trawl.vector;

/**
 * Integer distance loops over int7 codes (each 0..127) packed four to an {@code int}, lowest byte
 * first. Codes stop at 127, not 255, so every byte is non-negative and a product or squared
 * difference of two codes fits in 14 bits: the loops are plain {@code int} shifts, masks, multiplies
 * and one add reduction, which C2 auto-vectorizes (SuperWord) on any JVM, with no incubator module.
 * Sums fit an {@code int} up to {@code 2^31 / 16129 = 133,144} dimensions, above
 * {@code Limits.MAX_DIMENSION}.
 *
 * <p>Stateless and thread-safe; allocates nothing.
 */
public final class Int8Kernels {
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
    int sum = 0;
    for (int i = 0; i < ints; i++) {
      final int x = a[ao + i];
      final int y = b[bo + i];
      sum += (x & 0x7F) * (y & 0x7F)
          + ((x >>> 8) & 0x7F) * ((y >>> 8) & 0x7F)
          + ((x >>> 16) & 0x7F) * ((y >>> 16) & 0x7F)
          + (x >>> 24) * (y >>> 24);
    }
    return sum;
  }

  /**
   * Sum over the codes of {@code a[ao..ao+ints)} and {@code b[bo..bo+ints)} of {@code (ca - cb)^2}.
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
}
