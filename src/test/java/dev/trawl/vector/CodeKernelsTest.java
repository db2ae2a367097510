package dev.trawl.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every int7 code kernel (scalar, Vector API, and the one this JVM chose) equals a plain
 * code-by-code reference on every length and offset, including all-127 codes (the largest 16-bit
 * partial sums of the Vector API kernels) and lengths around whole vectors.
 */
class CodeKernelsTest {

  static List<CodeKernels> kernels() {
    return List.of(Int8Kernels.SCALAR, PanamaInt8Kernels.INSTANCE, Kernels.INT8);
  }

  private static int code(int[] packed, int at, int i) {
    return (packed[at + (i >>> 2)] >>> (8 * (i & 3))) & 0xFF;
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void dotAndSquaredL2EqualTheCodeByCodeReferenceOnSlices(CodeKernels k) {
    final SplittableRandom random = new SplittableRandom(5);
    for (int ints = 0; ints <= 70; ints++) {
      for (int fill = 0; fill < 3; fill++) { // random codes, all 127 against all 0, all 127
        final int[] a = new int[ints + 3];
        final int[] b = new int[ints + 6];
        for (int i = 0; i < a.length * 4; i++) {
          final int code = fill == 0 ? random.nextInt(128) : 127;
          a[i >>> 2] |= code << (8 * (i & 3));
        }
        for (int i = 0; i < b.length * 4; i++) {
          final int code = fill == 0 ? random.nextInt(128) : fill == 1 ? 0 : 127;
          b[i >>> 2] |= code << (8 * (i & 3));
        }
        long dot = 0;
        long l2 = 0;
        for (int i = 0; i < 4 * ints; i++) {
          final int x = code(a, 3, i);
          final int y = code(b, 5, i);
          dot += x * y;
          l2 += (x - y) * (x - y);
        }
        assertThat(k.dot(a, 3, b, 5, ints)).as("dot, %d ints, fill %d", ints, fill).isEqualTo((int) dot);
        assertThat(k.squaredL2(a, 3, b, 5, ints)).as("l2, %d ints, fill %d", ints, fill).isEqualTo((int) l2);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void kernelsHaveNames(CodeKernels k) {
    assertThat(k.name()).matches("int-scalar|panama-int-\\d+");
  }
}
