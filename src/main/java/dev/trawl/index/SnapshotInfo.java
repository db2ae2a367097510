package dev.trawl.index;

import dev.trawl.hnsw.GraphSnapshotReader;
import dev.trawl.vector.Metric;
import java.util.List;

/**
 * What a snapshot's header says: the index parameters, its counts and its section table. Returned
 * by {@link IndexSnapshot#write} and {@link IndexSnapshot#readInfo}. Immutable and thread-safe.
 *
 * @param formatVersion the file format version ({@link IndexSnapshot#FORMAT_VERSION} for files this
 *     build writes)
 * @param metric the metric the index compares vectors by
 * @param dimension the vectors' number of components
 * @param m links per node on upper levels (2M on level 0)
 * @param efConstruction the insert beam width the loaded index keeps using
 * @param seed the level seed the loaded index keeps using
 * @param ordinals nodes in the snapshot, including deleted ones (ordinals are kept as they were)
 * @param published nodes that were linked into the graph at the cut
 * @param liveItems items that can be found: published and not deleted (one per id)
 * @param entryNode the graph's entry point, or -1 when it is empty
 * @param topLevel the entry point's level, or -1 when the graph is empty
 * @param fileBytes size of the file
 * @param sections the section table, in file order
 * @param positions the stream positions stored with the snapshot ({@link SourcePositions#NONE} when
 *     none)
 */
public record SnapshotInfo(
    int formatVersion,
    Metric metric,
    int dimension,
    int m,
    int efConstruction,
    long seed,
    int ordinals,
    int published,
    int liveItems,
    int entryNode,
    int topLevel,
    long fileBytes,
    List<Section> sections,
    SourcePositions positions) {

  /**
   * Copies the section table, so the record stays immutable.
   *
   * @param formatVersion the file format version
   * @param metric the metric
   * @param dimension the vectors' dimension
   * @param m links per node on upper levels
   * @param efConstruction the insert beam width
   * @param seed the level seed
   * @param ordinals nodes in the snapshot, deleted ones included
   * @param published nodes linked into the graph at the cut
   * @param liveItems items a search can find
   * @param entryNode the entry point, or -1
   * @param topLevel the entry point's level, or -1
   * @param fileBytes the file's size
   * @param sections the section table, in file order; copied
   * @param positions the stream positions stored with the snapshot
   * @throws NullPointerException if {@code sections} or {@code positions} is null
   */
  public SnapshotInfo {
    sections = List.copyOf(sections);
    java.util.Objects.requireNonNull(positions, "positions");
  }

  /**
   * The info of a file this build reads or writes, from its header's fields as one record rather
   * than field by field.
   *
   * @param header the header's graph fields
   * @param fileBytes the file's size
   * @param sections the section table, in file order; copied
   * @param positions the stream positions stored with the snapshot
   * @return the info
   */
  static SnapshotInfo of(GraphSnapshotReader.Header header, long fileBytes, List<Section> sections,
      SourcePositions positions) {
    return new SnapshotInfo(SnapshotFormat.VERSION, header.metric(), header.dimension(), header.m(),
        header.efConstruction(), header.seed(), header.ordinals(), header.published(), header.live(),
        header.entryNode(), header.entryLevel(), fileBytes, sections, positions);
  }

  /**
   * One entry of the section table.
   *
   * @param name the section's name ({@code VECTORS}, {@code LINKS_LEVEL0}, ...) or {@code kind-N}
   *     for a kind this build does not know
   * @param kind the numeric kind stored in the file
   * @param offset where the section starts, in bytes from the start of the file
   * @param length the section's length in bytes
   * @param crc32c the CRC-32C of the section's bytes
   */
  public record Section(String name, int kind, long offset, long length, int crc32c) {}
}
