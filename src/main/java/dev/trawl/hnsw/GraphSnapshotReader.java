package dev.trawl.hnsw;

import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import dev.trawl.vector.VectorChecks;
import dev.trawl.vector.VectorStore;
import java.io.IOException;

/**
 * Reads the graph sections of a snapshot ({@link GraphSection}) into a new {@link HnswGraph},
 * checking every rule the format states for them before the graph is handed out, so that a file
 * whose checksums were recomputed by whoever wrote it still cannot load into a graph that breaks
 * later (the rules, in {@code docs/format.md}, "Loading", steps 5 to 7):
 *
 * <ul>
 *   <li>levels in {@code [-1, MAX_LEVEL]}, every unpublished ordinal tombstoned, no tombstone beyond
 *       the last ordinal, the header's published and live counts, its deleted count at the last
 *       repair and entry point matching the sections, {@link GraphSection#LINKS_UPPER} as long as
 *       the levels need;
 *   <li>every published vector of finite squared norm at most {@link #MAX_SQUARED_NORM} (1 within
 *       {@link #unitNormTolerance} under cosine), or codes of 0..127 with zero padding and their true
 *       sum; zeros for unpublished ordinals;
 *   <li>link counts within the level's degree (none for an unpublished node), every target an
 *       ordinal of at least that level, zeros after the links.
 * </ul>
 *
 * Each check runs while the page it reads was just copied, and all are linear in the section sizes.
 * A broken rule throws a {@link GraphFormatException} whose message names the section (or the header
 * field) and the rule. The caller checks the file around the sections (header ranges, section table
 * and lengths, checksums) first.
 *
 * <p>Use: {@link #readLevelsAndTombstones}, then {@link #readVectors} or {@link #readCodes}, then
 * {@link #readLinks}; the caller may then consult {@link #isPublished} and {@link #isDeleted} (to
 * check its own per-ordinal data) before {@link #publish} hands out the graph. One reader per load,
 * used by one thread; the graph is not shared until {@link #publish} returns it. <b>Allocation:</b>
 * the graph's storage, one level per ordinal and the tombstone words.
 */
public final class GraphSnapshotReader {
  /**
   * Largest squared norm of a stored vector: the bound writes and queries are checked against
   * ({@link VectorChecks#MAX_SQUARED_NORM}, 1e37, below a quarter of the largest float), so that no
   * squared L2 distance ({@code <= 2|a|^2 + 2|b|^2}) and no inner product ({@code <= |a| |b|})
   * between two stored vectors overflows to infinity.
   */
  static final float MAX_SQUARED_NORM = (float) VectorChecks.MAX_SQUARED_NORM;

  /**
   * The graph fields of a snapshot's header: as written, or as read and checked by the caller
   * against their ranges (a known metric; dimension, {@code M} and efConstruction within the builder's bounds;
   * {@code 0 <= live <= published <= ordinals}; an entry point of {@code -1, -1} exactly when nothing
   * is published, else a node below {@code ordinals} at a level up to {@link HnswGraph#MAX_LEVEL}).
   *
   * @param metric the distance the vectors are stored for
   * @param dimension the vectors' dimension
   * @param m links per node on upper levels
   * @param efConstruction the insert beam of writes after loading
   * @param seed the level seed of writes after loading
   * @param ordinals {@code N}, the ordinals in the file
   * @param published the nodes published at the cut
   * @param live the published nodes not deleted
   * @param entryNode the entry node, -1 when nothing is published
   * @param entryLevel its level, -1 when nothing is published
   * @param deletedAtLastRepair the deletions counted at the last repair (the repair schedule resumes
   *     from it)
   */
  public record Header(
      Metric metric,
      int dimension,
      int m,
      int efConstruction,
      long seed,
      int ordinals,
      int published,
      int live,
      int entryNode,
      int entryLevel,
      int deletedAtLastRepair) {}

  private final Header header;
  private final int ordinals;
  private final int dimension;
  private final int m;
  private int[] levels;
  private long[] deleted;
  private HnswGraph graph;

  /**
   * A reader for the sections of a file with this header.
   *
   * @param header the header's graph fields, already checked against their ranges
   */
  public GraphSnapshotReader(Header header) {
    this.header = header;
    this.ordinals = header.ordinals();
    this.dimension = header.dimension();
    this.m = header.m();
  }

  /**
   * How far from 1 the squared norm of a vector stored under cosine may be. Stored vectors are
   * normalised in float arithmetic; summing {@code d} float squares errs by at most about
   * {@code d * 2^-24} relatively, so twice that (plus a floor) accepts every vector the library
   * normalised, at any dimension up to 65,536 (below 0.008), and refuses every vector that was not
   * normalised at all.
   */
  static float unitNormTolerance(int dimension) {
    return 1e-4f + dimension * 0x1p-23f;
  }

