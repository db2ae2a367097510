package dev.trawl.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes small vector, truth and id files in every format the CLI reads. */
final class TestFiles {
  private TestFiles() {}

  /** Seeded vectors with small integer components, exactly representable in every format. */
  static float[][] integerVectors(int count, int dimension, long seed) {
    final Random random = new Random(seed);
    final float[][] out = new float[count][dimension];
    for (float[] row : out) {
      for (int i = 0; i < dimension; i++) {
        row[i] = random.nextInt(256);
      }
    }
    return out;
  }

  static Path fvecs(Path file, float[][] rows) throws IOException {
    final int dim = rows[0].length;
    final ByteBuffer buf =
        ByteBuffer.allocate(rows.length * (4 + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      buf.putInt(row.length);
      for (float x : row) {
        buf.putFloat(x);
      }
    }
    return Files.write(file, buf.array());
  }

  static Path bvecs(Path file, float[][] rows) throws IOException {
    final int dim = rows[0].length;
    final ByteBuffer buf =
        ByteBuffer.allocate(rows.length * (4 + dim)).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      buf.putInt(row.length);
      for (float x : row) {
        buf.put((byte) (int) x);
      }
    }
    return Files.write(file, buf.array());
  }

  static Path ivecs(Path file, int[][] rows) throws IOException {
    final int dim = rows[0].length;
    final ByteBuffer buf =
        ByteBuffer.allocate(rows.length * (4 + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
    for (int[] row : rows) {
      buf.putInt(row.length);
      for (int x : row) {
        buf.putInt(x);
      }
    }
    return Files.write(file, buf.array());
  }

  /**
   * A version 1.0 .npy file with the given dtype text and shape, holding {@code rows} as float32.
   */
  static Path npy(Path file, float[][] rows, String descr, boolean fortran) throws IOException {
    final String shape = "(" + rows.length + ", " + rows[0].length + ")";
    return npyRaw(
        file,
        rows,
        "{'descr': '"
            + descr
            + "', 'fortran_order': "
            + (fortran ? "True" : "False")
            + ", 'shape': "
            + shape
            + ", }");
  }

  static Path npy(Path file, float[][] rows) throws IOException {
    return npy(file, rows, "<f4", false);
  }

  static Path npyRaw(Path file, float[][] rows, String dict) throws IOException {
    final StringBuilder header = new StringBuilder(dict);
    while ((10 + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    final byte[] text = header.toString().getBytes(StandardCharsets.ISO_8859_1);
    final int dim = rows[0].length;
    final ByteBuffer buf =
        ByteBuffer.allocate(10 + text.length + rows.length * dim * 4)
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.put((byte) 0x93)
        .put("NUMPY".getBytes(StandardCharsets.ISO_8859_1))
        .put((byte) 1)
        .put((byte) 0);
    buf.putShort((short) text.length).put(text);
    for (float[] row : rows) {
      for (float x : row) {
        buf.putFloat(x);
      }
    }
    return Files.write(file, buf.array());
  }

  static Path csv(Path file, float[][] rows, boolean header) throws IOException {
    final StringBuilder text = new StringBuilder();
    if (header) {
      for (int i = 0; i < rows[0].length; i++) {
        text.append(i == 0 ? "" : ",").append("c").append(i);
      }
      text.append('\n');
    }
    for (float[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        text.append(i == 0 ? "" : ",").append(row[i]);
      }
      text.append('\n');
    }
    return Files.writeString(file, text);
  }

  /** Exact top-{@code k} row numbers for each query under squared L2, ties broken by lower row. */
  static int[][] bruteForceL2(float[][] base, float[][] queries, int k) {
    final int[][] truth = new int[queries.length][k];
    for (int q = 0; q < queries.length; q++) {
      final long[] packed = new long[base.length];
      for (int i = 0; i < base.length; i++) {
        double d = 0;
        for (int j = 0; j < base[i].length; j++) {
          final double diff = base[i][j] - queries[q][j];
          d += diff * diff;
        }
        packed[i] = ((long) Float.floatToIntBits((float) d) << 32) | i;
      }
      java.util.Arrays.sort(packed);
      for (int j = 0; j < k; j++) {
        truth[q][j] = (int) packed[j];
      }
    }
    return truth;
  }
}
