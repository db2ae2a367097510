package dev.trawl.index;

import dev.trawl.hnsw.GraphSection;
import dev.trawl.vector.Metric;

/**
 * Constants of the snapshot file format, version 1 (described in {@code docs/format.md}). All
 * numbers are little-endian.
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "TRAWLSNP"
 *      8     4  byte-order marker 0x0A0B0C0D (bytes 0D 0C 0B 0A)
 *     12     4  format version (1)
 *     16     4  header length H in bytes, up to and including the header checksum
 *     20     4  number of sections S
 *     24     4  metric (0 L2, 1 inner product, 2 cosine)
 *     28     4  dimension
 *     32     4  M
 *     36     4  efConstruction
 *     40     8  level seed
 *     48     4  ordinals N
 *     52     4  live items
 *     56     4  entry node (-1: empty)
 *     60     4  entry level (-1: empty)
 *     64     4  published nodes
 *     68     4  deleted count at the last graph repair (resumes the repair schedule)
 *     72  32*S  section table: kind u32, flags u32, offset u64, length u64, CRC-32C u32, reserved u32
 *   72+32S   4  CRC-32C of bytes [0, 72+32S)
 * </pre>
 *
 * Sections follow, each starting at a multiple of 64 bytes, in the order of the table; the gaps are
 * zero bytes; the file ends where the last section ends. Stateless.
 */
final class SnapshotFormat {
  private SnapshotFormat() {}

  static final long MAGIC = 0x504E534C57415254L; // "TRAWLSNP" read as a little-endian long
  static final int BYTE_ORDER_MARK = 0x0A0B0C0D;
  static final int VERSION = 1;
  static final int FIXED_HEADER = 72;
  static final int TABLE_ENTRY = 32;
  static final int MAX_SECTIONS = 64;
  static final int ALIGNMENT = 64;

  /** Section flag: a reader that does not know the section's kind must refuse the file. */
  static final int FLAG_REQUIRED = 1;

  // header field offsets
  static final int AT_MAGIC = 0;
  static final int AT_BYTE_ORDER = 8;
  static final int AT_VERSION = 12;
  static final int AT_HEADER_LENGTH = 16;
  static final int AT_SECTION_COUNT = 20;
  static final int AT_METRIC = 24;
  static final int AT_DIMENSION = 28;
  static final int AT_M = 32;
  static final int AT_EF_CONSTRUCTION = 36;
  static final int AT_SEED = 40;
  static final int AT_ORDINALS = 48;
  static final int AT_LIVE = 52;
  static final int AT_ENTRY_NODE = 56;
  static final int AT_ENTRY_LEVEL = 60;
  static final int AT_PUBLISHED = 64;
  static final int AT_DELETED_AT_LAST_REPAIR = 68;

