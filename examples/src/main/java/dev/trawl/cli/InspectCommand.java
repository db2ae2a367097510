package dev.trawl.cli;

import dev.trawl.filter.AttributeIndex;
import dev.trawl.index.IndexStats;
import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  @Option(
      names = "--json",
      description =
          "Print one JSON object: counts, parameters, versions, remembered removals and stored"
              + " stream positions.")
  boolean json;

  @Override
  public Integer call() {
    final PrintWriter out = spec.commandLine().getOut();
    final SnapshotInfo info = Snapshots.info(index);
    final Snapshots.Loaded loaded = Snapshots.load(index);
    final VectorIndex idx = loaded.index();
    final IndexStats stats = idx.stats();
    final Versions versions = Versions.of(idx, info);
    if (json) {
      printJson(out, info, versions, loaded.seconds());
      return 0;
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
    for (int l = 0; l < stats.levels() && stats.nodesAt(l) > 0; l++) {
      levels.append(String.format(Locale.ROOT, "%s%d: %,d", l == 0 ? "" : "  ", l, stats.nodesAt(l)));
      degrees.append(
          String.format(
              Locale.ROOT,
              "%s%d: %.2f",
              l == 0 ? "" : "  ",
              l,
              stats.linksAt(l) / (double) stats.nodesAt(l)));
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
    out.printf(
        Locale.ROOT,
        "versions      %,d live items versioned%s, %,d removals remembered%n",
        versions.versioned(),
        versions.versioned() > 0
            ? String.format(Locale.ROOT, " (%d to %d)", versions.min(), versions.max())
            : "",
        versions.removals());
    final SourcePositions positions = info.positions();
    for (int i = 0; i < positions.size(); i++) {
      out.printf(
          Locale.ROOT,
          "position      %s partition %d: next offset %,d%n",
          positions.source(i),
          positions.partition(i),
          positions.offset(i));
    }
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

  /** The versions of a loaded index's live items and the snapshot's remembered removals. */
  record Versions(long versioned, long min, long max, long removals) {
    static Versions of(VectorIndex index, SnapshotInfo info) {
      long versioned = 0;
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (long id : index.ids()) {
        final long v = index.version(id);
        if (v != VectorIndex.NO_VERSION) {
          versioned++;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      long removals = 0;
      for (SnapshotInfo.Section s : info.sections()) {
        if (s.name().equals("REMOVALS")) {
          removals = (s.length() - 16) / 16; // docs/format.md: 16 header bytes, 16 per removal
        }
      }
      return new Versions(versioned, min, max, removals);
    }
  }

  private void printJson(PrintWriter out, SnapshotInfo info, Versions versions, double seconds) {
    final StringBuilder b = new StringBuilder(256);
    b.append("{\"file\":").append(quote(index.toString()));
    b.append(",\"format_version\":").append(info.formatVersion());
    b.append(",\"file_bytes\":").append(info.fileBytes());
    b.append(",\"metric\":").append(quote(info.metric().name().toLowerCase(Locale.ROOT)));
    b.append(",\"dimension\":").append(info.dimension());
    b.append(",\"m\":").append(info.m());
    b.append(",\"ef_construction\":").append(info.efConstruction());
    b.append(",\"live\":").append(info.liveItems());
    b.append(",\"ordinals\":").append(info.ordinals());
    b.append(",\"published\":").append(info.published());
    b.append(",\"versions\":{\"versioned_live\":").append(versions.versioned());
    if (versions.versioned() > 0) {
      b.append(",\"min\":").append(versions.min()).append(",\"max\":").append(versions.max());
    }
    b.append(",\"removals_remembered\":").append(versions.removals()).append('}');
    b.append(",\"positions\":[");
    final SourcePositions positions = info.positions();
    for (int i = 0; i < positions.size(); i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"source\":")
          .append(quote(positions.source(i)))
          .append(",\"partition\":")
          .append(positions.partition(i))
          .append(",\"offset\":")
          .append(positions.offset(i))
          .append('}');
    }
    b.append("],\"load_ms\":")
        .append(String.format(Locale.ROOT, "%.1f", seconds * 1e3))
        .append('}');
    out.println(b);
    out.flush();
  }

  /** A JSON string literal. */
  static String quote(String s) {
    final StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
