package dev.trawl.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.agrona.collections.LongHashSet;

/**
 * Readers for the CLI's non-vector inputs: ground-truth {@code .ivecs} files and id lists. Each
 * rejects a malformed file with a {@link CliError} naming the file and the problem. Stateless.
 */
final class InputFiles {
  private InputFiles() {}

  /**
   * Reads a TEXMEX {@code .ivecs} file: per row an int32 little-endian count, then that many int32
   * ids (nearest first). Every row must have the same count.
   */
  static int[][] readIvecs(Path path) {
    final byte[] bytes = readBytes(path);
    if (bytes.length < 4) {
      throw new CliError(
          path + ": file is " + bytes.length + " bytes, too short for an .ivecs row");
    }
    final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    final int depth = buf.getInt(0);
    if (depth <= 0 || depth > 1 << 20) {
      throw new CliError(path + ": first row declares " + depth + " ids, not an .ivecs file?");
    }
    final long rowBytes = 4L + 4L * depth;
    if (bytes.length % rowBytes != 0) {
      throw new CliError(
          path
              + ": size "
              + bytes.length
              + " is not a whole number of "
              + rowBytes
              + "-byte rows ("
              + depth
              + " ids each): truncated or not an .ivecs file");
    }
    final int rows = (int) (bytes.length / rowBytes);
    final int[][] out = new int[rows][depth];
    for (int r = 0; r < rows; r++) {
      final int d = buf.getInt();
      if (d != depth) {
        throw new CliError(
            path + ": row " + r + " has " + d + " ids, but the first row has " + depth);
      }
      for (int j = 0; j < depth; j++) {
        out[r][j] = buf.getInt();
      }
    }
    return out;
  }

  /**
   * Reads external ids, one decimal integer per line (blank lines skipped). There must be exactly
   * {@code expected} of them, all distinct.
   */
  static long[] readIds(Path path, int expected) {
    final long[] ids = new long[expected];
    final LongHashSet seen = new LongHashSet(Math.max(16, expected * 2));
    int n = 0;
    int lineNumber = 0;
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNumber++;
        final String token = line.strip();
        if (token.isEmpty()) {
          continue;
        }
        final long id;
        try {
          id = Long.parseLong(token);
        } catch (NumberFormatException e) {
          throw new CliError(
              path + " line " + lineNumber + ": '" + token + "' is not an integer id");
        }
        if (n == expected) {
          throw new CliError(
              path + ": more than " + expected + " ids, one per vector was expected");
        }
        if (!seen.add(id)) {
          throw new CliError(path + " line " + lineNumber + ": id " + id + " appears twice");
        }
        ids[n++] = id;
      }
    } catch (NoSuchFileException e) {
      throw new CliError(path + ": no such file");
    } catch (IOException e) {
      throw new CliError(path + ": cannot read: " + e.getMessage(), e);
    }
    if (n != expected) {
      throw new CliError(path + ": " + n + " ids, but there are " + expected + " vectors");
    }
    return ids;
  }

  private static byte[] readBytes(Path path) {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new CliError(path + ": no such file");
    } catch (IOException e) {
      throw new CliError(path + ": cannot read: " + e.getMessage(), e);
    }
  }
}
