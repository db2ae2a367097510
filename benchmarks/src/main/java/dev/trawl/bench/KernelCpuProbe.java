package dev.trawl.bench;

import dev.trawl.vector.FloatKernels;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.ScalarKernels;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * The kernel shapes of {@link KernelReductionExperiment} and Trawl's own kernels timed by the CPU time
 * of this thread rather than the wall clock, so that the comparison holds on a machine shared with
 * other work (where JMH's wall-clock numbers for a 20 ns operation are noise). Prints, per dimension,
 * the best of 5 runs of nanoseconds per squared-L2 distance over 4,096 stored vectors.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.trawl.bench.KernelCpuProbe}. Not thread-safe (a main).
 */
public final class KernelCpuProbe {
  private static final String[] SHAPES = {
    "trawl-best", "trawl-scalar", "preferred+reduce", "256-bit+reduce", "preferred-no-reduce"
  };
  private static float sink;

  private KernelCpuProbe() {}

  public static void main(String[] args) {
    final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    System.out.println("Trawl kernels: " + Kernels.BEST.name());
    for (int dim : new int[] {96, 128, 384, 784}) {
      final SplittableRandom random = new SplittableRandom(1);
      final float[] query = new float[dim];
      final float[] store = new float[4096 * dim];
      for (int i = 0; i < dim; i++) {
        query[i] = (float) random.nextDouble();
      }
      for (int i = 0; i < store.length; i++) {
        store[i] = (float) random.nextDouble();
      }
      final StringBuilder line = new StringBuilder(String.format("dim %3d:", dim));
      final int ops = 2_000_000 / Math.max(1, dim / 96);
      for (int shape = 0; shape < SHAPES.length; shape++) {
        double best = Double.MAX_VALUE;
        for (int run = 0; run < 7; run++) {
          final long start = threads.getCurrentThreadCpuTime();
          sink += loop(shape, query, store, dim, ops);
          final long cpu = threads.getCurrentThreadCpuTime() - start;
          if (run >= 2) { // the first two runs warm up C2
            best = Math.min(best, cpu / (double) ops);
          }
        }
        line.append(String.format("  %s %.1f ns", SHAPES[shape], best));
      }
      System.out.println(line);
    }
    if (sink == 42) {
      System.out.println();
    }
  }

  private static float loop(int shape, float[] query, float[] store, int dim, int ops) {
    final FloatKernels best = Kernels.BEST;
    final FloatKernels scalar = ScalarKernels.INSTANCE;
    float sum = 0;
    int v = 0;
    for (int i = 0; i < ops; i++) {
      final int offset = v * dim;
      switch (shape) {
        case 0:
          sum += best.squaredL2(query, 0, store, offset, dim);
          break;
        case 1:
          sum += scalar.squaredL2(query, 0, store, offset, dim);
          break;
        case 2:
          sum += KernelReductionExperiment.l2Preferred(query, store, offset, dim, true);
          break;
        case 3:
          sum += KernelReductionExperiment.l2Narrow(query, store, offset, dim);
          break;
        default:
          sum += KernelReductionExperiment.l2Preferred(query, store, offset, dim, false);
          break;
      }
      v = v + 1 == 4096 ? 0 : v + 1;
    }
    return sum;
  }
}
