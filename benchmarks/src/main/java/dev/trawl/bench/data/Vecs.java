package dev.trawl.bench.data;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;

/**
 * Reads and writes the TEXMEX {@code .fvecs}/{@code .ivecs} layout (per vector: int32 little-endian
 * dimension, then the values) and reads Fashion-MNIST's gzipped IDX images. Stateless.
 */
public final class Vecs {
  private Vecs() {}

  public static float[][] readFvecs(Path path, int limit) throws IOException {
    final ByteBuffer buf = map(path);
    final int dim = buf.getInt(0);
    final int n = (int) Math.min(limit, buf.capacity() / (4L + 4L * dim));
    final float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      final int d = buf.getInt();
      if (d != dim) {
        throw new IOException(path + ": vector " + i + " has dimension " + d + ", expected " + dim);
      }
      buf.asFloatBuffer().get(out[i]);
      buf.position(buf.position() + 4 * dim);
    }
    return out;
  }

  public static int[][] readIvecs(Path path, int limit, int columns) throws IOException {
    final ByteBuffer buf = map(path);
    final int dim = buf.getInt(0);
    if (columns > dim) {
      throw new IOException(path + " holds " + dim + " columns, " + columns + " asked");
    }
    final int n = (int) Math.min(limit, buf.capacity() / (4L + 4L * dim));
    final int[][] out = new int[n][columns];
    for (int i = 0; i < n; i++) {
      final int start = buf.position() + 4;
      for (int j = 0; j < columns; j++) {
        out[i][j] = buf.getInt(start + 4 * j);
      }
      buf.position(start + 4 * dim);
    }
    return out;
  }

  /** Fashion-MNIST IDX images (gzip, big-endian header: magic 2051, count, rows, cols; bytes). */
  public static float[][] readIdxImages(Path gz, int limit) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      final int magic = in.readInt();
      if (magic != 2051) {
        throw new IOException(gz + ": bad IDX magic " + magic);
      }
      final int n = Math.min(limit, in.readInt());
      final int pixelsPerImage = in.readInt() * in.readInt();
      final byte[] pixels = new byte[pixelsPerImage];
      final float[][] out = new float[n][pixelsPerImage];
      for (int i = 0; i < n; i++) {
        in.readFully(pixels);
        for (int j = 0; j < pixelsPerImage; j++) {
          out[i][j] = pixels[j] & 0xFF;
        }
      }
      return out;
    }
  }

  public static void writeFvecs(Path path, float[][] vectors) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
      final ByteBuffer row = ByteBuffer.allocate(4 + 4 * vectors[0].length).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] v : vectors) {
        row.clear();
        row.putInt(v.length);
        for (float x : v) {
          row.putFloat(x);
        }
        out.write(row.array(), 0, row.position());
      }
    }
  }

  public static void writeIvecs(Path path, int[][] rows) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
      final ByteBuffer row = ByteBuffer.allocate(4 + 4 * rows[0].length).order(ByteOrder.LITTLE_ENDIAN);
      for (int[] r : rows) {
        row.clear();
        row.putInt(r.length);
        for (int x : r) {
          row.putInt(x);
        }
        out.write(row.array(), 0, row.position());
      }
    }
  }

  private static ByteBuffer map(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
