package dev.trawl.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * An experiment behind the performance notes in {@code docs/benchmarks.md}, not a regression
 * benchmark: how much of a squared-L2 kernel on the JDK Vector API goes to the final
 * {@code reduceLanes(ADD)}, and whether a narrower species or a cheaper horizontal sum helps. Needs
 * {@code --add-modules jdk.incubator.vector}.
 *
 * <p><b>One operation</b> is one squared L2 between a fixed query and the next of 4,096 stored vectors
 * (one array, back to back), in one of these shapes: {@code preferred} (the widest species, two
 * accumulators, one {@code reduceLanes}: the shape of Trawl's kernel), {@code s256} (the same on
 * 256-bit vectors), and {@code noReduce} (the preferred loop returning one lane instead of the sum:
 * not a correct distance, it only prices the reduction). Allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KernelReductionExperiment {
  private static final int VECTORS = 4096;
  private static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;

  @Param({"96", "128", "384", "784"})
  public int dimension;

  private float[] query;
  private float[] store;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    final SplittableRandom random = new SplittableRandom(7);
    query = new float[dimension];
    store = new float[VECTORS * dimension];
    for (int i = 0; i < dimension; i++) {
      query[i] = (float) random.nextDouble();
    }
    for (int i = 0; i < store.length; i++) {
      store[i] = (float) random.nextDouble();
    }
  }

  private int nextOffset() {
    final int n = next;
    next = n + 1 == VECTORS ? 0 : n + 1;
    return n * dimension;
  }

  @Benchmark
  public float preferred() {
    return l2Preferred(query, store, nextOffset(), dimension, true);
  }

  @Benchmark
  public float s256() {
    return l2Narrow(query, store, nextOffset(), dimension);
  }

  @Benchmark
  public float noReduce() {
    return l2Preferred(query, store, nextOffset(), dimension, false);
  }

  // The species must be a constant for C2 to intrinsify, hence one method per species.
  static float l2Preferred(float[] a, float[] b, int bo, int length, boolean reduce) {
    final int step = PREFERRED.length();
    FloatVector acc0 = FloatVector.zero(PREFERRED);
    FloatVector acc1 = FloatVector.zero(PREFERRED);
    int i = 0;
    for (; i <= length - 2 * step; i += 2 * step) {
      final FloatVector d0 =
          FloatVector.fromArray(PREFERRED, a, i).sub(FloatVector.fromArray(PREFERRED, b, bo + i));
      final FloatVector d1 =
          FloatVector.fromArray(PREFERRED, a, i + step)
              .sub(FloatVector.fromArray(PREFERRED, b, bo + i + step));
      acc0 = d0.fma(d0, acc0);
      acc1 = d1.fma(d1, acc1);
    }
    for (; i <= length - step; i += step) {
      final FloatVector d =
          FloatVector.fromArray(PREFERRED, a, i).sub(FloatVector.fromArray(PREFERRED, b, bo + i));
      acc0 = d.fma(d, acc0);
    }
    final FloatVector acc = acc0.add(acc1);
    float sum = reduce ? acc.reduceLanes(VectorOperators.ADD) : acc.lane(0);
    for (; i < length; i++) {
      final float d = a[i] - b[bo + i];
      sum += d * d;
    }
    return sum;
  }

  static float l2Narrow(float[] a, float[] b, int bo, int length) {
    final int step = S256.length();
    FloatVector acc0 = FloatVector.zero(S256);
    FloatVector acc1 = FloatVector.zero(S256);
    int i = 0;
    for (; i <= length - 2 * step; i += 2 * step) {
      final FloatVector d0 = FloatVector.fromArray(S256, a, i).sub(FloatVector.fromArray(S256, b, bo + i));
      final FloatVector d1 =
          FloatVector.fromArray(S256, a, i + step).sub(FloatVector.fromArray(S256, b, bo + i + step));
      acc0 = d0.fma(d0, acc0);
      acc1 = d1.fma(d1, acc1);
    }
    for (; i <= length - step; i += step) {
      final FloatVector d = FloatVector.fromArray(S256, a, i).sub(FloatVector.fromArray(S256, b, bo + i));
      acc0 = d.fma(d, acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < length; i++) {
      final float d = a[i] - b[bo + i];
      sum += d * d;
    }
    return sum;
  }
}
