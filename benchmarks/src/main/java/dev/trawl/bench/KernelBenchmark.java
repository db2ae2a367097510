package dev.trawl.bench;

import dev.trawl.vector.FloatKernels;
import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import dev.trawl.vector.ScalarKernels;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Trawl's distance kernels in isolation: the chosen kernels ({@link Kernels#BEST}, SIMD when the JVM
 * has {@code --add-modules jdk.incubator.vector}) against the scalar ones, at the dimensions of the
 * benchmark datasets.
 *
 * <p><b>One operation</b> is one squared-L2 (or dot) distance between a fixed query and the next of
 * 4,096 stored vectors laid out back to back in one array (as Trawl's pages are), so loads come from
 * L2/L3 cache like in a graph walk, not from registers. {@code int7L2Best} is the same on int7 codes
 * ({@link Int8Store#distance}, the int7 kernels {@link Kernels#describe()} names), the distance a
 * quantized index's walk computes. Allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KernelBenchmark {
  private static final int VECTORS = 4096;

  @Param({"96", "128", "384", "784"})
  public int dimension;

  private float[] query;
  private float[] store;
  private int next;
  private Int8Store codes;
  private int[] queryCodes;
  private final FloatKernels best = Kernels.BEST;
  private final FloatKernels scalar = ScalarKernels.INSTANCE;

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
    codes = new Int8Store(dimension, Metric.L2, 0f, 1f);
    codes.ensureCapacity(VECTORS);
    final float[] vector = new float[dimension];
    for (int v = 0; v < VECTORS; v++) {
      System.arraycopy(store, v * dimension, vector, 0, dimension);
      codes.set(v, vector);
    }
    queryCodes = new int[codes.stride()];
    codes.encode(query, queryCodes);
  }

  private int nextOffset() {
    final int n = next;
    next = n + 1 == VECTORS ? 0 : n + 1;
    return n * dimension;
  }

  /** One squared L2 with the kernels Trawl chose for this JVM. */
  @Benchmark
  public float squaredL2Best() {
    return best.squaredL2(query, 0, store, nextOffset(), dimension);
  }

  /** One squared L2 with the scalar kernels. */
  @Benchmark
  public float squaredL2Scalar() {
    return scalar.squaredL2(query, 0, store, nextOffset(), dimension);
  }

  /** One dot product with the kernels Trawl chose for this JVM. */
  @Benchmark
  public float dotBest() {
    return best.dot(query, 0, store, nextOffset(), dimension);
  }

  /** One squared L2 between int7 codes with the int7 kernels Trawl chose for this JVM. */
  @Benchmark
  public float int7L2Best() {
    final int n = next;
    next = n + 1 == VECTORS ? 0 : n + 1;
    return codes.distance(queryCodes, 0, n);
  }
}
