package dev.trawl.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Int8StoreTest {
  @Test
  void encodesWithinHalfAStepAndClampsOutsideTheRange() {
    final Int8Store store = new Int8Store(7, Metric.L2, -1f, 1f);
    store.ensureCapacity(1);
    final float[] v = {-1f, 1f, 0f, 0.5f, -3f, 9f, 0.3f};
    store.set(0, v);
    final float[] out = new float[7];
    store.decode(0, out);
    final float step = 2f / 127;
    for (int i = 0; i < 4; i++) {
      assertThat(out[i]).isCloseTo(v[i], within(step / 2 + 1e-6f));
    }
    assertThat(out[4]).isEqualTo(-1f); // clamped to lo
    assertThat(out[5]).isCloseTo(1f, within(1e-6f)); // clamped to hi
    assertThat(store.code(-1f)).isZero();
    assertThat(store.code(1f)).isEqualTo(Int8Store.MAX_CODE);
    assertThat(store.code(Float.NEGATIVE_INFINITY)).isZero();
    assertThat(store.code(Float.POSITIVE_INFINITY)).isEqualTo(Int8Store.MAX_CODE);
    // the sum slot after the codes holds the codes' sum
    int sum = 0;
    for (float x : v) {
      sum += store.code(x);
    }
    assertThat(store.page(0)[store.offset(0) + store.codeInts()]).isEqualTo(sum);
  }

  @Test
  void rejectsNanAndLeavesTheStoredCodesUnchanged() {
    final Int8Store store = new Int8Store(3, Metric.L2, -1f, 1f);
    store.ensureCapacity(1);
    store.set(0, new float[] {0.5f, 0.5f, 0.5f});
    final int[] before = store.page(0).clone();
    assertThatThrownBy(() -> store.set(0, new float[] {0.1f, Float.NaN, 0.2f}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN")
        .hasMessageContaining("position 1");
    assertThat(store.page(0)).isEqualTo(before);
  }

  @Test
  void rejectsARangeThatIsEmptyOrNotFinite() {
    assertThatThrownBy(() -> new Int8Store(4, Metric.L2, 1f, 1f))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lo < hi");
    assertThatThrownBy(() -> new Int8Store(4, Metric.L2, 0f, Float.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Int8Store.range(new float[0][], 4, Metric.L2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
    assertThatThrownBy(
            () -> Int8Store.range(new float[][] {{1f, 2f}, {1f, Float.NaN}}, 2, Metric.L2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample vector 1");
  }

  @Test
  void codeDistancesEqualFloatDistancesOfTheDecodedVectorsForEveryMetric() {
    final SplittableRandom random = new SplittableRandom(11);
    for (Metric metric : Metric.values()) {
      for (int dim : new int[] {1, 5, 16, 130}) {
        final float[][] vs = new float[2][dim];
        for (float[] v : vs) {
          for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
          }
        }
        final float[] range = Int8Store.range(vs, dim, metric);
        final Int8Store store = new Int8Store(dim, metric, range[0], range[1]);
        store.ensureCapacity(2);
        store.set(0, vs[0]);
        store.set(1, vs[1]);
        final float[] a = new float[dim];
        final float[] b = new float[dim];
        store.decode(0, a);
        store.decode(1, b);
        final float dot = ScalarKernels.INSTANCE.dot(a, 0, b, 0, dim);
        final float expected =
            metric == Metric.L2
                ? ScalarKernels.INSTANCE.squaredL2(a, 0, b, 0, dim)
                : (metric == Metric.COSINE ? 1f : 0f) - dot;
        assertThat(store.distanceBetween(0, 1)).isCloseTo(expected, within(1e-4f));
        assertThat(store.floatDistance(a, 0, 1)).isCloseTo(expected, within(1e-4f));
      }
    }
  }

  @Test
  void kernelsSumProductsAndSquaredDifferencesOfEveryPackedByte() {
    final int[] a = {0x7F00_0102, 0x0000_0003};
    final int[] b = {0x7F7F_0001, 0x0000_0005};
    // bytes a: 2,1,0,127,3 ; b: 1,0,127,127,5
    assertThat(Int8Kernels.dot(a, 0, b, 0, 2)).isEqualTo(2 + 0 + 0 + 127 * 127 + 15);
    assertThat(Int8Kernels.squaredL2(a, 0, b, 0, 2)).isEqualTo(1 + 1 + 127 * 127 + 0 + 4);
  }
}
