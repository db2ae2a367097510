package dev.trawl.hnsw;

import dev.trawl.vector.Int8Store;
import dev.trawl.vector.VectorStore;
import java.io.IOException;
import java.util.Arrays;

/**
 * A consistent cut of a live graph and the writer of its snapshot sections ({@link GraphSection}).
 * {@link #cut} reads the entry point, copies the link lists of every published node (each under its
 * stripe lock, so no list is torn), then reads the allocated count and every node's published level;
 * the cut holds exactly the nodes published at that moment. Copying the lists before taking the cut
 * keeps the graph whole under concurrent inserts: a node is linked to only once published, so every
 * node a copied list names is in the cut (see {@code docs/format.md}, "Writing").
 *
 * <p>The snapshot writer may tombstone more ordinals of the cut before writing ({@link #markDeleted}:
 * an update racing the cut, an item whose attributes were cleared under it); vectors and codes are
 * read from the graph while the sections are written, so the caller keeps freed ordinals from being
 * reused until it is done ({@link OrdinalReclaimer#snapshotHold}).
 *
 * <p>One writer per snapshot, used by one thread. <b>Allocation:</b> a copy of the link lists (about
 * the size of the link sections) and a few arrays of one entry per ordinal; writing allocates one
 * scratch list.
 */
public final class GraphSnapshotWriter {
  private final HnswGraph graph;
  private final int m;
  private int ordinals;
  private int[] levels;
  /** Copied level-0 lists by page of 1,024 nodes, {@code 1 + 2M} ints per node (count, links). */
  private int[][] links0;
  /** Copied upper lists per node of level L >= 1: L blocks of {@code 1 + M} ints; else null. */
  private int[][] upperLinks;
  private long[] deleted;
  private int entryNode = -1;
  private int entryLevel = -1;
  private int published;
  private long upperInts;

  private GraphSnapshotWriter(HnswGraph graph) {
    this.graph = graph;
    this.m = graph.m();
  }

  /**
   * Takes the cut of {@code graph} while searches and writes go on. A node published after its level
   * was read is left out, and so are links to it. A live node of a higher level than the entry read
   * first becomes the entry (a deleted one may legitimately stand higher: a repair moves the entry
   * off it). Unpublished and deleted ordinals are tombstoned in the cut.
   *
   * @param graph the live graph
   * @return the cut, ready to be written
   */
  public static GraphSnapshotWriter cut(HnswGraph graph) {
    final GraphSnapshotWriter writer = new GraphSnapshotWriter(graph);
    writer.takeCut();
    return writer;
  }

