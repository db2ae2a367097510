package dev.trawl.index;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.filter.AttributeSchema;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.KeyedBitmaps;
import dev.trawl.hnsw.GraphFormatException;
import dev.trawl.hnsw.GraphSnapshotReader;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.hnsw.SectionInput;
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
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Validates and loads one snapshot file. Everything is checked before the index is handed out: the
 * header (magic, byte order, version, checksum, parameters within {@link Limits}), the section table
 * against the file size, the zero padding between sections, every section's CRC-32C, and then every
 * invariant {@code docs/format.md} states, so that a file whose checksums were recomputed by whoever
 * wrote it still cannot load into an index that breaks later. The graph sections (levels, tombstones
 * and counts; link counts, targets and zero padding; finite vectors of bounded norm, unit norm under
 * cosine, and zero vectors for unpublished ordinals) are read and checked by {@link
 * GraphSnapshotReader}, whose refusals this class reports under the file's name; this class checks
 * the rest: zero ids for unpublished ordinals, unique live ids, attribute values against the bitmaps
 * (each bitmap validated container by container), versions, removals and stream positions.
 *
 * <p>Every check runs in time linear in the file's size, and nothing is allocated before the sizes
 * that decide it have been checked against the file's length, so a hostile file can neither hang the
 * loader nor make it allocate much more than the file's size. Any failure throws a {@link
 * SnapshotException} naming the file, the section (or the header) and the broken rule; the partly
 * built index is dropped, never returned.
 *
 * <p>One reader per load; not shared.
 */
final class SnapshotReader {
  /** Largest mapping: a multiple of every element size, so no element straddles two mappings. */
  static final long CHUNK = 1L << 30;
  private static final long SMALL = 1L << 16;
  /** Longest attribute name a snapshot may hold, in UTF-8 bytes. */
  private static final int MAX_ATTRIBUTE_NAME_BYTES = 1024;

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final long chunkBytes;

  /** The header's fields, once read and checked. */
  private GraphSnapshotReader.Header header;
  private final List<SnapshotInfo.Section> sections = new ArrayList<>();
  private final SnapshotInfo.Section[] known = new SnapshotInfo.Section[Kind.values().length];
  private SourcePositions positions = SourcePositions.NONE;
  private AttributeSchema schema = AttributeSchema.feed();

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

