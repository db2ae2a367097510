package dev.trawl.redis.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Zipfian ranks {@code 0 .. n-1} (rank 0 the most popular): probability proportional to
 * {@code 1 / (rank + 1)^s}, sampled by binary search over the cumulative distribution. Seeded.
 * Not thread-safe.
 */
final class Zipf {
  private final double[] cdf;
  private final SplittableRandom random;

  Zipf(int n, double s, long seed) {
    cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    random = new SplittableRandom(seed);
  }

  int next() {
    final int i = Arrays.binarySearch(cdf, random.nextDouble());
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }
}
