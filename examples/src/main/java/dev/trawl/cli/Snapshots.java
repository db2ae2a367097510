package dev.trawl.cli;

import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.VectorIndex;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The CLI's door to {@link IndexSnapshot}: turns its exceptions into one-line {@link CliError}s.
 * Stateless; thread-safe.
 */
public final class Snapshots {
  private Snapshots() {}

  /** A loaded index and how long loading took. */
  record Loaded(VectorIndex index, double seconds) {}

  /** Writes {@code index} to {@code path} and reports the size and time on {@code out}. */
  static SnapshotInfo write(VectorIndex index, Path path, PrintWriter out) {
    final long start = System.nanoTime();
    final SnapshotInfo info;
    try {
      info = IndexSnapshot.write(index, path);
    } catch (IOException e) {
      throw new CliError(path + ": cannot write the snapshot: " + e.getMessage(), e);
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "wrote %s: %s, %,.0f bytes per item, in %.3f s%n",
        path,
        megabytes(info.fileBytes()),
        info.fileBytes() / (double) Math.max(1, info.liveItems()),
        seconds);
    return info;
  }

  static Loaded load(Path path) {
    final long start = System.nanoTime();
    final VectorIndex index = read(path, IndexSnapshot::load);
    return new Loaded(index, (System.nanoTime() - start) / 1e9);
  }

  /**
   * Loads a snapshot with the stream positions stored in it (a service resuming its stream from
   * them).
   *
   * @throws RuntimeException a one-line error naming the file and the problem (missing, unreadable,
   *     corrupt), which {@code trawl} prints without a stack trace
   */
  public static LoadedSnapshot loadWithPositions(Path path) {
    return read(path, IndexSnapshot::loadWithPositions);
  }

  private interface Reader<T> {
    T read(Path path) throws IOException;
  }

  private static <T> T read(Path path, Reader<T> reader) {
    try {
      return reader.read(path);
    } catch (NoSuchFileException e) {
      throw new CliError(path + ": no such file");
    } catch (IOException e) {
      // a SnapshotException names the file and the problem already
      throw new CliError(
          e.getMessage() != null && e.getMessage().startsWith(path.toString())
              ? e.getMessage()
              : path + ": cannot read: " + e.getMessage(),
          e);
    }
  }

  static SnapshotInfo info(Path path) {
    try {
      return IndexSnapshot.readInfo(path);
    } catch (NoSuchFileException e) {
      throw new CliError(path + ": no such file");
    } catch (IOException e) {
      throw new CliError(e.getMessage(), e);
    }
  }

  static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
