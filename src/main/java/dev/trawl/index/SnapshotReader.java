package dev.trawl.index;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.KeyedBitmaps;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.index.SnapshotFormat.Kind;
import dev.trawl.vector.Metric;
import dev.trawl.vector.PagedArray;
import dev.trawl.vector.VectorStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.agrona.collections.Long2LongHashMap;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Validates and loads one snapshot file. Everything is checked before the index is handed out: the
 * header (magic, byte order, version, checksum, parameters), the section table against the file
 * size, the zero padding between sections, every section's CRC-32C, and then the structure (levels,
 * link counts and targets, tombstones, unique ids, the entry point). Sections are read through
 * read-only memory mappings of at most 1 GiB and copied in bulk into freshly allocated heap pages.
 * Any failure throws a {@link SnapshotException}; the partly built index is dropped, never
 * returned.
 *
 * <p>One reader per load; not shared.
 */
final class SnapshotReader {
  /** Largest mapping: a multiple of every element size, so no element straddles two mappings. */
  static final long CHUNK = 1L << 30;
  private static final long SMALL = 1L << 16;

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final long chunkBytes;

  // header
  private Metric metric;
  private int dimension;
  private int m;
  private int efConstruction;
  private long seed;
  private int ordinals;
  private int live;
  private int entryNode;
  private int entryLevel;
  private int published;
  private int deletedAtLastRepair;
  private final List<SnapshotInfo.Section> sections = new ArrayList<>();
  private final SnapshotInfo.Section[] known = new SnapshotInfo.Section[Kind.values().length];

  private SnapshotReader(Path path, FileChannel channel, long fileSize, long chunkBytes) {
    this.path = path;
    this.channel = channel;
    this.fileSize = fileSize;
    this.chunkBytes = chunkBytes;
  }

  /** Reads and checks the header and section table only. */
  static SnapshotInfo readInfo(Path path) throws IOException {
    return run(path, false, CHUNK).info;
  }

  /** Loads the whole index onto the heap. */
  static VectorIndex load(Path path) throws IOException {
    return run(path, true, CHUNK).index;
  }

  /** Loads with mappings of at most {@code chunkBytes} (a multiple of 8), to test chunking. */
  static VectorIndex load(Path path, long chunkBytes) throws IOException {
    if (chunkBytes <= 0 || chunkBytes % 8 != 0) {
      throw new IllegalArgumentException("chunkBytes must be a positive multiple of 8, got " + chunkBytes);
    }
    return run(path, true, chunkBytes).index;
  }

  private record Result(SnapshotInfo info, VectorIndex index) {}

  private static Result run(Path path, boolean load, long chunkBytes) throws IOException {
    if (!Files.isRegularFile(path)) {
      if (!Files.exists(path)) {
        throw new java.nio.file.NoSuchFileException(path.toString(), null, "no such snapshot file");
      }
      throw new SnapshotException(path + ": not a regular file");
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      final SnapshotReader reader = new SnapshotReader(path, ch, ch.size(), chunkBytes);
      try {
        reader.readHeader();
        if (!load) {
          return new Result(reader.info(), null);
        }
        reader.checkPaddingAndChecksums();
        return new Result(reader.info(), reader.restore());
      } catch (RuntimeException e) {
        // validation should have caught everything; never let a malformed file escape unchecked
        throw reader.corrupt("malformed snapshot (" + e + ")", e);
      }
    }
  }

  private SnapshotInfo info() {
    return new SnapshotInfo(
        SnapshotFormat.VERSION,
        metric,
        dimension,
        m,
        efConstruction,
        seed,
        ordinals,
        published,
        live,
        entryNode,
        entryLevel,
        fileSize,
        sections);
  }

  // ---------------------------------------------------------------- header and table