  // ---------------------------------------------------------------- levels and tombstones

  /**
   * Reads {@link GraphSection#NODE_LEVELS} and {@link GraphSection#TOMBSTONES} and checks them
   * against each other and the header.
   *
   * @param levelInput the section NODE_LEVELS
   * @param tombstoneInput the section TOMBSTONES
   * @param upperLinksBytes the length of the file's section LINKS_UPPER, checked against the levels
   * @throws GraphFormatException when a level, a tombstone, a header count or the upper links'
   *     length breaks a rule
   * @throws IOException when a section cannot be read
   */
  public void readLevelsAndTombstones(
      SectionInput levelInput, SectionInput tombstoneInput, long upperLinksBytes)
      throws GraphFormatException, IOException {
    levels = new int[ordinals];
    levelInput.ints(levels, 0, ordinals);
    deleted = new long[(ordinals + 63) >>> 6];
    tombstoneInput.longs(deleted, 0, deleted.length);
    int publishedCount = 0;
    long upperInts = 0;
    int deletedCount = 0;
    for (int o = 0; o < ordinals; o++) {
      final int level = levels[o];
      if (level < -1 || level > HnswGraph.MAX_LEVEL) {
        throw new GraphFormatException("section NODE_LEVELS: node " + o + " has impossible level " + level);
      }
      if (level >= 0) {
        publishedCount++;
        upperInts += (long) level * (1 + m);
      } else if (!isDeleted(o)) {
        throw new GraphFormatException(
            "section TOMBSTONES: node " + o + " is unpublished but not marked deleted");
      }
      if (isDeleted(o)) {
        deletedCount++;
      }
    }
    if ((ordinals & 63) != 0
        && deleted.length > 0
        && (deleted[deleted.length - 1] >>> (ordinals & 63)) != 0) {
      throw new GraphFormatException("section TOMBSTONES: bits are set beyond the last ordinal");
    }
    if (publishedCount != header.published() || ordinals - deletedCount != header.live()) {
      throw new GraphFormatException(
          "header: counts disagree with sections NODE_LEVELS and TOMBSTONES: "
              + publishedCount
              + " published and "
              + (ordinals - deletedCount)
              + " live nodes, header says "
              + header.published()
              + " and "
              + header.live());
    }
    if (header.deletedAtLastRepair() > deletedCount) {
      throw new GraphFormatException("header: " + header.deletedAtLastRepair()
          + " deleted at the last repair, but section TOMBSTONES has " + deletedCount);
    }
    final int entryNode = header.entryNode();
    if (entryNode >= 0 && levels[entryNode] != header.entryLevel()) {
      // The entry need not be the highest node, nor the highest live one: a repair moves it off a
      // deleted node, an entry removed since the last repair is still the entry, and a node deleted
      // while a live snapshot is cut may be recorded as deleted after it was chosen. Any published
      // node is a valid start for the walk.
      throw new GraphFormatException(
          "header: entry node " + entryNode + " has level " + levels[entryNode] + " in section NODE_LEVELS,"
              + " header says " + header.entryLevel());
    }
    if (upperLinksBytes != upperInts * 4) {
      throw new GraphFormatException(
          "section LINKS_UPPER has " + upperLinksBytes + " bytes, the levels need " + upperInts * 4);
    }
  }

  /**
   * Whether {@code ordinal} was published at the cut, by {@link GraphSection#NODE_LEVELS}.
   *
   * @param ordinal an ordinal below the header's {@code ordinals}
   * @return true when its level is not -1
   */
  public boolean isPublished(int ordinal) {
    return levels[ordinal] >= 0;
  }

  /**
   * Whether {@code ordinal} is tombstoned in {@link GraphSection#TOMBSTONES}.
   *
   * @param ordinal an ordinal below the header's {@code ordinals}
   * @return true when the file records it as deleted or unpublished
   */
  public boolean isDeleted(int ordinal) {
    return (deleted[ordinal >>> 6] & (1L << ordinal)) != 0;
  }

  // ---------------------------------------------------------------- vectors

