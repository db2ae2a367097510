package dev.trawl.bench.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An {@code .fvecs} file read one row at a time by positional reads, for base sets too large to hold
 * on the heap as {@code float[][]} beside the index built from them (10,000,000 x 96 is 3.8 GB of
 * floats). Every row must have the dimension of the first. Thread-safe: {@link #read} uses a
 * positional read into a per-thread buffer (one buffer allocated per thread on its first read).
 */
public final class FvecsFile implements AutoCloseable {
  private final FileChannel channel;
  private final int dimension;
  private final long rows;
  private final ThreadLocal<ByteBuffer> buffers;

  private FvecsFile(FileChannel channel, int dimension, long rows) {
    this.channel = channel;
    this.dimension = dimension;
    this.rows = rows;
    this.buffers = ThreadLocal.withInitial(
        () -> ByteBuffer.allocateDirect(4 + 4 * dimension).order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * Opens {@code path}.
   *
   * @throws IOException when the file cannot be read, is empty, or its size is not a whole number
   *     of rows of the first row's dimension
   */
  public static FvecsFile open(Path path) throws IOException {
    final FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      final ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      if (ch.read(head, 0) != 4) {
        throw new IOException(path + ": empty .fvecs file");
      }
      final int dim = head.getInt(0);
      final long rowBytes = 4L + 4L * dim;
      if (dim <= 0 || ch.size() % rowBytes != 0) {
        throw new IOException(path + ": size " + ch.size() + " is not a whole number of " + dim + "-dim rows");
      }
      return new FvecsFile(ch, dim, ch.size() / rowBytes);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public int dimension() {
    return dimension;
  }

  public long rows() {
    return rows;
  }

  /** Reads row {@code i} into {@code out} (length {@link #dimension()}). */
  public void read(long i, float[] out) throws IOException {
    final ByteBuffer buf = buffers.get();
    buf.clear();
    final long position = i * (4L + 4L * dimension);
    while (buf.hasRemaining()) {
      if (channel.read(buf, position + buf.position()) < 0) {
        throw new IOException("row " + i + " is past the end of the file");
      }
    }
    buf.flip();
    if (buf.getInt() != dimension) {
      throw new IOException("row " + i + " does not have dimension " + dimension);
    }
    buf.asFloatBuffer().get(out, 0, dimension);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Appends rows to a new {@code .fvecs} file. Not thread-safe. */
  public static final class Writer implements AutoCloseable {
    private final OutputStream out;
    private final ByteBuffer row;
    private final int dimension;

    public Writer(Path path, int dimension) throws IOException {
      this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20);
      this.row = ByteBuffer.allocate(4 + 4 * dimension).order(ByteOrder.LITTLE_ENDIAN);
      this.dimension = dimension;
    }

    public void write(float[] v) throws IOException {
      row.clear();
      row.putInt(dimension);
      for (int j = 0; j < dimension; j++) {
        row.putFloat(v[j]);
      }
      out.write(row.array(), 0, row.position());
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
