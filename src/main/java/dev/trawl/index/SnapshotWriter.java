package dev.trawl.index;

import dev.trawl.hnsw.HnswGraph;
import dev.trawl.index.SnapshotFormat.Kind;
import dev.trawl.vector.VectorStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;
import org.agrona.collections.Long2LongHashMap;

/**
 * Writes one snapshot of a live index: takes the cut (see {@link IndexSnapshot}), streams the
 * sections to a temporary file next to the target through one direct buffer, checksumming as it
 * goes, writes the header last, forces the file to disk, renames it over the target atomically and
 * forces the directory. One writer per call; allocates a few arrays of one entry per ordinal.
 */
final class SnapshotWriter {
  private static final int BUFFER_BYTES = 1 << 20;

  private final VectorIndex index;
  private final HnswGraph graph;
  private final VectorStore vectors;
  private final int dimension;
  private final int m;

  // the cut
  private int ordinals;
  private int[] levels;
  private long[] deleted;
  private int entryNode = -1;
  private int entryLevel = -1;
  private int published;
  private int live;
  private long upperInts;

  // output
  private FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();
  private long written;

  private SnapshotWriter(VectorIndex index) {
    this.index = index;
    this.graph = index.graph();
    this.vectors = graph.vectors();
    this.dimension = vectors.dimension();
    this.m = graph.m();
  }

  static SnapshotInfo write(VectorIndex index, Path path) throws IOException {
    return new SnapshotWriter(index).writeTo(path);
  }