  /**
   * Reads {@link GraphSection#VECTORS} into a new float graph, page by page, checking each page's
   * vectors right after it is copied.
   *
   * @param input the section VECTORS
   * @throws GraphFormatException when a vector is not finite, too long, not of unit norm under
   *     cosine, or not zero for an unpublished ordinal
   * @throws IOException when the section cannot be read
   */
  public void readVectors(SectionInput input) throws GraphFormatException, IOException {
    final VectorStore store = new VectorStore(dimension, header.metric());
    newGraph(store, null);
    for (int first = 0; first < ordinals; first += store.vectorsPerPage()) {
      final int nodes = Math.min(store.vectorsPerPage(), ordinals - first);
      final float[] page = store.page(first);
      input.floats(page, 0, nodes * dimension);
      checkVectors(page, first, nodes); // while the page is in the cache
    }
  }

  /**
   * Reads {@link GraphSection#INT8_CODES} into a new quantized graph, page by page, checking each
   * page's codes right after it is copied.
   *
   * @param input the section INT8_CODES
   * @throws GraphFormatException when the range is not finite {@code lo < hi}, a code is above 127,
   *     padding is not zero, a stored sum is not the codes' sum, or an unpublished ordinal's codes
   *     are not zero
   * @throws IOException when the section cannot be read
   */
  public void readCodes(SectionInput input) throws GraphFormatException, IOException {
    final int[] bits = new int[2];
    input.ints(bits, 0, 2);
    final float lo = Float.intBitsToFloat(bits[0]);
    final float hi = Float.intBitsToFloat(bits[1]);
    if (!Float.isFinite(lo) || !Float.isFinite(hi) || !(lo < hi)) {
      throw new GraphFormatException(
          "section INT8_CODES: the range [" + lo + ", " + hi + "] is not finite lo < hi");
    }
    final Int8Store codes = new Int8Store(dimension, header.metric(), lo, hi);
    newGraph(new VectorStore(dimension, header.metric()), codes);
    for (int first = 0; first < ordinals; first += codes.vectorsPerPage()) {
      final int nodes = Math.min(codes.vectorsPerPage(), ordinals - first);
      final int[] page = codes.page(first);
      input.ints(page, 0, nodes * codes.stride());
      checkCodes(codes, page, first, nodes); // while the page is in the cache
    }
  }

  /** Makes the graph and allocates every ordinal of the file, none published yet. */
  private void newGraph(VectorStore store, Int8Store codes) {
    graph = new HnswGraph(store, codes, m, header.efConstruction(), header.seed());
    graph.allocateRestored(levels);
  }

  /**
   * Checks the codes of ordinals {@code [first, first + nodes)}, just copied to {@code page}: every
   * code 0..127, the padding bytes zero and the stored sum the codes' sum, for a published node (so
   * no distance can leave its range); all zero for an unpublished one.
   */
  private void checkCodes(Int8Store codes, int[] page, int first, int nodes) throws GraphFormatException {
    final int codeInts = codes.codeInts();
    final int padding = 4 * codeInts - dimension; // 0..3 unused bytes at the end of the last int
    final int lastMask = padding == 0 ? 0 : -1 << (8 * (4 - padding));
    for (int i = 0, at = 0; i < nodes; i++, at += codes.stride()) {
      final int ordinal = first + i;
      long sum = 0;
      int or = 0;
      for (int w = 0; w < codeInts; w++) {
        final int x = page[at + w];
        or |= x;
        if ((x & 0x8080_8080) != 0 || (w == codeInts - 1 && (x & lastMask) != 0)) {
          throw new GraphFormatException("section INT8_CODES: ordinal " + ordinal + " has a code above 127 or"
              + " non-zero padding in int " + w);
        }
        sum += (x & 0x7F) + ((x >>> 8) & 0x7F) + ((x >>> 16) & 0x7F) + (x >>> 24);
      }
      final int storedSum = page[at + codeInts];
      if (levels[ordinal] < 0 ? (or | storedSum) != 0 : storedSum != sum) {
        throw new GraphFormatException("section INT8_CODES: ordinal " + ordinal + (levels[ordinal] < 0
            ? " is unpublished but its codes are not zero"
            : " stores a code sum of " + storedSum + ", its codes sum to " + sum));
      }
    }
  }

  /**
   * Checks the vectors of ordinals {@code [first, first + nodes)}, just copied to {@code page}: a
   * published node's squared norm is finite and at most {@link #MAX_SQUARED_NORM} (so every
   * component is finite and no distance overflows), and 1 within {@link #unitNormTolerance} under
   * cosine; an unpublished ordinal's vector is all zero bits. One SIMD dot product per vector.
   */
  private void checkVectors(float[] page, int first, int nodes) throws GraphFormatException {
    final boolean unit = header.metric().normalises();
    final float tolerance = unitNormTolerance(dimension);
    for (int i = 0, at = 0; i < nodes; i++, at += dimension) {
      if (levels[first + i] < 0) {
        for (int j = at; j < at + dimension; j++) {
          if (Float.floatToRawIntBits(page[j]) != 0) {
            throw new GraphFormatException("section VECTORS: ordinal " + (first + i)
                + " is unpublished but its vector is not zero");
          }
        }
        continue;
      }
      final float squaredNorm = Kernels.BEST.dot(page, at, page, at, dimension);
      if (!(squaredNorm <= MAX_SQUARED_NORM) || (unit && !(Math.abs(squaredNorm - 1f) <= tolerance))) {
        throw new GraphFormatException(describeVector(page, at, first + i, squaredNorm, unit, tolerance));
      }
    }
  }

