package dev.trawl.cli;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.VectorIndex;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code trawl inspect}: what a snapshot holds, and how long it takes to load. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Loads a snapshot and prints its counts, dimension, metric, parameters, nodes per level, mean"
          + " degree per level, bytes per item, sections and load time."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INDEX", description = "Snapshot file.")
  Path index;

  @Override
  public Integer call() {
    final PrintWriter out = spec.commandLine().getOut();
    final SnapshotInfo info = Snapshots.info(index);
    final Snapshots.Loaded loaded = Snapshots.load(index);
    final VectorIndex idx = loaded.index();
    final HnswGraph graph = idx.graph();
    final int ordinals = graph.size();
    // deleted nodes may stand above the entry until a repair: count every level a node can have
    final int top = HnswGraph.MAX_LEVEL;
    final long[] nodes = new long[top + 1];
    final long[] links = new long[top + 1];
    for (int o = 0; o < ordinals; o++) {
      final int level = graph.publishedLevel(o);
      for (int l = 0; l <= level; l++) {
        nodes[l]++;
        links[l] += graph.linkPage(o, l)[graph.linkBase(o, l)];
      }
    }
    final long live = Math.max(1, info.liveItems());
    out.printf(
        Locale.ROOT,
        "file          %s (%s, format version %d)%n",
        index,
        Snapshots.megabytes(info.fileBytes()),
        info.formatVersion());
    out.printf(Locale.ROOT, "metric        %s%n", info.metric().name().toLowerCase(Locale.ROOT));
    out.printf(Locale.ROOT, "dimension     %d%n", info.dimension());
    out.printf(
        Locale.ROOT,
        "parameters    M=%d efConstruction=%d seed=%d%n",
        info.m(),
        info.efConstruction(),
        info.seed());
    out.printf(
        Locale.ROOT,
        "items         %,d live, %,d ordinals (%,d published, %,d deleted or replaced)%n",
        info.liveItems(),
        info.ordinals(),
        info.published(),
        info.ordinals() - info.liveItems());
    out.printf(
        Locale.ROOT, "entry         node %d at level %d%n", info.entryNode(), info.topLevel());
    final StringBuilder levels = new StringBuilder();
    final StringBuilder degrees = new StringBuilder();
    for (int l = 0; l <= top && nodes[l] > 0; l++) {
      levels.append(String.format(Locale.ROOT, "%s%d: %,d", l == 0 ? "" : "  ", l, nodes[l]));
      degrees.append(
          String.format(
              Locale.ROOT, "%s%d: %.2f", l == 0 ? "" : "  ", l, links[l] / (double) nodes[l]));
    }
    out.printf(Locale.ROOT, "nodes/level   %s%n", levels);
    out.printf(Locale.ROOT, "mean degree   %s%n", degrees);
    final AttributeIndex attributes = idx.attributes();
    out.printf(
        Locale.ROOT,
        "attributes    %,d authors, %,d communities, %,d languages, %,d flags in use%n",
        attributes.authors().keyCount(),
        attributes.communities().keyCount(),
        attributes.languages().keyCount(),
        attributes.flags().keyCount());
    out.printf(
        Locale.ROOT,
        "bytes/item    %,.1f in the file (vectors %,d)%n",
        info.fileBytes() / (double) live,
        4L * info.dimension());
    for (SnapshotInfo.Section s : info.sections()) {
      out.printf(
          Locale.ROOT,
          "section       %-17s %,14d bytes at %,d  crc32c %08x%n",
          s.name(),
          s.length(),
          s.offset(),
          s.crc32c());
    }
    out.printf(Locale.ROOT, "loaded in     %.1f ms (checksums verified)%n", loaded.seconds() * 1e3);
    out.flush();
    return 0;
  }
}
