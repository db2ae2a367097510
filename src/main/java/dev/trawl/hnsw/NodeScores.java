package dev.trawl.hnsw;

/**
 * Packs a (distance, node) pair into one {@code long} whose natural signed order is "nearest first,
 * then lower node first", so heaps and sorts work on plain {@code long[]} with no pair objects.
 * The high 32 bits hold the distance's IEEE bits flipped into two's-complement order; the low 32 bits
 * hold the node ordinal.
 *
 * <p>Stateless and thread-safe; allocates nothing.
 */
public final class NodeScores {
  private NodeScores() {}

  /** Packs {@code distance} (finite) and {@code node}. */
  public static long pack(float distance, int node) {
    return ((long) sortableBits(distance) << 32) | (node & 0xFFFF_FFFFL);
  }

  /** The node of a packed pair. */
  public static int node(long packed) {
    return (int) packed;
  }

  /** The distance of a packed pair. */
  public static float distance(long packed) {
    final int sortable = (int) (packed >> 32);
    return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7FFF_FFFF));
  }

  private static int sortableBits(float value) {
    final int bits = Float.floatToRawIntBits(value);
    return bits ^ ((bits >> 31) & 0x7FFF_FFFF);
  }
}
