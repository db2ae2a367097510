package dev.trawl.bench;

import dev.trawl.vector.Int8Kernels;
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
 * An experiment behind {@code docs/quantization.md}, not a regression benchmark: which loop shapes
 * over int7 codes C2 turns into SIMD on a JVM without the Vector API. Run it twice, as is and with
 * {@code -XX:-UseSuperWord}: a shape whose time does not change was never auto-vectorized.
 *
 * <p><b>One operation</b> is one dot product between a fixed query and the next of 4,096 stored
 * vectors laid out back to back (as in Trawl's pages), in one of these shapes:
 *
 * <ul>
 *   <li>{@code packedInt}: the library's {@link Int8Kernels#dot} (four codes per {@code int},
 *       shifts and masks, one {@code int} sum);
 *   <li>{@code shortPairs}: codes widened to one {@code short} each, summed as
 *       {@code a[i] * b[i] + a[i+1] * b[i+1]}, the shape C2 maps to {@code vpmaddwd};
 *   <li>{@code byteLoop}: one {@code byte} per code, {@code sum += a[i] * b[i]};
 *   <li>{@code floatScalar}: the float32 scalar kernel on the same vectors, the baseline.
 * </ul>
 *
 * Allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Int8LoopShapeExperiment {
  private static final int VECTORS = 4096;

  @Param({"128", "384", "784"})
  public int dimension;

  private int ints;
  private int[] packedQuery;
  private int[] packedStore;
  private short[] shortQuery;
  private short[] shortStore;
  private byte[] byteQuery;
  private byte[] byteStore;
  private float[] floatQuery;
  private float[] floatStore;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    final SplittableRandom random = new SplittableRandom(7);
    ints = dimension / 4;
    packedQuery = new int[ints];
    packedStore = new int[VECTORS * ints];
    shortQuery = new short[dimension];
    shortStore = new short[VECTORS * dimension];
    byteQuery = new byte[dimension];
    byteStore = new byte[VECTORS * dimension];
    floatQuery = new float[dimension];
    floatStore = new float[VECTORS * dimension];
    fill(random, packedQuery, shortQuery, byteQuery, floatQuery);
    fill(random, packedStore, shortStore, byteStore, floatStore);
  }

  private static void fill(SplittableRandom random, int[] packed, short[] s, byte[] b, float[] f) {
    for (int i = 0; i < s.length; i++) {
      final int code = random.nextInt(128);
      s[i] = (short) code;
      b[i] = (byte) code;
      f[i] = code;
      packed[i >>> 2] |= code << (8 * (i & 3));
    }
  }

  private int nextVector() {
    final int n = next;
    next = n + 1 == VECTORS ? 0 : n + 1;
    return n;
  }

  @Benchmark
  public int packedInt() {
    return Int8Kernels.dot(packedQuery, 0, packedStore, nextVector() * ints, ints);
  }

  @Benchmark
  public int shortPairs() {
    return shortPairs(shortQuery, shortStore, nextVector() * dimension, dimension);
  }

  @Benchmark
  public int byteLoop() {
    return byteLoop(byteQuery, byteStore, nextVector() * dimension, dimension);
  }

  @Benchmark
  public float floatScalar() {
    return ScalarKernels.INSTANCE.dot(floatQuery, 0, floatStore, nextVector() * dimension, dimension);
  }

  static int shortPairs(short[] a, short[] b, int bo, int length) {
    int sum = 0;
    for (int i = 0; i < length; i += 2) {
      sum += a[i] * b[bo + i] + a[i + 1] * b[bo + i + 1];
    }
    return sum;
  }

  static int byteLoop(byte[] a, byte[] b, int bo, int length) {
    int sum = 0;
    for (int i = 0; i < length; i++) {
      sum += a[i] * b[bo + i];
    }
    return sum;
  }

  /** The shapes timed by this thread's CPU time (JMH's wall clock is noise on a loaded machine). */
  public static void main(String[] args) {
    final java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    for (int dim : new int[] {128, 384, 784}) {
      final Int8LoopShapeExperiment e = new Int8LoopShapeExperiment();
      e.dimension = dim;
      e.setUp();
      final StringBuilder line = new StringBuilder(String.format("dim %3d:", dim));
      final String[] names = {"packedInt", "shortPairs", "byteLoop", "floatScalar"};
      final int ops = 4_000_000 / Math.max(1, dim / 96);
      for (int shape = 0; shape < names.length; shape++) {
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 7; run++) {
          final long start = threads.getCurrentThreadCpuTime();
          sink += e.loop(shape, ops);
          final long cpu = threads.getCurrentThreadCpuTime() - start;
          if (run >= 2) {
            best = Math.min(best, cpu / (double) ops);
          }
        }
        line.append(String.format("  %s %.1f ns", names[shape], best));
      }
      System.out.println(line);
    }
    System.out.println(sink == 42 ? "" : "(sink " + (sink & 1) + ")");
  }

  private static long sink;

  private long loop(int shape, int ops) {
    long sum = 0;
    for (int i = 0; i < ops; i++) {
      switch (shape) {
        case 0:
          sum += packedInt();
          break;
        case 1:
          sum += shortPairs();
          break;
        case 2:
          sum += byteLoop();
          break;
        default:
          sum += (long) floatScalar();
          break;
      }
    }
    return sum;
  }
}
