package dev.trawl.index;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.AttributeSchema;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.hnsw.GraphSnapshotReader;
import dev.trawl.hnsw.GraphSnapshotWriter;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.hnsw.SectionOutput;
import dev.trawl.index.SnapshotFormat.Kind;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Lock;
import java.util.zip.CRC32C;
import org.agrona.collections.Long2LongHashMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * Writes one snapshot of a live index: takes the cut (the graph's, by {@link GraphSnapshotWriter},
 * then the index's ids, attributes and versions; see {@link IndexSnapshot}), streams the sections to
 * a temporary file next to the target through one direct buffer, checksumming as it goes, writes the
 * header last, forces the file to disk, renames it over the target atomically and forces the
 * directory. The graph sections' content is written by {@code dev.trawl.hnsw}; this class owns the
 * file around them. One writer per call; allocates a copy of the link lists (about the size of the
 * file's link sections), the attribute values and a few arrays of one entry per ordinal.
 */
final class SnapshotWriter implements SectionOutput {
  private static final int BUFFER_BYTES = 1 << 20;

  private final VectorIndex index;
  private final HnswGraph graph;
  private final int dimension;
  private final int m;

  // the cut
  private GraphSnapshotWriter cut;
  private int ordinals;
  private int live;
  private int deletedAtLastRepair;
  /** The index's attribute schema, its names in UTF-8 (keyed, then flags) unless it is the feed's. */
  private final AttributeSchema schema;
  private final byte[][] schemaNames;
  /** Attribute values by page of {@link AttributeIndex#PAGE_ORDINALS} ordinals, schema width each. */
  private long[][] attributeValues;
  /** Per field (each keyed attribute, then the flags): key to serialised bitmap, keys ascending. */
  private List<TreeMap<Long, byte[]>> attributeBitmaps;
  private long attributeBitmapBytes;
  /** Version per ordinal of the cut, or null when no live item has one and no removal is remembered. */
  private long[] versions;
  /** The remembered removals as (id, version) pairs, oldest first. */
  private long[] removals;
  private final SourcePositions positions;
  private byte[][] sourceNames;

  // output
  private FileChannel channel;
  private final ByteBuffer buffer =
      ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();
  private long written;

  private SnapshotWriter(VectorIndex index, SourcePositions positions) {
    this.index = index;
    this.positions = positions;
    this.graph = index.graph();
    this.dimension = graph.vectors().dimension();
    this.m = graph.m();
    this.schema = index.attributeSchema();
    this.schemaNames = schema.sameAs(AttributeSchema.feed()) ? null : names(schema);
  }

  private static byte[][] names(AttributeSchema schema) {
    final int keyed = schema.keyedCount();
    final byte[][] names = new byte[keyed + schema.flagCount()][];
    for (int i = 0; i < names.length; i++) {
      final String name = i < keyed ? schema.keyedName(i) : schema.flagName(i - keyed);
      names[i] = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return names;
  }

  static SnapshotInfo write(VectorIndex index, Path path, SourcePositions positions)
      throws IOException {
    // No ordinal is freed (and so none reused) while the snapshot reads the graph: a node in the cut
    // keeps its vector, lists and id until the file is written.
    final Lock hold = index.graph().reclaimer().snapshotHold();
    hold.lock();
    try {
      return new SnapshotWriter(index, positions).writeTo(path);
    } finally {
      hold.unlock();
    }
  }

  private SnapshotInfo writeTo(Path path) throws IOException {
    final Path target = path.toAbsolutePath();
    final Path dir = target.getParent();
    takeCut();
    final Path temp =
        dir.resolve(
            "."
                + target.getFileName()
                + ".tmp-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
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
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "cannot write "
                + target
                + " atomically: the file system does not support atomic rename",
            e);
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
   * Takes the graph's cut, then copies the attributes, ids and versions of the ordinals in it. A node
   * published after its level was read is left out, and so are links to it; see {@link
   * IndexSnapshot} for what that means for concurrent writes.
   */
  private void takeCut() {
    cut = GraphSnapshotWriter.cut(graph);
    ordinals = cut.ordinals();
    copyAttributeValues();
    final Long2LongHashMap liveIds = new Long2LongHashMap(Math.max(8, ordinals * 2), 0.7f, -1L);
    for (int o = 0; o < ordinals; o++) {
      if (isDeleted(o)) {
        continue;
      }
      // an update racing the cut can leave its old and new ordinal both live: the newer one wins
      final long previous = liveIds.put(index.idOf(o), o);
      if (previous != -1L) {
        cut.markDeleted((int) previous);
      }
    }
    live = liveIds.size();
    // The loaded graph counts its tombstones as its deletions, so the repair schedule resumes from the
    // deletions made since the last repair, whatever the live index's count (reused ordinals make
    // that larger than the ordinals).
    final int deletedInCut = cut.deletedCount();
    final long sinceRepair = (long) graph.deletedCount() - index.deletedAtLastRepair();
    deletedAtLastRepair = (int) Math.max(0, Math.min(ordinals, deletedInCut - Math.max(0, sinceRepair)));
    buildAttributeBitmaps();
    copyVersions();
  }

  /**
   * Reads the version of every live item of the cut and the remembered removals. A write racing the
   * cut may leave an item's version newer than its vector in the cut; a snapshot meant for replay is
   * taken while no write runs (see {@code docs/streaming.md}).
   */
  private void copyVersions() {
    removals = index.copyRemovals();
    final long[] perOrdinal = new long[ordinals];
    boolean any = removals.length > 0;
    for (int o = 0; o < ordinals; o++) {
      perOrdinal[o] = isDeleted(o) ? VectorIndex.NO_VERSION : index.version(index.idOf(o));
      any |= perOrdinal[o] != VectorIndex.NO_VERSION;
    }
    versions = any ? perOrdinal : null;
    sourceNames = new byte[positions.size()][];
    for (int i = 0; i < sourceNames.length; i++) {
      sourceNames[i] = positions.source(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /**
   * Copies every ordinal's attribute values, a page at a time under the index's id lock. A removal or
   * an update clears the old ordinal's attributes only after tombstoning it, so an ordinal found
   * deleted right after its copy is marked deleted here too: the item is then left out whole rather
   * than kept without its attributes.
   */
  private void copyAttributeValues() {
    final int perPage = AttributeIndex.PAGE_ORDINALS;
    attributeValues = new long[(ordinals + perPage - 1) / perPage][];
    final ItemAttributes scratch = new ItemAttributes(schema);
    for (int p = 0; p < attributeValues.length; p++) {
      final int from = p * perPage;
      final int to = Math.min(ordinals, from + perPage);
      final long[] page = new long[schema.width() * (to - from)];
      index.copyAttributeValues(from, to, page, scratch);
      for (int o = from; o < to; o++) {
        cut.markIfDeletedSince(o);
      }
      attributeValues[p] = page;
    }
  }

  /**
   * Clears the values of ordinals that are not live and derives the bitmaps from the values of the
   * live ones, so that values and bitmaps describe the same cut. Leaves both null when no live item
   * has an attribute.
   */
  private void buildAttributeBitmaps() {
    final int keyed = schema.keyedCount();
    final List<TreeMap<Long, RoaringBitmap>> bitmaps = new ArrayList<>();
    for (int f = 0; f <= keyed; f++) {
      bitmaps.add(new TreeMap<>());
    }
    boolean any = false;
    for (int o = 0; o < ordinals; o++) {
      final long[] page = attributeValues[o / AttributeIndex.PAGE_ORDINALS];
      final int at = schema.width() * (o % AttributeIndex.PAGE_ORDINALS);
      if (isDeleted(o)) {
        Arrays.fill(page, at, at + keyed, ItemAttributes.NONE);
        page[at + keyed] = 0L;
        continue;
      }
      for (int f = 0; f < keyed; f++) {
        if (page[at + f] != ItemAttributes.NONE) {
          bitmaps.get(f).computeIfAbsent(page[at + f], k -> new RoaringBitmap()).add(o);
          any = true;
        }
      }
      for (long bits = page[at + keyed]; bits != 0; bits &= bits - 1) {
        bitmaps.get(keyed).computeIfAbsent((long) Long.numberOfTrailingZeros(bits), k -> new RoaringBitmap()).add(o);
        any = true;
      }
    }
    if (!any) {
      attributeValues = null;
      return;
    }
    attributeBitmaps = new ArrayList<>();
    attributeBitmapBytes = 0;
    for (TreeMap<Long, RoaringBitmap> field : bitmaps) {
      final TreeMap<Long, byte[]> serialised = new TreeMap<>();
      attributeBitmapBytes += 4;
      for (Map.Entry<Long, RoaringBitmap> e : field.entrySet()) {
        final RoaringBitmap bitmap = e.getValue();
        bitmap.runOptimize();
        final byte[] bytes = new byte[bitmap.serializedSizeInBytes()];
        bitmap.serialize(ByteBuffer.wrap(bytes));
        serialised.put(e.getKey(), bytes);
        attributeBitmapBytes += 8 + 4 + bytes.length;
      }
      attributeBitmaps.add(serialised);
    }
  }

  private boolean isDeleted(int ordinal) {
    return cut.isDeleted(ordinal);
  }

  // ---------------------------------------------------------------- the file

  private SnapshotInfo writeSections(Path target) throws IOException {
    final List<Kind> present = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (isPresent(kind)) {
        present.add(kind);
      }
    }
    final Kind[] kinds = present.toArray(new Kind[0]);
    final long[] lengths = new long[kinds.length];
    for (int s = 0; s < kinds.length; s++) {
      lengths[s] = length(kinds[s]);
    }
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
            "snapshot writer bug: section "
                + kinds[s]
                + " wrote "
                + (written - offsets[s])
                + " bytes, planned "
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
    // one record of the header's fields, written here and returned in the info, so the two agree
    final GraphSnapshotReader.Header fields = new GraphSnapshotReader.Header(graph.vectors().metric(),
        dimension, m, graph.efConstruction(), graph.seed(), ordinals, cut.published(), live,
        cut.entryNode(), cut.entryLevel(), deletedAtLastRepair);
    header.putInt(SnapshotFormat.AT_METRIC, SnapshotFormat.metricCode(fields.metric()));
    header.putInt(SnapshotFormat.AT_DIMENSION, fields.dimension());
    header.putInt(SnapshotFormat.AT_M, fields.m());
    header.putInt(SnapshotFormat.AT_EF_CONSTRUCTION, fields.efConstruction());
    header.putLong(SnapshotFormat.AT_SEED, fields.seed());
    header.putInt(SnapshotFormat.AT_ORDINALS, fields.ordinals());
    header.putInt(SnapshotFormat.AT_LIVE, fields.live());
    header.putInt(SnapshotFormat.AT_ENTRY_NODE, fields.entryNode());
    header.putInt(SnapshotFormat.AT_ENTRY_LEVEL, fields.entryLevel());
    header.putInt(SnapshotFormat.AT_PUBLISHED, fields.published());
    header.putInt(SnapshotFormat.AT_DELETED_AT_LAST_REPAIR, fields.deletedAtLastRepair());
    final List<SnapshotInfo.Section> sections = new ArrayList<>();
    for (int s = 0; s < kinds.length; s++) {
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      header.putInt(at, kinds[s].code);
      header.putInt(at + 4, kinds[s].flags());
      header.putLong(at + 8, offsets[s]);
      header.putLong(at + 16, lengths[s]);
      header.putInt(at + 24, crcs[s]);
      header.putInt(at + 28, 0);
      sections.add(
          new SnapshotInfo.Section(
              kinds[s].name(), kinds[s].code, offsets[s], lengths[s], crcs[s]));
    }
    crc.reset();
    crc.update(header.array(), 0, headerLength - 4);
    header.putInt(headerLength - 4, (int) crc.getValue());
    header.clear();
    while (header.hasRemaining()) {
      channel.write(header, header.position());
    }
    return SnapshotInfo.of(fields, end, sections, positions);
  }

  private boolean isPresent(Kind kind) {
    if (kind.graph != null) {
      return cut.has(kind.graph);
    }
    switch (kind) {
      case ATTRIBUTE_VALUES:
      case ATTRIBUTE_BITMAPS:
        return attributeValues != null;
      case VERSIONS:
      case REMOVALS:
        return versions != null;
      case SOURCE_POSITIONS:
        return positions.size() > 0;
      case ATTRIBUTE_SCHEMA:
        return schemaNames != null;
      default:
        return kind.alwaysPresent;
    }
  }

  private long length(Kind kind) {
    if (kind.graph != null) {
      return cut.length(kind.graph);
    }
    final long fixed = SnapshotFormat.fixedLength(kind, ordinals, dimension, m);
    if (fixed >= 0) {
      return fixed;
    }
    switch (kind) {
      case ATTRIBUTE_VALUES:
        return (long) ordinals * schema.width() * 8;
      case ATTRIBUTE_BITMAPS:
        return attributeBitmapBytes;
      case REMOVALS:
        return 16 + (long) removals.length * 8;
      case SOURCE_POSITIONS:
        {
          long bytes = 4;
          for (byte[] name : sourceNames) {
            bytes += 4 + 8 + 4 + name.length;
          }
          return bytes;
        }
      case ATTRIBUTE_SCHEMA:
        {
          long bytes = 8;
          for (byte[] name : schemaNames) {
            bytes += 4 + name.length;
          }
          return bytes;
        }
      default:
        throw new IllegalStateException("no length for section " + kind);
    }
  }

  private void writeSection(Kind kind) throws IOException {
    if (kind.graph != null) {
      cut.write(kind.graph, this);
      return;
    }
    switch (kind) {
      case IDS:
        for (int o = 0; o < ordinals; o++) {
          putLong(cut.isPublished(o) ? index.idOf(o) : 0L);
        }
        break;
      case ATTRIBUTE_VALUES:
        for (long[] page : attributeValues) {
          for (long value : page) {
            putLong(value);
          }
        }
        break;
      case ATTRIBUTE_BITMAPS:
        for (TreeMap<Long, byte[]> field : attributeBitmaps) {
          putInt(field.size());
          for (Map.Entry<Long, byte[]> e : field.entrySet()) {
            putLong(e.getKey());
            putInt(e.getValue().length);
            putBytes(e.getValue());
          }
        }
        break;
      case VERSIONS:
        for (long version : versions) {
          putLong(version);
        }
        break;
      case REMOVALS:
        putLong(index.removalMemory());
        putLong(removals.length / 2);
        for (long value : removals) {
          putLong(value);
        }
        break;
      case SOURCE_POSITIONS:
        putInt(sourceNames.length);
        for (int i = 0; i < sourceNames.length; i++) {
          putInt(positions.partition(i));
          putLong(positions.offset(i));
          putInt(sourceNames[i].length);
          putBytes(sourceNames[i]);
        }
        break;
      case ATTRIBUTE_SCHEMA:
        putInt(schema.keyedCount());
        putInt(schema.flagCount());
        for (byte[] name : schemaNames) {
          putInt(name.length);
          putBytes(name);
        }
        break;
      default:
        throw new IllegalStateException("no writer for section " + kind);
    }
  }

  // ---------------------------------------------------------------- buffered output

  @Override
  public void putInt(int value) throws IOException {
    if (buffer.remaining() < 4) {
      flush();
    }
    buffer.putInt(value);
  }

  @Override
  public void putLong(long value) throws IOException {
    if (buffer.remaining() < 8) {
      flush();
    }
    buffer.putLong(value);
  }

  private void putBytes(byte[] src) throws IOException {
    for (int done = 0; done < src.length; ) {
      if (!buffer.hasRemaining()) {
        flush();
      }
      final int n = Math.min(src.length - done, buffer.remaining());
      buffer.put(src, done, n);
      done += n;
    }
  }

  @Override
  public void putFloats(float[] src, int offset, int length) throws IOException {
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

  @Override
  public void zeros(long bytes) throws IOException {
    long left = bytes;
    for (; left >= 8; left -= 8) {
      putLong(0L);
    }
    for (; left >= 4; left -= 4) {
      putInt(0);
    }
  }

  /**
   * Pads with zeros, outside any checksum, up to {@code offset} (less than a header plus 64 bytes).
   */
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