  /**
   * The kinds of section version 1 defines. Exactly one of {@link #VECTORS} and {@link #INT8_CODES} is
   * present; the next five always are; the attribute sections only when some live item has
   * attributes (the schema only when it is not the feed schema); the version sections only when the
   * index has versions; the positions only when some were given.
   */
  enum Kind {
    /**
     * float32 x dimension per ordinal; zeros for unpublished ordinals. Absent exactly when
     * {@link #INT8_CODES} is present.
     */
    VECTORS(1, 4, false, true, GraphSection.VECTORS),
    /** int32 per ordinal: the node's level, or -1 when it was not published at the cut. */
    NODE_LEVELS(2, 4, true, true, GraphSection.NODE_LEVELS),
    /** int32 x (1 + 2M) per ordinal: link count, then the links, zero-padded. */
    LINKS_LEVEL0(3, 4, true, true, GraphSection.LINKS_LEVEL0),
    /**
     * For each node of level L >= 1, in ordinal order, L blocks of int32 x (1 + M): levels 1..L.
     */
    LINKS_UPPER(4, 4, true, true, GraphSection.LINKS_UPPER),
    /** int64 per ordinal: the external id; 0 for unpublished ordinals. */
    IDS(5, 8, true, true, null),
    /**
     * int64 words, bit (o mod 64) of word (o / 64) set when ordinal o is deleted or unpublished.
     */
    TOMBSTONES(6, 8, true, true, GraphSection.TOMBSTONES),
    /**
     * int64 x W per ordinal, W the attribute schema's width: the keyed attributes in schema order
     * ({@code ItemAttributes.NONE} when unset), then the flag bits; for the feed schema author,
     * community, language, flags (W = 4). Unset for ordinals that are not live. Absent when no live
     * item has an attribute.
     */
    ATTRIBUTE_VALUES(16, 8, false, true, null),
    /**
     * For each keyed attribute in schema order, then the flags: int32 key count, then per key,
     * ascending: int64 key (the flag's bit for flags), int32 byte length, the ordinals carrying it in
     * RoaringBitmap's portable serialisation. Present exactly when {@link #ATTRIBUTE_VALUES} is.
     */
    ATTRIBUTE_BITMAPS(17, 1, false, true, null),
    /**
     * int64 per ordinal: the version of the live item at that ordinal ({@code Long.MIN_VALUE}, no
     * version, for unversioned items and ordinals that are not live). Absent when no live item has a
     * version and no removal is remembered.
     */
    VERSIONS(18, 8, false, true, null),
    /**
     * int64 removal memory (how many removals the index remembers), int64 count R, then R pairs of
     * int64 id and int64 version: the remembered removals, oldest first. Present exactly when
     * {@link #VERSIONS} is.
     */
    REMOVALS(19, 8, false, true, null),
    /**
     * Stream positions stored with the snapshot: int32 count, then per entry int32 partition, int64
     * next offset, int32 byte length and the source name in UTF-8 (1 to 1,024 bytes), sorted by source
     * then partition. Absent when there are none. Not required: a reader that does not know it may
     * load the index without it.
     */
    SOURCE_POSITIONS(20, 1, false, false, null),
    /**
     * The vectors of an int7-quantized index, instead of {@link #VECTORS}: float32 lo, float32 hi (the
     * values codes 0 and 127 stand for), then per ordinal int32 x (ceil(dimension / 4) + 1): the codes,
     * four per int, lowest byte first, each 0..127, zero-padded, then the sum of the codes. Zeros for
     * unpublished ordinals.
     */
    INT8_CODES(21, 4, false, true, GraphSection.INT8_CODES),
    /**
     * The attribute schema: int32 keyed count K, int32 flag count F, then K + F names (keyed first,
     * each int32 byte length and 1 to 1,024 bytes of UTF-8). Absent for the feed schema, so a snapshot
     * without it holds feed attributes. Required: its values would be misread without it.
     */
    ATTRIBUTE_SCHEMA(22, 1, false, true, null);

    final int code;
    final int elementBytes;
    final boolean alwaysPresent;
    /** Written with {@link #FLAG_REQUIRED}: a reader that does not know the kind must refuse the file. */
    final boolean required;
    /** The graph section this kind holds (written and read by {@code dev.trawl.hnsw}), or null. */
    final GraphSection graph;

    Kind(int code, int elementBytes, boolean alwaysPresent, boolean required, GraphSection graph) {
      this.code = code;
      this.elementBytes = elementBytes;
      this.alwaysPresent = alwaysPresent;
      this.required = required;
      this.graph = graph;
    }

    /** The flags a section of this kind carries in the table. */
    int flags() {
      return required ? FLAG_REQUIRED : 0;
    }

    static Kind of(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      return null;
    }
  }

  /**
   * The length section {@code kind} must have in a file of {@code ordinals} ordinals, or -1 when it
   * depends on more than the header (the levels, the attribute schema, the entries): the one rule the
   * writer sizes sections by and the reader checks them against.
   */
  static long fixedLength(Kind kind, int ordinals, int dimension, int m) {
    if (kind.graph != null) {
      return kind.graph.fixedLength(ordinals, dimension, m);
    }
    return kind == Kind.IDS || kind == Kind.VERSIONS ? (long) ordinals * 8 : -1;
  }

  static int headerLength(int sections) {
    return FIXED_HEADER + TABLE_ENTRY * sections + 4;
  }

  static long align(long offset) {
    return (offset + ALIGNMENT - 1) & -ALIGNMENT;
  }

  static int metricCode(Metric metric) {
    switch (metric) {
      case L2:
        return 0;
      case INNER_PRODUCT:
        return 1;
      default:
        return 2;
    }
  }

  /** The metric of {@code code}, or null when it is not one. */
  static Metric metricOf(int code) {
    switch (code) {
      case 0:
        return Metric.L2;
      case 1:
        return Metric.INNER_PRODUCT;
      case 2:
        return Metric.COSINE;
      default:
        return null;
    }
  }
}
