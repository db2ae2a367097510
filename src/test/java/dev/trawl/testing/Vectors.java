package dev.trawl.testing;

import java.util.SplittableRandom;

/** Seeded synthetic vectors for tests. */
public final class Vectors {
  private Vectors() {}

  /** {@code n} vectors of {@code dim} components around {@code clusters} Gaussian centres. */
  public static float[][] clustered(int n, int dim, int clusters, long seed) {
    final SplittableRandom random = new SplittableRandom(seed);
    final float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    final float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      final float[] c = centres[random.nextInt(clusters)];
      for (int j = 0; j < dim; j++) {
        out[i][j] = c[j] + (float) (gaussian(random) * 0.15);
      }
    }
    return out;
  }

  private static double gaussian(SplittableRandom random) {
    double u;
    double v;
    double s;
    do {
      u = random.nextDouble() * 2 - 1;
      v = random.nextDouble() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * Math.sqrt(-2 * Math.log(s) / s);
  }
}
