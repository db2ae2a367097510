package dev.trawl.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a {@link VectorIndex} to a snapshot file and loads it back: the way to start a service
 * without rebuilding its graph. The file format (versioned, little-endian, a CRC-32C per section)
 * is described in {@code docs/format.md}.
 *
 * <pre>{@code
 * IndexSnapshot.write(index, Path.of("posts.trawl"));      // while the index keeps serving
 * VectorIndex restored = IndexSnapshot.load(Path.of("posts.trawl"));
 * restored.add(newPostId, embedding);                       // a loaded index accepts writes
 * }</pre>
 *
 * <h2>Writing a live index</h2>
 *
 * {@link #write} runs while other threads search, add, update and remove; it takes no index-wide
 * lock and blocks no one (it holds a node's stripe lock only while copying that node's links). It
 * takes a <i>cut</i>: it reads the entry point, copies the link lists of the published nodes, then
 * reads the number of allocated ordinals {@code N} and which of those are published (linked and
 * visible to searches). The snapshot holds exactly the nodes published at the cut, with their
 * vectors, ids, links and attributes (values and bitmaps). Because a node is linked to only once it
 * is published, every node a copied list names is in the cut, so concurrent inserts cost the
 * snapshot no links. (It also takes each node's stripe lock while copying its lists, and the id lock
 * for a moment per 1,024 items to copy attribute values.) So:
 *
 * <ul>
 *   <li>every item whose {@code add}/{@code update}/{@code upsert} returned before {@code write}
 *       was called is in the snapshot, unless it was removed or updated concurrently;
 *   <li>a write racing the snapshot is either in it or not, never half in: an item being updated
 *       appears with its old or new vector (the newer one when both are live at the cut) or, like a
 *       search at that moment, briefly neither; a removal racing the snapshot may or may not be
 *       reflected;
 *   <li>ordinals are kept as they are (deleted nodes included), so a quiescent index round-trips
 *       exactly: the loaded index returns the same results, bit for bit, as the original.
 * </ul>
 *
 * <h2>Atomicity</h2>
 *
 * The file is written to a temporary file in the same directory, forced to disk, renamed over the
 * target atomically, and the directory is forced. A crash leaves either the old file or the new one
 * (and perhaps a stray {@code .NAME.tmp-*} file), never a torn file that loads.
 *
 * <h2>Loading</h2>
 *
 * {@link #load} reads the file through read-only memory mappings and copies each section in bulk
 * into newly allocated heap pages of the index's own layout, after checking every checksum and the
 * graph's structure. The loaded index is an ordinary {@link VectorIndex}: searchable and writable
 * at once. There is no mode that serves searches straight from the mapping: the distance kernels
 * and the graph read {@code float[]}/{@code int[]} pages, and a zero-copy mode would need storage
 * read through {@code MemorySegment}s instead (see {@code docs/format.md}). A truncated, corrupt,
 * wrong-version or wrong-byte-order file fails with a {@link SnapshotException} naming the problem;
 * nothing is returned.
 *
 * <p>All methods are static and thread-safe. {@link #write} allocates a copy of the link lists
 * and attribute values, a few arrays of one entry per ordinal and a 1 MiB buffer; {@link #load}
 * allocates the index.
 */
public final class IndexSnapshot {
  /** The format version this build writes and reads. */
  public static final int FORMAT_VERSION = SnapshotFormat.VERSION;

  private IndexSnapshot() {}

  /**
   * Writes a snapshot of {@code index} to {@code path} atomically, replacing any file there.
   *
   * @param index the index, which may be searched and written meanwhile (see the class comment for
   *     what a concurrent write leaves in the file)
   * @param path the file to write; a temporary file is created beside it and renamed over it
   * @return what was written: parameters, counts and the section table
   * @throws IOException when the file cannot be written (the target is then unchanged)
   */
  public static SnapshotInfo write(VectorIndex index, Path path) throws IOException {
    return SnapshotWriter.write(index, path, SourcePositions.NONE);
  }

  /**
   * Writes a snapshot of {@code index} with the stream {@code positions} it has applied up to, for a
   * consumer that restarts from the snapshot ({@link #loadWithPositions}). For the positions to be an
   * exact cut, no other thread may write to the index meanwhile (a consumer snapshots between
   * batches, on its applying thread); versioned writes make replaying from the positions safe even so.
   *
   * @param index the index
   * @param path the file to write; a temporary file is created beside it and renamed over it
   * @param positions the next offset to consume per source and partition ({@link SourcePositions#NONE}
   *     for none)
   * @return what was written: parameters, counts, the section table and the positions
   * @throws IOException when the file cannot be written (the target is then unchanged)
   */
  public static SnapshotInfo write(VectorIndex index, Path path, SourcePositions positions)
      throws IOException {
    java.util.Objects.requireNonNull(positions, "positions");
    return SnapshotWriter.write(index, path, positions);
  }

  /**
   * Loads a snapshot onto the heap, with the stream positions stored beside it.
   *
   * @param path a file written by {@link #write(VectorIndex, Path, SourcePositions)} (or by
   *     {@link #write(VectorIndex, Path)}: the positions are then empty)
   * @return the index, searchable and writable, and the positions the file holds
   * @throws SnapshotException when the file is not a valid snapshot this build can read, naming why
   * @throws IOException when the file cannot be read
   */
  public static LoadedSnapshot loadWithPositions(Path path) throws IOException {
    return SnapshotReader.loadWithPositions(path);
  }

  /**
   * Loads a snapshot onto the heap.
   *
   * @param path a file written by {@link #write(VectorIndex, Path)}
   * @return the index the file holds, searchable and writable, with the parameters it was built with
   * @throws SnapshotException when the file is not a valid snapshot this build can read, naming why
   * @throws IOException when the file cannot be read (for example {@link
   *     java.nio.file.NoSuchFileException})
   */
  public static VectorIndex load(Path path) throws IOException {
    return SnapshotReader.load(path);
  }

  /**
   * Reads a snapshot's header and section table without loading it (section checksums are not
   * verified; {@link #load} does that).
   *
   * @param path a snapshot file
   * @return the header's parameters and counts, the section table and the stream positions
   * @throws SnapshotException when the header is not a valid snapshot header, naming why
   * @throws IOException when the file cannot be read
   */
  public static SnapshotInfo readInfo(Path path) throws IOException {
    return SnapshotReader.readInfo(path);
  }
}