  private String describeVector(
      float[] page, int at, int ordinal, float squaredNorm, boolean unit, float tolerance) {
    for (int j = 0; j < dimension; j++) {
      if (!Float.isFinite(page[at + j])) {
        return "section VECTORS: the vector of ordinal " + ordinal + " has a non-finite component "
            + page[at + j] + " at position " + j;
      }
    }
    if (!(squaredNorm <= MAX_SQUARED_NORM)) {
      return "section VECTORS: the vector of ordinal " + ordinal + " has a squared norm of " + squaredNorm
          + ", above " + MAX_SQUARED_NORM + " (its distances would overflow)";
    }
    return "section VECTORS: the vector of ordinal " + ordinal + " has a squared norm of " + squaredNorm
        + ", not 1 within " + tolerance + " as every vector stored under " + header.metric() + " must";
  }

  // ---------------------------------------------------------------- links

  /**
   * Reads {@link GraphSection#LINKS_LEVEL0} and {@link GraphSection#LINKS_UPPER} straight into the
   * graph's link storage, checking each list right after it is copied.
   *
   * @param level0 the section LINKS_LEVEL0
   * @param upper the section LINKS_UPPER
   * @throws GraphFormatException when a count exceeds the level's degree (or is not 0 for an
   *     unpublished node), a link names an ordinal below that level, or a slot after the links is not
   *     zero
   * @throws IOException when a section cannot be read
   */
  public void readLinks(SectionInput level0, SectionInput upper) throws GraphFormatException, IOException {
    final int stride0 = 1 + 2 * m;
    for (int first = 0; first < ordinals; first += VectorStore.PAGE_SIZE) {
      final int nodes = Math.min(VectorStore.PAGE_SIZE, ordinals - first);
      level0.ints(graph.linkPage(first, 0), 0, nodes * stride0);
      for (int o = first; o < first + nodes; o++) {
        checkLinks(o, 0); // while the page is in the cache
      }
    }
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] > 0) {
        upper.ints(graph.linkPage(o, 1), graph.linkBase(o, 1), levels[o] * (1 + m));
        for (int level = 1; level <= levels[o]; level++) {
          checkLinks(o, level);
        }
      }
    }
  }

  /**
   * Checks one link list: a count within the level's degree (none for an unpublished node), every
   * target an ordinal of at least that level, and zeros in the slots after the links.
   */
  private void checkLinks(int node, int level) throws GraphFormatException {
    final int[] page = graph.linkPage(node, level);
    final int base = graph.linkBase(node, level);
    final int count = page[base];
    final int slots = graph.maxDegree(level);
    final int max = levels[node] < 0 ? 0 : slots;
    final String section = level == 0 ? "section LINKS_LEVEL0" : "section LINKS_UPPER";
    if (count < 0 || count > max) {
      throw new GraphFormatException(section + ": node " + node + " has " + count + " links on level "
          + level + ", at most " + max + " allowed");
    }
    for (int i = 1; i <= count; i++) {
      final int target = page[base + i];
      if (target < 0 || target >= ordinals || levels[target] < level) {
        throw new GraphFormatException(section + ": node " + node + " links on level " + level + " to "
            + target + ", not a node of that level");
      }
    }
    for (int i = count + 1; i <= slots; i++) {
      if (page[base + i] != 0) {
        throw new GraphFormatException(section + ": node " + node + " has a non-zero slot after its "
            + count + " links on level " + level);
      }
    }
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Tombstones the deleted ordinals, publishes every node the file records as published, sets the
   * entry point and frees the unpublished deleted ordinals (linked from nowhere, so reusable at
   * once). Called once, after {@link #readLinks}.
   *
   * @return the graph, ready to be searched and written, with the file's deletions counted as its own
   */
  public HnswGraph publish() {
    for (int o = 0; o < ordinals; o++) {
      if (isDeleted(o)) {
        graph.delete(o);
      }
    }
    graph.publishRestored(levels, header.entryNode());
    graph.restoreFree(); // deleted unpublished nodes are linked from nowhere: free at once
    return graph;
  }
}
