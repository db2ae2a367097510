package dev.trawl.hnsw;

/**
 * The snapshot sections that hold the graph, written by {@link GraphSnapshotWriter} and read back by
 * {@link GraphSnapshotReader}; their byte layout is given in {@code docs/format.md}. The snapshot
 * file around them (header, section table, kinds' codes, checksums, ids and attributes) belongs to
 * {@code dev.trawl.index}. Exactly one of {@link #VECTORS} and {@link #INT8_CODES} is in a file.
 *
 * <p>Stateless; allocates nothing.
 */
public enum GraphSection {
  /** float32 x dimension per ordinal; zeros for unpublished ordinals. */
  VECTORS,
  /**
   * float32 lo, float32 hi, then per ordinal int32 x (ceil(dimension / 4) + 1): the int7 codes, four
   * per int, lowest byte first, zero-padded, then their sum. Zeros for unpublished ordinals.
   */
  INT8_CODES,
  /** int32 per ordinal: the node's level, or -1 when it was not published at the cut. */
  NODE_LEVELS,
  /** int32 x (1 + 2M) per ordinal: link count, then the links, zero-padded. */
  LINKS_LEVEL0,
  /** For each node of level L >= 1, in ordinal order, L blocks of int32 x (1 + M): levels 1..L. */
  LINKS_UPPER,
  /** int64 words; bit (o mod 64) of word (o / 64) set when ordinal o is deleted or unpublished. */
  TOMBSTONES;

  /**
   * The length in bytes this section has in a file of {@code ordinals} nodes, or -1 for
   * {@link #LINKS_UPPER}, whose length depends on the nodes' levels.
   *
   * @param ordinals the ordinals {@code N} the file holds, including unpublished ones
   * @param dimension the vectors' dimension
   * @param m the graph's {@code M}: level-0 lists have {@code 2M} slots
   * @return the section's exact length, or -1 when the levels decide it
   */
  public long fixedLength(int ordinals, int dimension, int m) {
    switch (this) {
      case VECTORS:
        return (long) ordinals * dimension * 4;
      case INT8_CODES:
        return 8 + (long) ordinals * codeStride(dimension) * 4;
      case NODE_LEVELS:
        return (long) ordinals * 4;
      case LINKS_LEVEL0:
        return (long) ordinals * (1 + 2 * m) * 4;
      case TOMBSTONES:
        return ((ordinals + 63L) >>> 6) * 8;
      default:
        return -1;
    }
  }

  /** Ints per ordinal in {@link #INT8_CODES}: the packed codes and their sum. */
  static int codeStride(int dimension) {
    return ((dimension + 3) >>> 2) + 1;
  }
}