  /** Loads the whole index with the positions stored beside it. */
  static LoadedSnapshot loadWithPositions(Path path) throws IOException {
    final Result result = run(path, true, CHUNK);
    return new LoadedSnapshot(result.index, result.info.positions());
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
          reader.readPositions(true);
          return new Result(reader.info(), null);
        }
        reader.checkPaddingAndChecksums();
        reader.readPositions(false);
        reader.readSchema();
        return new Result(reader.info(), reader.restore());
      } catch (GraphFormatException e) {
        throw reader.corrupt(e.getMessage());
      } catch (RuntimeException e) {
        // validation should have caught everything; never let a malformed file escape unchecked
        throw reader.corrupt("malformed snapshot (" + e + ")", e);
      } catch (OutOfMemoryError e) {
        // Sizes are checked against the file before anything is allocated, so this is a valid file
        // too large for the heap: the partly built index is garbage now, and the caller can go on.
        throw reader.corrupt(
            "the heap cannot hold this snapshot (" + reader.header.ordinals() + " ordinals of dimension "
                + reader.header.dimension() + ", " + reader.fileSize + " bytes)", e);
      } catch (InternalError e) {
        // a mapped read faulted: the file was truncated by someone else while it was being read
        throw reader.corrupt("the file changed while it was being read (" + e.getMessage() + ")", e);
      }
    }
  }

  private SnapshotInfo info() {
    return SnapshotInfo.of(header, fileSize, sections, positions);
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
    final Metric metric = SnapshotFormat.metricOf(h.getInt(SnapshotFormat.AT_METRIC));
    final int dimension = h.getInt(SnapshotFormat.AT_DIMENSION);
    final int m = h.getInt(SnapshotFormat.AT_M);
    final int efConstruction = h.getInt(SnapshotFormat.AT_EF_CONSTRUCTION);
    final long seed = h.getLong(SnapshotFormat.AT_SEED);
    final int ordinals = h.getInt(SnapshotFormat.AT_ORDINALS);
    final int live = h.getInt(SnapshotFormat.AT_LIVE);
    final int entryNode = h.getInt(SnapshotFormat.AT_ENTRY_NODE);
    final int entryLevel = h.getInt(SnapshotFormat.AT_ENTRY_LEVEL);
    final int published = h.getInt(SnapshotFormat.AT_PUBLISHED);
    if (metric == null) {
      throw corrupt("header: unknown metric code " + h.getInt(SnapshotFormat.AT_METRIC));
    }
    if (dimension < 1 || dimension > Limits.MAX_DIMENSION) {
      throw corrupt("header: dimension " + dimension + " is outside [1, " + Limits.MAX_DIMENSION + "]");
    }
    if (m < Limits.MIN_M || m > Limits.MAX_M) {
      throw corrupt("header: M " + m + " is outside [" + Limits.MIN_M + ", " + Limits.MAX_M + "]");
    }
    if (efConstruction < 1 || efConstruction > Limits.MAX_EF_CONSTRUCTION) {
      throw corrupt("header: efConstruction " + efConstruction + " is outside [1, "
          + Limits.MAX_EF_CONSTRUCTION + "]");
    }
    final int deletedAtLastRepair = h.getInt(SnapshotFormat.AT_DELETED_AT_LAST_REPAIR);
    if (deletedAtLastRepair < 0 || deletedAtLastRepair > Math.max(0, ordinals)) {
      throw corrupt("header: impossible deleted count at the last repair: " + deletedAtLastRepair);
    }
    if (ordinals < 0 || published < 0 || published > ordinals || live < 0 || live > published) {
      throw corrupt(
          "header: impossible counts: "
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
      throw corrupt("header: impossible entry point: node " + entryNode + " at level " + entryLevel);
    }
    header = new GraphSnapshotReader.Header(metric, dimension, m, efConstruction, seed, ordinals,
        published, live, entryNode, entryLevel, deletedAtLastRepair);
  }

  private void readTable(ByteBuffer h, int count) throws SnapshotException {
    long previousEnd = SnapshotFormat.headerLength(count);
    int previousCode = 0;
    for (int s = 0; s < count; s++) {
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      final int code = h.getInt(at);
      final int flags = h.getInt(at + 4);
      final long offset = h.getLong(at + 8);
      final long length = h.getLong(at + 16);
      final int crc = h.getInt(at + 24);
      final int reserved = h.getInt(at + 28);
      final Kind kind = Kind.of(code);
      final String name = kind != null ? kind.name() : "kind-" + Integer.toUnsignedString(code);
      if (kind == null && (flags & SnapshotFormat.FLAG_REQUIRED) != 0) {
        throw corrupt(
            "section "
                + name
                + " is required but unknown to this reader (written by a newer Trawl?)");
      }
      if (kind != null && flags != kind.flags()) {
        throw corrupt("corrupt section table: section " + name + " has flags " + flags + ", the format gives it "
            + kind.flags());
      }
      if (reserved != 0) {
        throw corrupt("corrupt section table: section " + name + " has a non-zero reserved field");
      }
      if (s > 0 && Integer.compareUnsigned(code, previousCode) <= 0) {
        // one entry per kind, in ascending order: a kind that appears twice is caught here too
        throw corrupt("corrupt section table: section " + name + " follows section "
            + sectionName(previousCode) + " (kinds must ascend, each at most once)");
      }
      previousCode = code;
      // Once this holds, offset lies within 64 bytes after previousEnd (itself inside the file), so
      // fileSize - offset below cannot overflow; offset + length, which can, is computed only after
      // the section is known to lie inside the file.
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
      if (offset > fileSize || length > fileSize - offset) {
        throw corrupt(
            "truncated: section "
                + name
                + " needs bytes ["
                + offset
                + ", "
                + (offset + length < 0 ? "beyond 2^63" : Long.toString(offset + length))
                + ") but the file has "
                + fileSize
                + " bytes");
      }
      final long end = offset + length;
      final SnapshotInfo.Section section =
          new SnapshotInfo.Section(name, code, offset, length, crc);
      if (kind != null) {
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
    if ((known[Kind.VERSIONS.ordinal()] == null) != (known[Kind.REMOVALS.ordinal()] == null)) {
      throw corrupt("sections VERSIONS and REMOVALS must come together");
    }
    if ((known[Kind.VECTORS.ordinal()] == null) == (known[Kind.INT8_CODES.ordinal()] == null)) {
      throw corrupt("exactly one of the sections VECTORS and INT8_CODES must be present");
    }
    for (Kind kind : Kind.values()) {
      final SnapshotInfo.Section section = known[kind.ordinal()];
      if (section == null) {
        if (kind.alwaysPresent) {
          throw corrupt("section " + kind + " is missing");
        }
        continue;
      }
      final long expected =
          SnapshotFormat.fixedLength(kind, header.ordinals(), header.dimension(), header.m());
      if (expected >= 0 && section.length() != expected) {
        throw corrupt(
            "section "
                + kind
                + " has "
                + section.length()
                + " bytes, expected "
                + expected
                + " for "
                + header.ordinals()
                + " ordinals");
      }
      if (section.length() % kind.elementBytes != 0) {
        throw corrupt(
            "section " + kind + " has " + section.length() + " bytes, not whole elements");
      }
    }
  }

  private static String sectionName(int code) {
    final Kind kind = Kind.of(code);
    return kind != null ? kind.name() : "kind-" + Integer.toUnsignedString(code);
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

  /**
   * Parses the stream positions, if the file has them. {@code checkCrc}: verify the section's
   * checksum here (reading the header only; a full load has verified every checksum already).
   */
  private void readPositions(boolean checkCrc) throws IOException {
    final SnapshotInfo.Section section = known[Kind.SOURCE_POSITIONS.ordinal()];
    if (section == null) {
      return;
    }
    if (section.length() > 1 << 24) {
      throw corrupt("section SOURCE_POSITIONS has " + section.length() + " bytes, more than 16 MiB");
    }
    final ByteBuffer in = map(section.offset(), section.length());
    if (checkCrc) {
      final CRC32C crc = new CRC32C();
      crc.update(in.duplicate());
      if ((int) crc.getValue() != section.crc32c()) {
        throw corrupt("section SOURCE_POSITIONS checksum mismatch: the file is corrupt");
      }
    }
    final int count = need(in, 4, Kind.SOURCE_POSITIONS).getInt();
    if (count < 0) {
      throw corrupt("section SOURCE_POSITIONS: negative count " + count);
    }
    final java.nio.charset.CharsetDecoder utf8 =
        java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    final SourcePositions.Builder builder = SourcePositions.builder();
    String previousSource = null;
    int previousPartition = -1;
    for (int i = 0; i < count; i++) {
      final int partition = need(in, 16, Kind.SOURCE_POSITIONS).getInt();
      final long offset = in.getLong();
      final int length = in.getInt();
      if (partition < 0 || offset < 0 || length < 1 || length > SourcePositions.MAX_SOURCE_BYTES) {
        throw corrupt("section SOURCE_POSITIONS: bad entry " + i + " (partition " + partition
            + ", offset " + offset + ", name of " + length + " bytes)");
      }
      final ByteBuffer nameBytes = need(in, length, Kind.SOURCE_POSITIONS).slice().limit(length);
      in.position(in.position() + length);
      final String source;
      try {
        source = utf8.decode(nameBytes).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        throw corrupt("section SOURCE_POSITIONS: entry " + i + " has a source name that is not UTF-8", e);
      }
      final int order = previousSource == null ? 1 : source.compareTo(previousSource);
      if (order < 0 || (order == 0 && partition <= previousPartition)) {
        throw corrupt("section SOURCE_POSITIONS: entries are not sorted and unique at entry " + i);
      }
      previousSource = source;
      previousPartition = partition;
      builder.put(source, partition, offset);
    }
    if (in.hasRemaining()) {
      throw corrupt("section SOURCE_POSITIONS: " + in.remaining() + " bytes after the last entry");
    }
    positions = builder.build();
  }

  /**
   * Reads the attribute schema (the feed schema when the section is absent) and checks the attribute
   * values' length against its width. Called after the checksums, so the bytes are the writer's.
   */
  private void readSchema() throws IOException {
    final SnapshotInfo.Section section = known[Kind.ATTRIBUTE_SCHEMA.ordinal()];
    if (section != null) {
      if (section.length() > Integer.MAX_VALUE) {
        throw corrupt("section ATTRIBUTE_SCHEMA is over 2 GiB, which this reader cannot map");
      }
      schema = decodeSchema(map(section.offset(), section.length()));
    }
    final SnapshotInfo.Section values = known[Kind.ATTRIBUTE_VALUES.ordinal()];
    final long expected = (long) header.ordinals() * schema.width() * 8;
    if (values != null && values.length() != expected) {
      throw corrupt("section ATTRIBUTE_VALUES has " + values.length() + " bytes, expected " + expected
          + " for " + header.ordinals() + " ordinals of " + schema.width() + " values");
    }
  }

  private AttributeSchema decodeSchema(ByteBuffer in) throws SnapshotException {
    final int keyed = need(in, 8, Kind.ATTRIBUTE_SCHEMA).getInt();
    final int flags = in.getInt();
    // each name takes at least 5 bytes, so the counts are bounded by the section before any loop
    if (keyed < 0 || flags < 0 || flags > AttributeSchema.MAX_FLAGS
        || (long) keyed + flags > in.remaining() / 5) {
      throw corrupt("section ATTRIBUTE_SCHEMA: " + keyed + " keyed attributes and " + flags
          + " flags cannot be (at most " + AttributeSchema.MAX_FLAGS + " flags, 5 bytes a name)");
    }
    final java.nio.charset.CharsetDecoder utf8 =
        java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    final AttributeSchema.Builder builder = AttributeSchema.builder();
    for (int i = 0; i < keyed + flags; i++) {
      final int length = need(in, 4, Kind.ATTRIBUTE_SCHEMA).getInt();
      if (length < 1 || length > MAX_ATTRIBUTE_NAME_BYTES) {
        throw corrupt("section ATTRIBUTE_SCHEMA: name " + i + " has " + length + " bytes (1 to "
            + MAX_ATTRIBUTE_NAME_BYTES + ")");
      }
      final ByteBuffer bytes = need(in, length, Kind.ATTRIBUTE_SCHEMA).slice().limit(length);
      in.position(in.position() + length);
      try {
        final String name = utf8.decode(bytes).toString();
        if (i < keyed) {
          builder.keyed(name);
        } else {
          builder.flag(name);
        }
      } catch (java.nio.charset.CharacterCodingException e) {
        throw corrupt("section ATTRIBUTE_SCHEMA: name " + i + " is not UTF-8", e);
      } catch (IllegalArgumentException e) {
        throw corrupt("section ATTRIBUTE_SCHEMA: name " + i + ": " + e.getMessage(), e);
      }
    }
    if (in.hasRemaining()) {
      throw corrupt("section ATTRIBUTE_SCHEMA: " + in.remaining() + " bytes after the last name");
    }
    return builder.build();
  }

  // ---------------------------------------------------------------- restore

  private VectorIndex restore() throws IOException, GraphFormatException {
    final GraphSnapshotReader graphReader =
        new GraphSnapshotReader(header);
    graphReader.readLevelsAndTombstones(
        new Input(Kind.NODE_LEVELS),
        new Input(Kind.TOMBSTONES),
        known[Kind.LINKS_UPPER.ordinal()].length());
    if (known[Kind.INT8_CODES.ordinal()] != null) {
      graphReader.readCodes(new Input(Kind.INT8_CODES));
    } else {
      graphReader.readVectors(new Input(Kind.VECTORS));
    }
    graphReader.readLinks(new Input(Kind.LINKS_LEVEL0), new Input(Kind.LINKS_UPPER));

    final PagedArray<long[]> ids = VectorIndex.newIdPages();
    ids.ensureCapacity(header.ordinals());
    final Input idInput = new Input(Kind.IDS);
    for (int p = 0; (long) p << VectorStore.PAGE_SHIFT < header.ordinals(); p++) {
      idInput.longs(
          ids.pageAt(p),
          0,
          Math.min(VectorStore.PAGE_SIZE, header.ordinals() - (p << VectorStore.PAGE_SHIFT)));
    }
    final long[] versions = new long[header.ordinals()];
    Arrays.fill(versions, VectorIndex.NO_VERSION);
    long removalMemory = VectorIndex.Builder.DEFAULT_REMOVAL_MEMORY;
    ByteBuffer removals = null;
    if (known[Kind.VERSIONS.ordinal()] != null) {
      new Input(Kind.VERSIONS).longs(versions, 0, header.ordinals());
      final SnapshotInfo.Section section = known[Kind.REMOVALS.ordinal()];
      if (section.length() > Integer.MAX_VALUE) {
        throw corrupt("section REMOVALS is over 2 GiB, which this reader cannot map");
      }
      removals = map(section.offset(), section.length());
      removalMemory = need(removals, 16, Kind.REMOVALS).getLong();
      final long count = removals.getLong();
      if (removalMemory < 0 || removalMemory > Integer.MAX_VALUE || count < 0 || count > removalMemory
          || section.length() != 16 + count * 16) {
        throw corrupt("section REMOVALS: " + count + " removals with a memory of " + removalMemory
            + " in " + section.length() + " bytes");
      }
    }
    final IdTable idTable = new IdTable(header.live(), (int) removalMemory);
    for (int o = 0; o < header.ordinals(); o++) {
      final long id = ids.page(o)[o & (VectorStore.PAGE_SIZE - 1)];
      if (graphReader.isDeleted(o)) {
        if (!graphReader.isPublished(o) && id != 0) {
          throw corrupt("section IDS: ordinal " + o + " is unpublished but has id " + id + " (not 0)");
        }
        if (versions[o] != VectorIndex.NO_VERSION) {
          throw corrupt("section VERSIONS: ordinal " + o + " is not live but has a version");
        }
        continue;
      }
      final int previous = idTable.ordinalOf(id);
      if (previous >= 0) {
        throw corrupt("section IDS: id " + id + " is live at two ordinals, " + previous + " and " + o);
      }
      idTable.put(id, o, versions[o]);
    }
    while (removals != null && removals.hasRemaining()) {
      final long id = removals.getLong();
      final long version = removals.getLong();
      if (version == VectorIndex.NO_VERSION) {
        throw corrupt("section REMOVALS: the removal of id " + id + " has no version");
      }
      idTable.restoreRemoval(id, version);
    }
    final HnswGraph graph = graphReader.publish();
    final VectorIndex index = new VectorIndex(graph, ids, idTable, header.deletedAtLastRepair(), schema);
    if (known[Kind.ATTRIBUTE_VALUES.ordinal()] != null) {
      restoreAttributes(index.attributes(), graphReader);
    } else {
      // Every ordinal has attribute storage in a built index, and removals, attribute reads and
      // changes rely on it: without it, the first removal of a loaded item failed half done.
      index.attributes().ensureCapacity(header.ordinals());
    }
    return index;
  }

  /**
   * Loads the attribute values in bulk and installs the bitmaps, checking that they agree: every
   * bitmap passes RoaringBitmap's own validation (keys ascending, each container's cardinality the
   * bits it really holds, sorted unique array values, runs neither overlapping nor touching), no key
   * is {@link ItemAttributes#NONE} and no flag outside 0..63, every member is a live ordinal holding
   * that key, and each field's bitmaps hold exactly as many ordinals as the values say. Since the
   * bitmaps of one field have distinct keys, that makes them exactly the ones the values imply.
   *
   * <p>Linear: validation costs the bitmap's bytes, and a validated bitmap holds each member once, so
   * the walk over its members stops at the first one not holding the key: over the distinct keys of a
   * field, the members walked are at most the (ordinal, key) pairs the values hold ({@code N} for
   * each single-valued field, {@code 64 N} for the flags) plus one per key, whatever cardinality a
   * container claims. (Without the validation, overlapping runs would repeat the same valid members
   * without bound.)
   */
  private void restoreAttributes(AttributeIndex attributes, GraphSnapshotReader graph) throws IOException {
    attributes.ensureCapacity(header.ordinals());
    final PagedArray<long[]> pages = attributes.valuePages();
    final Input values = new Input(Kind.ATTRIBUTE_VALUES);
    final int perPage = AttributeIndex.PAGE_ORDINALS;
    final int keyed = schema.keyedCount();
    final int width = schema.width();
    final long[] expected = new long[keyed + 1];
    for (int p = 0; (long) p * perPage < header.ordinals(); p++) {
      final int first = p * perPage;
      final int count = Math.min(perPage, header.ordinals() - first);
      final long[] page = pages.pageAt(p);
      values.longs(page, 0, width * count);
      for (int i = 0; i < count; i++) {
        final int at = width * i;
        if (graph.isDeleted(first + i)) {
          for (int f = 0; f < keyed; f++) {
            if (page[at + f] != ItemAttributes.NONE) {
              throw corrupt("section ATTRIBUTE_VALUES: ordinal " + (first + i) + " is not live but has attribute values");
            }
          }
          if (page[at + keyed] != 0) {
            throw corrupt("section ATTRIBUTE_VALUES: ordinal " + (first + i) + " is not live but has attribute values");
          }
          continue;
        }
        for (int f = 0; f < keyed; f++) {
          if (page[at + f] != ItemAttributes.NONE) {
            expected[f]++;
          }
        }
        expected[keyed] += Long.bitCount(page[at + keyed]);
      }
    }
    final SnapshotInfo.Section section = known[Kind.ATTRIBUTE_BITMAPS.ordinal()];
    if (section.length() > Integer.MAX_VALUE) {
      throw corrupt("section ATTRIBUTE_BITMAPS is over 2 GiB, which this reader cannot map");
    }
    final ByteBuffer in = map(section.offset(), section.length());
    final KeyedBitmaps[] fields = new KeyedBitmaps[keyed + 1];
    final String[] names = new String[keyed + 1];
    for (int f = 0; f < keyed; f++) {
      fields[f] = attributes.keyed(f);
      names[f] = schema.keyedName(f);
    }
    fields[keyed] = attributes.flags();
    names[keyed] = "flag";
    for (int f = 0; f <= keyed; f++) {
      final int keys = need(in, 4, Kind.ATTRIBUTE_BITMAPS).getInt();
      if (keys < 0) {
        throw corrupt("section ATTRIBUTE_BITMAPS: negative key count for " + names[f]);
      }
      long total = 0;
      long previous = 0;
      for (int k = 0; k < keys; k++) {
        final long key = need(in, 12, Kind.ATTRIBUTE_BITMAPS).getLong();
        final int length = in.getInt();
        if (k > 0 && key <= previous) {
          throw corrupt("section ATTRIBUTE_BITMAPS: " + names[f] + " key " + key + " follows key " + previous
              + " (keys must ascend)");
        }
        if (f < keyed ? key == ItemAttributes.NONE : key < 0 || key >= schema.flagCount()) {
          throw corrupt("section ATTRIBUTE_BITMAPS: " + names[f] + " key " + key + " is not a value"
              + (f < keyed ? " (it is NONE, the absence of one)"
                  : " (the schema's flags are bits 0.." + (schema.flagCount() - 1) + ")"));
        }
        if (length < 0) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " has negative length " + length);
        }
        previous = key;
        final ByteBuffer bytes = need(in, length, Kind.ATTRIBUTE_BITMAPS).slice().limit(length);
        in.position(in.position() + length);
        final RoaringBitmap bitmap = new RoaringBitmap();
        try {
          bitmap.deserialize(bytes);
        } catch (IOException | RuntimeException e) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is malformed (" + e + ")", e);
        }
        if (bitmap.serializedSizeInBytes() != length) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is "
              + bitmap.serializedSizeInBytes() + " bytes, its entry says " + length);
        }
        if (!bitmap.validate()) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is invalid"
              + " (unsorted or duplicated keys or values, a cardinality that is not the bits it holds,"
              + " or overlapping runs)");
        }
        final long cardinality = bitmap.getLongCardinality();
        if (cardinality == 0) {
          throw corrupt("section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " is empty");
        }
        total += cardinality;
        final PeekableIntIterator members = bitmap.getIntIterator();
        while (members.hasNext()) {
          final int o = members.next();
          if (o < 0 || o >= header.ordinals() || graph.isDeleted(o) || !holds(pages, o, f, key, keyed)) {
            throw corrupt(
                "section ATTRIBUTE_BITMAPS: the bitmap of " + names[f] + " " + key + " names ordinal "
                    + Integer.toUnsignedString(o) + ", which is not a live item with that value");
          }
        }
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

  /**
   * Whether ordinal {@code o} holds {@code key} in field {@code f} (field {@code keyed}, the flags:
   * flag bit {@code key}).
   */
  private static boolean holds(PagedArray<long[]> pages, int o, int f, long key, int keyed) {
    final long[] page = pages.page(o);
    final int at = (keyed + 1) * (o % AttributeIndex.PAGE_ORDINALS);
    return f < keyed ? page[at + f] == key : (page[at + keyed] & (1L << key)) != 0;
  }

  /** {@code in}, after checking that it has {@code bytes} more bytes of section {@code kind}. */
  private ByteBuffer need(ByteBuffer in, int bytes, Kind kind) throws SnapshotException {
    if (in.remaining() < bytes) {
      throw corrupt("section " + kind + " ends in the middle of an entry");
    }
    return in;
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
  private final class Input implements SectionInput {
    private final Kind kind;
    private final long start;
    private final long length;
    private long chunkStart;
    private ByteBuffer chunk = ByteBuffer.allocate(0);

    Input(Kind kind) {
      this.kind = kind;
      final SnapshotInfo.Section section = known[kind.ordinal()];
      this.start = section.offset();
      this.length = section.length();
    }

    private ByteBuffer next() throws IOException {
      if (!chunk.hasRemaining()) {
        chunkStart += chunk.capacity();
        if (chunkStart >= length) {
          throw corrupt("section " + kind + " ends early");
        }
        chunk = map(start + chunkStart, Math.min(chunkBytes, length - chunkStart));
      }
      return chunk;
    }

    @Override
    public void floats(float[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 4);
        if (n == 0) {
          throw corrupt("section " + kind + " ends in the middle of an element"); // never spin
        }
        c.asFloatBuffer().get(dst, offset + done, n);
        c.position(c.position() + 4 * n);
        done += n;
      }
    }

    @Override
    public void ints(int[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 4);
        if (n == 0) {
          throw corrupt("section " + kind + " ends in the middle of an element"); // never spin
        }
        c.asIntBuffer().get(dst, offset + done, n);
        c.position(c.position() + 4 * n);
        done += n;
      }
    }

    @Override
    public void longs(long[] dst, int offset, int count) throws IOException {
      for (int done = 0; done < count; ) {
        final ByteBuffer c = next();
        final int n = Math.min(count - done, c.remaining() / 8);
        if (n == 0) {
          throw corrupt("section " + kind + " ends in the middle of an element"); // never spin
        }
        c.asLongBuffer().get(dst, offset + done, n);
        c.position(c.position() + 8 * n);
        done += n;
      }
    }
  }
}
