package dev.trawl.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kernel implementation agrees with a double-precision reference on every length and offset. */
class KernelsTest {

  static List<FloatKernels> kernels() {
    return List.of(ScalarKernels.INSTANCE, PanamaKernels.INSTANCE, Kernels.BEST);
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void dotAndSquaredL2MatchDoubleReferenceOnSlices(FloatKernels k) {
    final SplittableRandom random = new SplittableRandom(3);
    for (int length = 0; length <= 70; length++) {
      final float[] a = new float[length + 5];
      final float[] b = new float[length + 9];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) random.nextDouble(-2, 2);
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) random.nextDouble(-2, 2);
      }
      double dot = 0;
      double l2 = 0;
      for (int i = 0; i < length; i++) {
        dot += (double) a[3 + i] * b[7 + i];
        l2 += ((double) a[3 + i] - b[7 + i]) * ((double) a[3 + i] - b[7 + i]);
      }
      assertThat((double) k.dot(a, 3, b, 7, length)).isCloseTo(dot, within(1e-4 * (1 + length)));
      assertThat((double) k.squaredL2(a, 3, b, 7, length)).isCloseTo(l2, within(1e-4 * (1 + length)));
    }
  }

  @ParameterizedTest
  @MethodSource("kernels")
  void kernelsHaveNames(FloatKernels k) {
    assertThat(k.name()).matches("scalar|panama-\\d+");
  }
}
