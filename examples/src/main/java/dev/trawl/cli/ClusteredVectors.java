package dev.trawl.cli;

import java.util.Random;

/**
 * Seeded synthetic embeddings shaped like a feed's: points scattered around a number of community
 * centres, so that neighbourhoods are meaningful (uniform random vectors have none, and make recall
 * look worse than on real data). The same seed gives the same vectors on every JVM.
 *
 * <p>Immutable once made; thread-safe to read.
 */
final class ClusteredVectors {
  private final int dimension;
  private final float[][] centres;
  private final float spread;

  /**
   * @param clusters number of community centres
   * @param spread standard deviation of a point around its centre, per component
   */
  ClusteredVectors(int dimension, int clusters, float spread, long seed) {
    this.dimension = dimension;
    this.spread = spread;
    this.centres = new float[clusters][dimension];
    final Random random = new Random(seed);
    for (float[] centre : centres) {
      for (int i = 0; i < dimension; i++) {
        centre[i] = (float) random.nextGaussian();
      }
    }
  }

  /** {@code count} points, each near a centre chosen at random; {@code seed} picks the draw. */
  float[][] sample(int count, long seed) {
    final Random random = new Random(seed);
    final float[][] out = new float[count][dimension];
    for (float[] point : out) {
      final float[] centre = centres[random.nextInt(centres.length)];
      for (int i = 0; i < dimension; i++) {
        point[i] = centre[i] + spread * (float) random.nextGaussian();
      }
    }
    return out;
  }
}
