package dev.trawl.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file of float vectors, one per row, in any of the formats the CLI reads, chosen by extension:
 *
 * <ul>
 *   <li>{@code .fvecs}: per row an int32 little-endian dimension, then that many float32 values
 *       (the TEXMEX layout).
 *   <li>{@code .bvecs}: per row an int32 dimension, then that many unsigned bytes (read as 0..255).
 *   <li>{@code .npy}: a NumPy array of shape (rows, dimension), dtype {@code <f4}, C order.
 *   <li>{@code .csv}: one row per line, values separated by commas (or whitespace); a first line
 *       that does not parse as numbers is taken as a header and skipped; blank lines are skipped.
 * </ul>
 *
 * Binary files are memory-mapped and rows are decoded on demand, so opening a large file costs a
 * validation pass over its row headers, not a copy; CSV is parsed into memory. Every malformed file
 * is rejected at {@link #open} with a {@link CliError} naming the file and what is wrong with it.
 *
 * <p>Thread-safe for reading: {@link #read} uses absolute gets only. Allocates nothing per row.
 */
final class VectorFile {
  /** The supported layouts. */
  enum Format {
    FVECS,
    BVECS,
    NPY,
    CSV
  }

  private static final long MAX_SEGMENT = Integer.MAX_VALUE;
  private static final Pattern NPY_DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern NPY_FORTRAN =
      Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern NPY_SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private final Path path;
  private final Format format;
  private final int dimension;
  private final int count;
  private final int rowPrefix;
  private final int rowBytes;
  private final boolean bytes;
  private final int rowsPerSegment;
  private final ByteBuffer[] segments;

  private VectorFile(
      Path path,
      Format format,
      int dimension,
      int count,
      long dataStart,
      int rowPrefix,
      boolean bytes,
      ByteBuffer[] segments,
      int rowsPerSegment) {
    this.path = path;
    this.format = format;
    this.dimension = dimension;
    this.count = count;
    this.rowPrefix = rowPrefix;
    this.bytes = bytes;
    this.rowBytes = rowPrefix + dimension * (bytes ? 1 : 4);
    this.segments = segments;
    this.rowsPerSegment = rowsPerSegment;
  }

  /** The format {@code path}'s extension names, or a {@link CliError} listing the accepted ones. */
  static Format formatOf(Path path) {
    final String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".fvecs")) {
      return Format.FVECS;
    }
    if (name.endsWith(".bvecs")) {
      return Format.BVECS;
    }
    if (name.endsWith(".npy")) {
      return Format.NPY;
    }
    if (name.endsWith(".csv")) {
      return Format.CSV;
    }
    throw new CliError(path + ": unknown vector file type (expected .fvecs, .bvecs, .npy or .csv)");
  }

  /**
   * Opens and validates a vector file.
   *
   * @throws CliError when the file is missing, empty or malformed, naming the problem
   */
  static VectorFile open(Path path) {
    return open(path, MAX_SEGMENT);
  }

  /** Like {@link #open(Path)}, mapping binary files in segments of at most {@code maxSegment} bytes. */
  static VectorFile open(Path path, long maxSegment) {
    final Format format = formatOf(path);
    try {
      final long size = Files.size(path);
      if (size == 0) {
        throw new CliError(path + ": file is empty");
      }
      switch (format) {
        case FVECS:
          return openVecs(path, format, size, false, maxSegment);
        case BVECS:
          return openVecs(path, format, size, true, maxSegment);
        case NPY:
          return openNpy(path, size, maxSegment);
        default:
          return openCsv(path);
      }
    } catch (NoSuchFileException e) {
      throw new CliError(path + ": no such file");
    } catch (IOException e) {
      throw new CliError(path + ": cannot read: " + e.getMessage(), e);
    }
  }

  Path path() {
    return path;
  }

  Format format() {
    return format;
  }

  int dimension() {
    return dimension;
  }

  int count() {
    return count;
  }

  /** Decodes row {@code row} into {@code out[0..dimension)}. */
  void read(int row, float[] out) {
    if (row < 0 || row >= count) {
      throw new CliError(
          path + ": row " + row + " is out of range (the file has " + count + " rows)");
    }
    final ByteBuffer segment = segments[row / rowsPerSegment];
    final int base = (row % rowsPerSegment) * rowBytes + rowPrefix;
    if (bytes) {
      for (int i = 0; i < dimension; i++) {
        out[i] = segment.get(base + i) & 0xFF;
      }
    } else {
      for (int i = 0; i < dimension; i++) {
        out[i] = segment.getFloat(base + 4 * i);
      }
    }
  }

  /** Reads every row into a new array (for query sets, which are small). */
  float[][] readAll() {
    final float[][] out = new float[count][dimension];
    for (int i = 0; i < count; i++) {
      read(i, out[i]);
    }
    return out;
  }

  // ------------------------------------------------------------------ formats

  private static VectorFile openVecs(
      Path path, Format format, long size, boolean bytes, long maxSegment)
      throws IOException {
    if (size < 4) {
      throw new CliError(path + ": file is " + size + " bytes, too short for a row header");
    }
    final ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ch.read(head, 0);
    }
    final int dimension = head.getInt(0);
    if (dimension <= 0 || dimension > 1 << 20) {
      throw new CliError(
          path
              + ": first row declares dimension "
              + dimension
              + ", not a "
              + extension(format)
              + " file?");
    }
    final long rowBytes = 4L + (long) dimension * (bytes ? 1 : 4);
    if (size % rowBytes != 0) {
      throw new CliError(
          path
              + ": size "
              + size
              + " is not a whole number of "
              + rowBytes
              + "-byte rows (dimension "
              + dimension
              + "): truncated or not a "
              + extension(format)
              + " file");
    }
    final long rows = size / rowBytes;
    checkRowCount(path, rows);
    final VectorFile file =
        mapped(path, format, dimension, (int) rows, 0, 4, bytes, size, maxSegment);
    for (int r = 0; r < file.count; r++) {
      final ByteBuffer segment = file.segments[r / file.rowsPerSegment];
      final int d = segment.getInt((r % file.rowsPerSegment) * file.rowBytes);
      if (d != dimension) {
        throw new CliError(
            path
                + ": row "
                + r
                + " declares dimension "
                + d
                + ", but the first row has "
                + dimension);
      }
    }
    return file;
  }

  private static VectorFile openNpy(Path path, long size, long maxSegment) throws IOException {
    final ByteBuffer head =
        ByteBuffer.allocate((int) Math.min(size, 65_546)).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
        // fill the header buffer
      }
    }
    if (size < 10
        || head.get(0) != (byte) 0x93
        || head.get(1) != 'N'
        || head.get(2) != 'U'
        || head.get(3) != 'M'
        || head.get(4) != 'P'
        || head.get(5) != 'Y') {
      throw new CliError(path + ": not a NumPy .npy file (bad magic)");
    }
    final int major = head.get(6);
    final long headerLength;
    final int headerStart;
    if (major == 1) {
      headerLength = head.getShort(8) & 0xFFFF;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      headerLength = head.getInt(8) & 0xFFFFFFFFL;
      headerStart = 12;
    } else {
      throw new CliError(path + ": unsupported .npy format version " + major);
    }
    if (headerStart + headerLength > head.limit()) {
      throw new CliError(path + ": .npy header is truncated");
    }
    final byte[] text = new byte[(int) headerLength];
    head.get(headerStart, text);
    final String header = new String(text, StandardCharsets.ISO_8859_1);
    final String descr = group(NPY_DESCR, header, path, "descr");
    if (!descr.equals("<f4") && !descr.equals("=f4")) {
      throw new CliError(
          path
              + ": dtype '"
              + descr
              + "' is not supported; save the array as little-endian float32"
              + " ('<f4', e.g. arr.astype(np.float32))");
    }
    if (group(NPY_FORTRAN, header, path, "fortran_order").equals("True")) {
      throw new CliError(
          path + ": Fortran-ordered arrays are not supported; save a C-ordered array");
    }
    final String[] dims = group(NPY_SHAPE, header, path, "shape").split(",");
    final List<Long> shape = new ArrayList<>();
    for (String d : dims) {
      if (!d.isBlank()) {
        shape.add(Long.parseLong(d.trim()));
      }
    }
    if (shape.size() != 2) {
      throw new CliError(path + ": array has shape " + shape + "; expected 2-D (rows, dimension)");
    }
    final long rows = shape.get(0);
    final long dimension = shape.get(1);
    if (dimension <= 0 || dimension > 1 << 20) {
      throw new CliError(path + ": dimension " + dimension + " is out of range");
    }
    checkRowCount(path, rows);
    final long dataStart = headerStart + headerLength;
    final long expected = dataStart + rows * dimension * 4;
    if (size != expected) {
      throw new CliError(
          path
              + ": size "
              + size
              + " does not match shape ("
              + rows
              + ", "
              + dimension
              + ") of float32,"
              + " which needs "
              + expected
              + " bytes: truncated?");
    }
    return mapped(
        path, Format.NPY, (int) dimension, (int) rows, dataStart, 0, false, size, maxSegment);
  }

  private static VectorFile openCsv(Path path) throws IOException {
    final List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    final List<float[]> rows = new ArrayList<>();
    int dimension = -1;
    for (int i = 0; i < lines.size(); i++) {
      final String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      final String[] tokens = line.split("\\s*[,;\\s]\\s*");
      final float[] row = new float[tokens.length];
      boolean header = false;
      for (int j = 0; j < tokens.length; j++) {
        try {
          row[j] = Float.parseFloat(tokens[j]);
        } catch (NumberFormatException e) {
          if (rows.isEmpty() && dimension < 0) {
            header = true; // a first line of names, not numbers
            break;
          }
          throw new CliError(
              path
                  + " line "
                  + (i + 1)
                  + ": '"
                  + tokens[j]
                  + "' is not a number (column "
                  + (j + 1)
                  + ")");
        }
      }
      if (header) {
        dimension = 0; // headers only allowed once, on the first non-blank line
        continue;
      }
      if (rows.isEmpty()) {
        dimension = row.length;
      } else if (row.length != dimension) {
        throw new CliError(
            path
                + " line "
                + (i + 1)
                + ": "
                + row.length
                + " values, but earlier rows have "
                + dimension);
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      throw new CliError(path + ": no rows of numbers found");
    }
    final ByteBuffer data =
        ByteBuffer.allocate(rows.size() * dimension * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float x : row) {
        data.putFloat(x);
      }
    }
    return new VectorFile(
        path,
        Format.CSV,
        dimension,
        rows.size(),
        0,
        0,
        false,
        new ByteBuffer[] {data},
        Integer.MAX_VALUE);
  }

  /** Maps the file in segments of whole rows, each under 2 GiB (a ByteBuffer's limit). */
  private static VectorFile mapped(
      Path path,
      Format format,
      int dimension,
      int rows,
      long dataStart,
      int prefix,
      boolean bytes,
      long size,
      long maxSegment)
      throws IOException {
    final long rowBytes = prefix + (long) dimension * (bytes ? 1 : 4);
    final int rowsPerSegment = (int) Math.max(1, Math.min(rows, maxSegment / rowBytes));
    final int segmentCount = (int) ((rows + (long) rowsPerSegment - 1) / rowsPerSegment);
    final ByteBuffer[] segments = new ByteBuffer[Math.max(1, segmentCount)];
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      for (int s = 0; s < segmentCount; s++) {
        final long start = dataStart + s * (long) rowsPerSegment * rowBytes;
        final long length = Math.min((long) rowsPerSegment * rowBytes, size - start);
        segments[s] =
            ch.map(FileChannel.MapMode.READ_ONLY, start, length).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    if (segmentCount == 0) {
      segments[0] = ByteBuffer.allocate(0);
    }
    return new VectorFile(
        path, format, dimension, rows, dataStart, prefix, bytes, segments, rowsPerSegment);
  }

  private static void checkRowCount(Path path, long rows) {
    if (rows <= 0) {
      throw new CliError(path + ": the file holds no rows");
    }
    if (rows > Integer.MAX_VALUE - 1) {
      throw new CliError(path + ": " + rows + " rows is more than an index can hold (2^31 - 2)");
    }
  }

  private static String group(Pattern pattern, String header, Path path, String key) {
    final Matcher m = pattern.matcher(header);
    if (!m.find()) {
      throw new CliError(path + ": .npy header has no '" + key + "' entry: " + header.strip());
    }
    return m.group(1);
  }

  private static String extension(Format format) {
    return "." + format.name().toLowerCase(Locale.ROOT);
  }
}