  private SnapshotInfo writeTo(Path path) throws IOException {
    final Path target = path.toAbsolutePath();
    final Path dir = target.getParent();
    takeCut();
    final Path temp =
        dir.resolve("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    boolean moved = false;
    try {
      final SnapshotInfo info;
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        channel = ch;
        info = writeSections(target);
        ch.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "cannot write " + target + " atomically: the file system does not support atomic rename", e);
      }
      moved = true;
      forceDirectory(dir);
      return info;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  // ---------------------------------------------------------------- the cut

  /**
   * Reads the entry point, then the allocated count, then every node's published level. A node
   * published after its level was read is left out, and so are links to it; see
   * {@link IndexSnapshot} for what that means for concurrent writes.
   */
  private void takeCut() {
    final int entry = graph.entryNode(); // read first: the entry node is published before it is set
    ordinals = graph.size();
    levels = new int[ordinals];
    deleted = new long[(ordinals + 63) >>> 6];
    for (int o = 0; o < ordinals; o++) {
      levels[o] = graph.publishedLevel(o);
    }
    int best = entry >= 0 && entry < ordinals ? entry : -1;
    for (int o = 0; o < ordinals; o++) {
      // a node published after the entry was read may have a higher level: the highest one leads.
      // Deleted nodes never take over: repair moves the entry off a deleted node, and so does this.
      if (levels[o] >= 0 && (best < 0 || levels[o] > levels[best]) && !graph.isDeleted(o)) {
        best = o;
      }
    }
    entryNode = best;
    entryLevel = best < 0 ? -1 : levels[best];
    final Long2LongHashMap liveIds = VectorIndex.newIdMap(ordinals);
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] < 0 || graph.isDeleted(o)) {
        markDeleted(o);
        continue;
      }
      // an update racing the cut can leave its old and new ordinal both live: the newer one wins
      final long previous = liveIds.put(index.idOf(o), o);
      if (previous != VectorIndex.MISSING) {
        markDeleted((int) previous);
      }
    }
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] >= 0) {
        published++;
        upperInts += (long) levels[o] * (1 + m);
      }
    }
    live = liveIds.size();
  }

  private void markDeleted(int ordinal) {
    deleted[ordinal >>> 6] |= 1L << ordinal;
  }

  // ---------------------------------------------------------------- the file

  private SnapshotInfo writeSections(Path target) throws IOException {
    final Kind[] kinds = Kind.values();
    final long[] lengths = {
      (long) ordinals * dimension * 4,
      (long) ordinals * 4,
      (long) ordinals * (1 + 2 * m) * 4,
      upperInts * 4,
      (long) ordinals * 8,
      (long) deleted.length * 8,
    };
    final int headerLength = SnapshotFormat.headerLength(kinds.length);
    final long[] offsets = new long[kinds.length];
    long end = headerLength;
    for (int s = 0; s < kinds.length; s++) {
      offsets[s] = SnapshotFormat.align(end);
      end = offsets[s] + lengths[s];
    }
    final int[] crcs = new int[kinds.length];
    written = 0;
    for (int s = 0; s < kinds.length; s++) {
      zerosUntil(offsets[s]);
      crc.reset();
      writeSection(kinds[s]);
      flush();
      if (written != offsets[s] + lengths[s]) {
        throw new IllegalStateException(
            "snapshot writer bug: section " + kinds[s] + " wrote " + (written - offsets[s]) + " bytes, planned "
                + lengths[s]);
      }
      crcs[s] = (int) crc.getValue();
    }
    final ByteBuffer header = ByteBuffer.allocate(headerLength).order(ByteOrder.LITTLE_ENDIAN);
    header.putLong(SnapshotFormat.AT_MAGIC, SnapshotFormat.MAGIC);
    header.putInt(SnapshotFormat.AT_BYTE_ORDER, SnapshotFormat.BYTE_ORDER_MARK);
    header.putInt(SnapshotFormat.AT_VERSION, SnapshotFormat.VERSION);
    header.putInt(SnapshotFormat.AT_HEADER_LENGTH, headerLength);
    header.putInt(SnapshotFormat.AT_SECTION_COUNT, kinds.length);
    header.putInt(SnapshotFormat.AT_METRIC, SnapshotFormat.metricCode(vectors.metric()));
    header.putInt(SnapshotFormat.AT_DIMENSION, dimension);
    header.putInt(SnapshotFormat.AT_M, m);
    header.putInt(SnapshotFormat.AT_EF_CONSTRUCTION, graph.efConstruction());
    header.putLong(SnapshotFormat.AT_SEED, graph.seed());
    header.putInt(SnapshotFormat.AT_ORDINALS, ordinals);
    header.putInt(SnapshotFormat.AT_LIVE, live);
    header.putInt(SnapshotFormat.AT_ENTRY_NODE, entryNode);
    header.putInt(SnapshotFormat.AT_ENTRY_LEVEL, entryLevel);
    header.putInt(SnapshotFormat.AT_PUBLISHED, published);
    header.putInt(SnapshotFormat.AT_RESERVED, 0);
    final List<SnapshotInfo.Section> sections = new ArrayList<>();
    for (int s = 0; s < kinds.length; s++) {
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      header.putInt(at, kinds[s].code);
      header.putInt(at + 4, SnapshotFormat.FLAG_REQUIRED);
      header.putLong(at + 8, offsets[s]);
      header.putLong(at + 16, lengths[s]);
      header.putInt(at + 24, crcs[s]);
      header.putInt(at + 28, 0);
      sections.add(new SnapshotInfo.Section(kinds[s].name(), kinds[s].code, offsets[s], lengths[s], crcs[s]));
    }
    crc.reset();
    crc.update(header.array(), 0, headerLength - 4);
    header.putInt(headerLength - 4, (int) crc.getValue());
    header.clear();
    while (header.hasRemaining()) {
      channel.write(header, header.position());
    }
    return new SnapshotInfo(
        SnapshotFormat.VERSION, vectors.metric(), dimension, m, graph.efConstruction(), graph.seed(),
        ordinals, published, live, entryNode, entryLevel, end, sections);
  }

  private void writeSection(Kind kind) throws IOException {
    switch (kind) {
      case VECTORS:
        for (int o = 0; o < ordinals; o++) {
          if (levels[o] >= 0) {
            putFloats(vectors.page(o), vectors.offset(o), dimension);
          } else {
            zeros(4L * dimension);
          }
        }
        break;
      case NODE_LEVELS:
        for (int o = 0; o < ordinals; o++) {
          putInt(levels[o]);
        }
        break;
      case LINKS_LEVEL0:
        {
          final int[] links = new int[2 * m];
          for (int o = 0; o < ordinals; o++) {
            putLinks(o, 0, links, 2 * m);
          }
        }
        break;
      case LINKS_UPPER:
        {
          final int[] links = new int[2 * m];
          for (int o = 0; o < ordinals; o++) {
            for (int level = 1; level <= levels[o]; level++) {
              putLinks(o, level, links, m);
            }
          }
        }
        break;
      case IDS:
        for (int o = 0; o < ordinals; o++) {
          putLong(levels[o] >= 0 ? index.idOf(o) : 0L);
        }
        break;
      case TOMBSTONES:
        for (long word : deleted) {
          putLong(word);
        }
        break;
      default:
        throw new IllegalStateException("no writer for section " + kind);
    }
  }

  /**
   * Writes one link list: the count, the links, zero padding to {@code slots}. Links to nodes outside
   * the cut (allocated or published after it) are dropped.
   */
  private void putLinks(int node, int level, int[] scratch, int slots) throws IOException {
    int kept = 0;
    if (levels[node] >= level) {
      final int count = graph.copyLinks(node, level, scratch);
      for (int i = 0; i < count; i++) {
        final int target = scratch[i];
        if (target >= 0 && target < ordinals && levels[target] >= level) {
          scratch[kept++] = target;
        }
      }
    }
    putInt(kept);
    for (int i = 0; i < kept; i++) {
      putInt(scratch[i]);
    }
    zeros(4L * (slots - kept));
  }

  // ---------------------------------------------------------------- buffered output

  private void putInt(int value) throws IOException {
    if (buffer.remaining() < 4) {
      flush();
    }
    buffer.putInt(value);
  }

  private void putLong(long value) throws IOException {
    if (buffer.remaining() < 8) {
      flush();
    }
    buffer.putLong(value);
  }

  private void putFloats(float[] src, int offset, int length) throws IOException {
    int done = 0;
    while (done < length) {
      if (buffer.remaining() < 4) {
        flush();
      }
      final int n = Math.min(length - done, buffer.remaining() / 4);
      buffer.asFloatBuffer().put(src, offset + done, n);
      buffer.position(buffer.position() + 4 * n);
      done += n;
    }
  }

  private void zeros(long bytes) throws IOException {
    long left = bytes;
    for (; left >= 8; left -= 8) {
      putLong(0L);
    }
    for (; left >= 4; left -= 4) {
      putInt(0);
    }
  }

  /** Pads with zeros, outside any checksum, up to {@code offset} (less than a header plus 64 bytes). */
  private void zerosUntil(long offset) throws IOException {
    flush();
    written += writeFully(ByteBuffer.allocate((int) (offset - written)));
  }

  /** Writes the buffered bytes of the current section, adding them to its checksum. */
  private void flush() throws IOException {
    buffer.flip();
    crc.update(buffer.duplicate());
    written += writeFully(buffer);
    buffer.clear();
  }

  private int writeFully(ByteBuffer bytes) throws IOException {
    final int n = bytes.remaining();
    while (bytes.hasRemaining()) {
      channel.write(bytes, written + (n - bytes.remaining()));
    }
    return n;
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // some platforms cannot open or sync a directory; the rename itself was atomic
    }
  }
}