  private void readHeader() throws IOException {
    final ByteBuffer fixed = read(0, (int) Math.min(fileSize, SnapshotFormat.FIXED_HEADER));
    if (fileSize < 8 || fixed.getLong(SnapshotFormat.AT_MAGIC) != SnapshotFormat.MAGIC) {
      throw corrupt("not a Trawl snapshot (the file does not start with \"TRAWLSNP\")");
    }
    if (fileSize < SnapshotFormat.FIXED_HEADER) {
      throw corrupt(
          "truncated: the file has "
              + fileSize
              + " bytes, fewer than the "
              + SnapshotFormat.FIXED_HEADER
              + "-byte header");
    }
    final int mark = fixed.getInt(SnapshotFormat.AT_BYTE_ORDER);
    if (mark == Integer.reverseBytes(SnapshotFormat.BYTE_ORDER_MARK)) {
      throw corrupt(
          "written in big-endian byte order; snapshots are little-endian and this reader reads no"
              + " other");
    }
    if (mark != SnapshotFormat.BYTE_ORDER_MARK) {
      throw corrupt(
          "corrupt byte-order marker 0x" + Integer.toHexString(mark) + " (expected 0x0a0b0c0d)");
    }
    final int version = fixed.getInt(SnapshotFormat.AT_VERSION);
    if (version != SnapshotFormat.VERSION) {
      throw corrupt(
          "format version "
              + version
              + " is not supported; this build reads version "
              + SnapshotFormat.VERSION);
    }
    final int count = fixed.getInt(SnapshotFormat.AT_SECTION_COUNT);
    final int headerLength = fixed.getInt(SnapshotFormat.AT_HEADER_LENGTH);
    if (count < 1
        || count > SnapshotFormat.MAX_SECTIONS
        || headerLength != SnapshotFormat.headerLength(count)) {
      throw corrupt("corrupt header: " + count + " sections in a " + headerLength + "-byte header");
    }
    if (fileSize < headerLength) {
      throw corrupt(
          "truncated: the file has " + fileSize + " bytes, the header alone needs " + headerLength);
    }
    final ByteBuffer header = read(0, headerLength);
    final CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, headerLength - 4);
    final int stored = header.getInt(headerLength - 4);
    if (stored != (int) crc.getValue()) {
      throw corrupt(
          "header checksum mismatch (stored "
              + hex(stored)
              + ", computed "
              + hex((int) crc.getValue())
              + "): the file is corrupt");
    }
    readFields(header);
    readTable(header, count);
  }

  private void readFields(ByteBuffer h) throws SnapshotException {
    metric = SnapshotFormat.metricOf(h.getInt(SnapshotFormat.AT_METRIC));
    dimension = h.getInt(SnapshotFormat.AT_DIMENSION);
    m = h.getInt(SnapshotFormat.AT_M);
    efConstruction = h.getInt(SnapshotFormat.AT_EF_CONSTRUCTION);
    seed = h.getLong(SnapshotFormat.AT_SEED);
    ordinals = h.getInt(SnapshotFormat.AT_ORDINALS);
    live = h.getInt(SnapshotFormat.AT_LIVE);
    entryNode = h.getInt(SnapshotFormat.AT_ENTRY_NODE);
    entryLevel = h.getInt(SnapshotFormat.AT_ENTRY_LEVEL);
    published = h.getInt(SnapshotFormat.AT_PUBLISHED);
    if (metric == null) {
      throw corrupt("unknown metric code " + h.getInt(SnapshotFormat.AT_METRIC));
    }
    if (dimension < 1
        || m < 2
        || m > 512
        || efConstruction < 1) {
      throw corrupt(
          "impossible parameters: dimension "
              + dimension
              + ", M "
              + m
              + ", efConstruction "
              + efConstruction);
    }
    deletedAtLastRepair = h.getInt(SnapshotFormat.AT_DELETED_AT_LAST_REPAIR);
    if (deletedAtLastRepair < 0 || deletedAtLastRepair > Math.max(0, ordinals)) {
      throw corrupt("impossible deleted count at the last repair: " + deletedAtLastRepair);
    }
    if (ordinals < 0 || published < 0 || published > ordinals || live < 0 || live > published) {
      throw corrupt(
          "impossible counts: "
              + ordinals
              + " ordinals, "
              + published
              + " published, "
              + live
              + " live");
    }
    if (entryNode < -1
        || entryNode >= ordinals
        || entryLevel < -1
        || entryLevel > HnswGraph.MAX_LEVEL
        || (entryNode < 0) != (entryLevel < 0)
        || (entryNode < 0) != (published == 0)) {
      throw corrupt("impossible entry point: node " + entryNode + " at level " + entryLevel);
    }
  }

  private void readTable(ByteBuffer h, int count) throws SnapshotException {
    long previousEnd = SnapshotFormat.headerLength(count);
    for (int s = 0; s < count; s++) {
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      final int code = h.getInt(at);
      final int flags = h.getInt(at + 4);
      final long offset = h.getLong(at + 8);
      final long length = h.getLong(at + 16);
      final int crc = h.getInt(at + 24);
      final Kind kind = Kind.of(code);
      final String name = kind != null ? kind.name() : "kind-" + code;
      if (kind == null && (flags & SnapshotFormat.FLAG_REQUIRED) != 0) {
        throw corrupt(
            "section "
                + name
                + " is required but unknown to this reader (written by a newer Trawl?)");
      }
      if (offset < previousEnd
          || offset % SnapshotFormat.ALIGNMENT != 0
          || length < 0
          || offset - previousEnd >= SnapshotFormat.ALIGNMENT) {
        throw corrupt(
            "corrupt section table: section "
                + name
                + " at offset "
                + offset
                + ", length "
                + length);
      }
      final long end = offset + length;
      if (end > fileSize) {
        throw corrupt(
            "truncated: section "
                + name
                + " needs bytes ["
                + offset
                + ", "
                + end
                + ") but the file has "
                + fileSize
                + " bytes");
      }
      final SnapshotInfo.Section section =
          new SnapshotInfo.Section(name, code, offset, length, crc);
      if (kind != null) {
        if (known[kind.ordinal()] != null) {
          throw corrupt("corrupt section table: section " + name + " appears twice");
        }
        known[kind.ordinal()] = section;
      }
      sections.add(section);
      previousEnd = end;
    }
    if (fileSize > previousEnd) {
      throw corrupt((fileSize - previousEnd) + " unexpected bytes after the last section");
    }
    if ((known[Kind.ATTRIBUTE_VALUES.ordinal()] == null) != (known[Kind.ATTRIBUTE_BITMAPS.ordinal()] == null)) {
      throw corrupt("sections ATTRIBUTE_VALUES and ATTRIBUTE_BITMAPS must come together");
    }
    for (Kind kind : Kind.values()) {
      final SnapshotInfo.Section section = known[kind.ordinal()];
      if (section == null) {
        if (kind.alwaysPresent) {
          throw corrupt("section " + kind + " is missing");
        }
        continue;
      }
      final long expected = expectedLength(kind);
      if (expected >= 0 && section.length() != expected) {
        throw corrupt(
            "section "
                + kind
                + " has "
                + section.length()
                + " bytes, expected "
                + expected
                + " for "
                + ordinals
                + " ordinals");
      }
      if (section.length() % kind.elementBytes != 0) {
        throw corrupt(
            "section " + kind + " has " + section.length() + " bytes, not whole elements");
      }
    }
  }

  /** The length a section must have, or -1 when it depends on the levels. */
  private long expectedLength(Kind kind) {
    switch (kind) {
      case VECTORS:
        return (long) ordinals * dimension * 4;
      case NODE_LEVELS:
        return (long) ordinals * 4;
      case LINKS_LEVEL0:
        return (long) ordinals * (1 + 2 * m) * 4;
      case IDS:
        return (long) ordinals * 8;
      case TOMBSTONES:
        return ((ordinals + 63L) >>> 6) * 8;
      case ATTRIBUTE_VALUES:
        return (long) ordinals * 4 * 8;
      default:
        return -1;
    }
  }

  private void checkPaddingAndChecksums() throws IOException {
    long previousEnd = SnapshotFormat.headerLength(sections.size());
    for (SnapshotInfo.Section section : sections) {
      final ByteBuffer gap = read(previousEnd, (int) (section.offset() - previousEnd));
      for (int i = 0; i < gap.limit(); i++) {
        if (gap.get(i) != 0) {
          throw corrupt(
              "non-zero byte in the padding at offset "
                  + (previousEnd + i)
                  + ": the file is corrupt");
        }
      }
      final CRC32C crc = new CRC32C();
      for (long at = 0; at < section.length(); at += chunkBytes) {
        crc.update(map(section.offset() + at, Math.min(chunkBytes, section.length() - at)));
      }
      if ((int) crc.getValue() != section.crc32c()) {
        throw corrupt(
            "section "
                + section.name()
                + " checksum mismatch (stored "
                + hex(section.crc32c())
                + ", computed "
                + hex((int) crc.getValue())
                + "): the file is corrupt");
      }
      previousEnd = section.offset() + section.length();
    }
  }

  // ---------------------------------------------------------------- restore

  private VectorIndex restore() throws IOException {
    final int[] levels = new int[ordinals];
    new Input(Kind.NODE_LEVELS).ints(levels, 0, ordinals);
    final long[] deleted = new long[(ordinals + 63) >>> 6];
    new Input(Kind.TOMBSTONES).longs(deleted, 0, deleted.length);
    checkLevelsAndTombstones(levels, deleted);

    final VectorStore store = new VectorStore(dimension, metric);
    final HnswGraph graph = new HnswGraph(store, m, efConstruction, seed);
    graph.allocateRestored(levels);

    final Input vectorInput = new Input(Kind.VECTORS);
    final Input links0 = new Input(Kind.LINKS_LEVEL0);
    final int stride0 = 1 + 2 * m;
    for (int first = 0; first < ordinals; first += store.vectorsPerPage()) {
      final int nodes = Math.min(store.vectorsPerPage(), ordinals - first);
      vectorInput.floats(store.page(first), 0, nodes * dimension);
    }
    for (int first = 0; first < ordinals; first += VectorStore.PAGE_SIZE) {
      final int nodes = Math.min(VectorStore.PAGE_SIZE, ordinals - first);
      links0.ints(graph.linkPage(first, 0), 0, nodes * stride0);
    }
    final Input upper = new Input(Kind.LINKS_UPPER);
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] > 0) {
        upper.ints(graph.linkPage(o, 1), graph.linkBase(o, 1), levels[o] * (1 + m));
      }
    }
    for (int o = 0; o < ordinals; o++) {
      for (int level = 0; level <= Math.max(0, levels[o]); level++) {
        checkLinks(graph, levels, o, level);
      }
    }

    final PagedArray<long[]> ids = VectorIndex.newIdPages();
    ids.ensureCapacity(ordinals);
    final Input idInput = new Input(Kind.IDS);
    for (int p = 0; (long) p << VectorStore.PAGE_SHIFT < ordinals; p++) {
      idInput.longs(
          ids.pageAt(p),
          0,
          Math.min(VectorStore.PAGE_SIZE, ordinals - (p << VectorStore.PAGE_SHIFT)));
    }
    final Long2LongHashMap idMap = VectorIndex.newIdMap(live);
    for (int o = 0; o < ordinals; o++) {
      if (isSet(deleted, o)) {
        graph.delete(o);
        continue;
      }
      final long id = ids.page(o)[o & (VectorStore.PAGE_SIZE - 1)];
      final long previous = idMap.put(id, o);
      if (previous != VectorIndex.MISSING) {
        throw corrupt("id " + id + " is live at two ordinals, " + previous + " and " + o);
      }
    }
    graph.publishRestored(levels, entryNode);
    graph.restoreFree(); // deleted unpublished nodes are linked from nowhere: free at once
    final VectorIndex index = new VectorIndex(graph, ids, idMap, deletedAtLastRepair);
    if (known[Kind.ATTRIBUTE_VALUES.ordinal()] != null) {
      restoreAttributes(index.attributes(), deleted);
    } else {
      // no attributes saved: the loaded items have none yet, but may be given some later
      index.attributes().ensureCapacity(ordinals);
    }
    return index;
  }

  /**
   * Loads the attribute values in bulk and installs the bitmaps, checking that they agree: every
   * bitmap member is a live ordinal holding that key, and each field's bitmaps hold exactly as many
   * ordinals as the values say (so the bitmaps are exactly the ones the values imply).
   */
  private void restoreAttributes(AttributeIndex attributes, long[] deleted) throws IOException {
    attributes.ensureCapacity(ordinals);
    final PagedArray<long[]> pages = attributes.valuePages();
    final Input values = new Input(Kind.ATTRIBUTE_VALUES);
    final int perPage = AttributeIndex.PAGE_ORDINALS;
    final long[] expected = new long[4];
    for (int p = 0; (long) p * perPage < ordinals; p++) {
      final int first = p * perPage;
      final int count = Math.min(perPage, ordinals - first);
      final long[] page = pages.pageAt(p);
      values.longs(page, 0, 4 * count);
      for (int i = 0; i < count; i++) {
        final int at = 4 * i;
        if (isSet(deleted, first + i)) {
          if (page[at] != ItemAttributes.NONE || page[at + 1] != ItemAttributes.NONE
              || page[at + 2] != ItemAttributes.NONE || page[at + 3] != 0) {
            throw corrupt("ordinal " + (first + i) + " is deleted but has attribute values");
          }
          continue;
        }
        for (int f = 0; f < 3; f++) {
          if (page[at + f] != ItemAttributes.NONE) {
            expected[f]++;
          }
        }
        expected[3] += Long.bitCount(page[at + 3]);
      }
    }
    final SnapshotInfo.Section section = known[Kind.ATTRIBUTE_BITMAPS.ordinal()];
    if (section.length() > Integer.MAX_VALUE) {
      throw corrupt("section ATTRIBUTE_BITMAPS is over 2 GiB, which this reader cannot map");
    }
    final ByteBuffer in = map(section.offset(), section.length());
    final KeyedBitmaps[] fields = {
      attributes.authors(), attributes.communities(), attributes.languages(), attributes.flags()
    };
    final String[] names = {"author", "community", "language", "flag"};
    for (int f = 0; f < 4; f++) {
      final int keys = need(in, 4).getInt();
      if (keys < 0) {
        throw corrupt("section ATTRIBUTE_BITMAPS: negative key count for " + names[f]);
      }
      long total = 0;
      long previous = 0;
      for (int k = 0; k < keys; k++) {
        final long key = need(in, 12).getLong();
        final int length = in.getInt();
        if ((k > 0 && key <= previous) || length < 0 || (f == 3 && (key < 0 || key > 63))) {
          throw corrupt("section ATTRIBUTE_BITMAPS: bad entry for " + names[f] + " key " + key);
        }
        previous = key;
        final ByteBuffer bytes = need(in, length).slice().limit(length);
        in.position(in.position() + length);
        final RoaringBitmap bitmap = new RoaringBitmap();
        try {
          bitmap.deserialize(bytes);
        } catch (IOException | RuntimeException e) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is malformed", e);
        }
        if (bitmap.isEmpty() || bitmap.serializedSizeInBytes() != length) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is malformed");
        }
        final PeekableIntIterator members = bitmap.getIntIterator();
        while (members.hasNext()) {
          final int o = members.next();
          if (o < 0 || o >= ordinals || isSet(deleted, o) || !holds(pages, o, f, key)) {
            throw corrupt(
                "section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " names ordinal " + o
                    + ", which is not a live item with that value");
          }
        }
        total += bitmap.getLongCardinality();
        fields[f].restore(key, bitmap);
      }
      if (total != expected[f]) {
        throw corrupt(
            "section ATTRIBUTE_BITMAPS: the " + names[f] + " bitmaps hold " + total + " ordinals, the values "
                + expected[f]);
      }
    }
    if (in.hasRemaining()) {
      throw corrupt("section ATTRIBUTE_BITMAPS: " + in.remaining() + " unexpected bytes at its end");
    }
  }

  /** Whether ordinal {@code o} holds {@code key} in field {@code f} (3: flag bit {@code key}). */
  private static boolean holds(PagedArray<long[]> pages, int o, int f, long key) {
    final long[] page = pages.page(o);
    final int at = 4 * (o % AttributeIndex.PAGE_ORDINALS);
    return f < 3 ? page[at + f] == key : (page[at + 3] & (1L << key)) != 0;
  }

  /** {@code in}, after checking that it has {@code bytes} more bytes. */
  private ByteBuffer need(ByteBuffer in, int bytes) throws SnapshotException {
    if (in.remaining() < bytes) {
      throw corrupt("section ATTRIBUTE_BITMAPS ends in the middle of an entry");
    }
    return in;
  }

  private void checkLevelsAndTombstones(int[] levels, long[] deleted) throws SnapshotException {
    int publishedCount = 0;
    long upperInts = 0;
    int deletedCount = 0;
    for (int o = 0; o < ordinals; o++) {
      final int level = levels[o];
      if (level < -1 || level > HnswGraph.MAX_LEVEL) {
        throw corrupt("node " + o + " has impossible level " + level);
      }
      if (level >= 0) {
        publishedCount++;
        upperInts += (long) level * (1 + m);
      } else if (!isSet(deleted, o)) {
        throw corrupt("node " + o + " is unpublished but not marked deleted");
      }
      if (isSet(deleted, o)) {
        deletedCount++;
      }
    }
    if ((ordinals & 63) != 0
        && deleted.length > 0
        && (deleted[deleted.length - 1] >>> (ordinals & 63)) != 0) {
      throw corrupt("tombstone bits are set beyond the last ordinal");
    }
    if (publishedCount != published || ordinals - deletedCount != live) {
      throw corrupt(
          "counts disagree with the header: "
              + publishedCount
              + " published and "
              + (ordinals - deletedCount)
              + " live nodes, header says "
              + published
              + " and "
              + live);
    }
    if (entryNode >= 0 && levels[entryNode] != entryLevel) {
      // The entry need not be the highest node, nor the highest live one: a repair moves it off a
      // deleted node, an entry removed since the last repair is still the entry, and a node deleted
      // while a live snapshot is cut may be recorded as deleted after it was chosen. Any published
      // node is a valid start for the walk.
      throw corrupt(
          "entry node " + entryNode + " has level " + levels[entryNode] + ", header says " + entryLevel);
    }
    final SnapshotInfo.Section upper = known[Kind.LINKS_UPPER.ordinal()];
    if (upper.length() != upperInts * 4) {
      throw corrupt(
          "section LINKS_UPPER has " + upper.length() + " bytes, the levels need " + upperInts * 4);
    }
  }

  private void checkLinks(HnswGraph graph, int[] levels, int node, int level)
      throws SnapshotException {
    final int[] page = graph.linkPage(node, level);
    final int base = graph.linkBase(node, level);
    final int count = page[base];
    final int max = levels[node] < 0 ? 0 : graph.maxDegree(level);
    if (count < 0 || count > max) {
      throw corrupt(
          "node "
              + node
              + " has "
              + count
              + " links on level "
              + level
              + ", at most "
              + max
              + " allowed");
    }
    for (int i = 1; i <= count; i++) {
      final int target = page[base + i];
      if (target < 0 || target >= ordinals || levels[target] < level) {
        throw corrupt(
            "node "
                + node
                + " links on level "
                + level
                + " to "
                + target
                + ", not a node of that level");
      }
    }
  }

  private static boolean isSet(long[] bits, int ordinal) {
    return (bits[ordinal >>> 6] & (1L << ordinal)) != 0;
  }

  // ---------------------------------------------------------------- file access

  private ByteBuffer read(long position, int length) throws IOException {
    final ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (buf.hasRemaining()) {
      if (channel.read(buf, position + buf.position()) < 0) {
        throw corrupt(
            "truncated while reading bytes [" + position + ", " + (position + length) + ")");
      }
    }
    return buf.clear();
  }

  /**
   * The bytes {@code [position, position + length)}: mapped read-only, or simply read when they are
   * few (mapping and unmapping a small region costs more than copying it).
   */
  private ByteBuffer map(long position, long length) throws IOException {
    if (length <= SMALL) {
      return read(position, (int) length);
    }
    final MappedByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
    buf.order(ByteOrder.LITTLE_ENDIAN);
    return buf;
  }

  private SnapshotException corrupt(String what) {
    return new SnapshotException(path + ": " + what);
  }

  private SnapshotException corrupt(String what, Throwable cause) {
    return new SnapshotException(path + ": " + what, cause);
  }

  private static String hex(int value) {
    return String.format("0x%08x", value);
  }

  /**
   * Reads one section front to back in bulk, through mappings of at most {@code chunkBytes} (a
   * multiple of every element size, so no element straddles two mappings).
   */
  private final class Input {
    private final long start;
    private final long length;
    private long chunkStart;
    private ByteBuffer chunk = ByteBuffer.allocate(0);

    Input(Kind kind) {
      final SnapshotInfo.Section section = known[kind.ordinal()];
      this.start = section.offset();
      this.length = section.length();
    }

    private ByteBuffer next() throws IOException {
      if (!chunk.hasRemaining()) {
        chunkStart += chunk.capacity();
        if (chunkStart >= length) {
          throw corrupt("section ends early");
        }
        chunk = map(start + chunkStart, Math.min(chunkBytes, length - chunkStart));
      }
      return chunk;
    }

    void floats(float[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 4);
        if (n == 0) {
          throw corrupt("section ends in the middle of an element"); // never spin
        }
        c.asFloatBuffer().get(dst, offset + done, n);
        c.position(c.position() + 4 * n);
        done += n;
      }
    }

    void ints(int[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 4);
        if (n == 0) {
          throw corrupt("section ends in the middle of an element"); // never spin
        }
        c.asIntBuffer().get(dst, offset + done, n);
        c.position(c.position() + 4 * n);
        done += n;
      }
    }

    void longs(long[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 8);
        if (n == 0) {
          throw corrupt("section ends in the middle of an element"); // never spin
        }
        c.asLongBuffer().get(dst, offset + done, n);
        c.position(c.position() + 8 * n);
        done += n;
      }
    }
  }
}