  private void takeCut() {
    final int entry = graph.entryNode(); // read first: the entry node is published before it is set
    // Copy the link lists before deciding which nodes are in: every node a copied list names was
    // published before the copy (a node is linked to only once published), so it is published when
    // the levels are read below, and in the cut. Links are lost only for the few nodes published
    // while the lists were being copied, whose lists are copied afterwards.
    final int copied = graph.size();
    links0 = new int[pages(copied)][];
    upperLinks = new int[copied][];
    final int[] copiedLevels = new int[copied];
    final int[] scratch = new int[2 * m];
    for (int o = 0; o < copied; o++) {
      copiedLevels[o] = graph.publishedLevel(o);
      if (copiedLevels[o] >= 0) {
        copyLinks(o, copiedLevels[o], scratch);
      }
    }
    ordinals = graph.size();
    levels = new int[ordinals];
    deleted = new long[(ordinals + 63) >>> 6];
    for (int o = 0; o < ordinals; o++) {
      levels[o] = graph.publishedLevel(o);
    }
    if (ordinals > copied) {
      links0 = Arrays.copyOf(links0, pages(ordinals));
      upperLinks = Arrays.copyOf(upperLinks, ordinals);
    }
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] >= 0 && (o >= copied || copiedLevels[o] < 0)) {
        copyLinks(o, levels[o], scratch);
      }
    }
    int best = entry >= 0 && entry < ordinals && levels[entry] >= 0 ? entry : -1;
    for (int o = 0; o < ordinals; o++) {
      // A live node published after the entry was read may have a higher level: it leads. (Deleted
      // ones may legitimately stand higher than the entry: a graph repair moves the entry off them.)
      if (levels[o] >= 0 && (best < 0 || (levels[o] > levels[best] && !graph.isDeleted(o)))) {
        best = o;
      }
    }
    entryNode = best;
    entryLevel = best < 0 ? -1 : levels[best];
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] < 0 || graph.isDeleted(o)) {
        markDeleted(o);
      }
      if (levels[o] >= 0) {
        published++;
        upperInts += (long) levels[o] * (1 + m);
      }
    }
  }

  private static int pages(int nodes) {
    return (nodes + VectorStore.PAGE_SIZE - 1) >>> VectorStore.PAGE_SHIFT;
  }

  /** Copies {@code node}'s lists on levels {@code 0..level}, each under the node's stripe lock. */
  private void copyLinks(int node, int level, int[] scratch) {
    final int stride0 = 1 + 2 * m;
    final int page = node >>> VectorStore.PAGE_SHIFT;
    if (links0[page] == null) {
      links0[page] = new int[stride0 << VectorStore.PAGE_SHIFT];
    }
    final int base = (node & (VectorStore.PAGE_SIZE - 1)) * stride0;
    final int count0 = graph.copyLinks(node, 0, scratch);
    links0[page][base] = count0;
    System.arraycopy(scratch, 0, links0[page], base + 1, count0);
    if (level > 0) {
      final int[] upper = new int[level * (1 + m)];
      for (int l = 1; l <= level; l++) {
        final int at = (l - 1) * (1 + m);
        final int count = graph.copyLinks(node, l, scratch);
        upper[at] = count;
        System.arraycopy(scratch, 0, upper, at + 1, count);
      }
      upperLinks[node] = upper;
    }
  }

  // ---------------------------------------------------------------- the cut

  /**
   * The ordinals of the cut, {@code N}.
   *
   * @return the graph's allocated count when the cut was taken
   */
  public int ordinals() {
    return ordinals;
  }

  /**
   * Whether {@code ordinal} was published at the cut (deleted or not).
   *
   * @param ordinal an ordinal below {@link #ordinals()}
   * @return true when the node is in the cut's graph
   */
  public boolean isPublished(int ordinal) {
    return levels[ordinal] >= 0;
  }

  /**
   * Whether {@code ordinal} is tombstoned in the cut: unpublished, deleted at the cut, or marked by
   * {@link #markDeleted}.
   *
   * @param ordinal an ordinal below {@link #ordinals()}
   * @return true when the file will record the ordinal as not live
   */
  public boolean isDeleted(int ordinal) {
    return (deleted[ordinal >>> 6] & (1L << ordinal)) != 0;
  }

  /**
   * Tombstones {@code ordinal} in the cut (not in the graph): the snapshot leaves its item out.
   *
   * @param ordinal an ordinal below {@link #ordinals()}
   */
  public void markDeleted(int ordinal) {
    deleted[ordinal >>> 6] |= 1L << ordinal;
  }

  /**
   * Tombstones {@code ordinal} in the cut if the graph has deleted it since the cut was taken: for
   * data copied after the cut (attributes), whose copy may already reflect the deletion.
   *
   * @param ordinal an ordinal below {@link #ordinals()}
   */
  public void markIfDeletedSince(int ordinal) {
    if (!isDeleted(ordinal) && graph.isDeleted(ordinal)) {
      markDeleted(ordinal);
    }
  }

  /**
   * The tombstones of the cut.
   *
   * @return how many ordinals {@link #isDeleted} holds for
   */
  public int deletedCount() {
    int count = 0;
    for (long word : deleted) {
      count += Long.bitCount(word);
    }
    return count;
  }

  /**
   * The nodes published at the cut.
   *
   * @return the count of ordinals {@link #isPublished} holds for
   */
  public int published() {
    return published;
  }

  /**
   * The entry node of the cut's graph.
   *
   * @return a published ordinal, or -1 when nothing is published
   */
  public int entryNode() {
    return entryNode;
  }

  /**
   * The entry node's level.
   *
   * @return 0..{@link HnswGraph#MAX_LEVEL}, or -1 when nothing is published
   */
  public int entryLevel() {
    return entryLevel;
  }

  // ---------------------------------------------------------------- the sections

  /**
   * Whether the file holds {@code section}: {@link GraphSection#INT8_CODES} for a graph that stores
   * codes, {@link GraphSection#VECTORS} for one that stores floats, every other section always.
   *
   * @param section a graph section
   * @return true when the section is written
   */
  public boolean has(GraphSection section) {
    switch (section) {
      case VECTORS:
        return graph.codes() == null;
      case INT8_CODES:
        return graph.codes() != null;
      default:
        return true;
    }
  }

  /**
   * The length in bytes {@code section} has in this cut's file.
   *
   * @param section a graph section the file {@link #has}
   * @return its exact length
   */
  public long length(GraphSection section) {
    return section == GraphSection.LINKS_UPPER
        ? upperInts * 4
        : section.fixedLength(ordinals, graph.vectors().dimension(), m);
  }

  /**
   * Writes {@code section} of the cut to {@code out}: exactly {@link #length} bytes. Links to nodes
   * outside the cut (allocated or published after it) are dropped; vectors and codes are read from
   * the graph, zeros for unpublished ordinals.
   *
   * @param section a graph section the file {@link #has}
   * @param out the file's output, positioned at the section's start
   * @throws IOException when the output cannot be written
   */
  public void write(GraphSection section, SectionOutput out) throws IOException {
    switch (section) {
      case VECTORS:
        writeVectors(out);
        break;
      case INT8_CODES:
        writeCodes(out);
        break;
      case NODE_LEVELS:
        for (int o = 0; o < ordinals; o++) {
          out.putInt(levels[o]);
        }
        break;
      case LINKS_LEVEL0:
        {
          final int[] links = new int[2 * m];
          for (int o = 0; o < ordinals; o++) {
            putLinks(out, o, 0, links, 2 * m);
          }
        }
        break;
      case LINKS_UPPER:
        {
          final int[] links = new int[2 * m];
          for (int o = 0; o < ordinals; o++) {
            for (int level = 1; level <= levels[o]; level++) {
              putLinks(out, o, level, links, m);
            }
          }
        }
        break;
      case TOMBSTONES:
        for (long word : deleted) {
          out.putLong(word);
        }
        break;
      default:
        throw new IllegalStateException("no writer for section " + section);
    }
  }

  private void writeVectors(SectionOutput out) throws IOException {
    final VectorStore vectors = graph.vectors();
    final int dimension = vectors.dimension();
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] >= 0) {
        out.putFloats(vectors.page(o), vectors.offset(o), dimension);
      } else {
        out.zeros(4L * dimension);
      }
    }
  }

  private void writeCodes(SectionOutput out) throws IOException {
    final Int8Store codes = graph.codes();
    out.putInt(Float.floatToRawIntBits(codes.lo()));
    out.putInt(Float.floatToRawIntBits(codes.hi()));
    for (int o = 0; o < ordinals; o++) {
      if (levels[o] >= 0) {
        final int[] page = codes.page(o);
        for (int i = codes.offset(o), end = i + codes.stride(); i < end; i++) {
          out.putInt(page[i]);
        }
      } else {
        out.zeros(4L * codes.stride());
      }
    }
  }

  /**
   * Writes one link list: the count, the links, zero padding to {@code slots}. Links to nodes
   * outside the cut (allocated or published after it) are dropped.
   */
  private void putLinks(SectionOutput out, int node, int level, int[] scratch, int slots)
      throws IOException {
    int kept = 0;
    if (levels[node] >= level) {
      final int[] list;
      final int base;
      if (level == 0) {
        list = links0[node >>> VectorStore.PAGE_SHIFT];
        base = (node & (VectorStore.PAGE_SIZE - 1)) * (1 + 2 * m);
      } else {
        list = upperLinks[node];
        base = (level - 1) * (1 + m);
      }
      for (int i = 1, count = list[base]; i <= count; i++) {
        final int target = list[base + i];
        if (target >= 0 && target < ordinals && levels[target] >= level) {
          scratch[kept++] = target;
        }
      }
    }
    out.putInt(kept);
    for (int i = 0; i < kept; i++) {
      out.putInt(scratch[i]);
    }
    out.zeros(4L * (slots - kept));
  }
}
