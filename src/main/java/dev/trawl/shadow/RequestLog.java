package dev.trawl.shadow;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file of {@link RequestRecord}s for offline replay. Binary, big-endian ({@link DataOutputStream}):
 *
 * <pre>
 * file    = magic "TRWLREQ2" (8 bytes), record*
 * record  = 0x52 ('R'), userId i64, nowMillis i64, seed i64, pageSize i32, timeoutNanos i64,
 *           dim i32 (-1 = no vector), dim x f32,
 *           nSeen i32, nSeen x i64, nBlocked i32, nBlocked x i64, nMuted i32, nMuted x i64,
 *           nFollowed i32, nFollowed x i64,
 *           nAttributes i32, nAttributes x (name: modified UTF-8, value f32)
 * </pre>
 *
 * <p>Files of the first version (magic {@code "TRWLREQ1"}, records without the muted communities)
 * are read as requests with no muted community; writers always write the current version.
 *
 * <p>Readers reject a wrong magic, a bad record marker, negative counts and a truncated record with
 * an {@link IOException} that names the record number.
 */
public final class RequestLog {
  private static final byte[] MAGIC = {'T', 'R', 'W', 'L', 'R', 'E', 'Q', '2'};
  /** The first version: no muted communities. */
  private static final byte[] MAGIC_V1 = {'T', 'R', 'W', 'L', 'R', 'E', 'Q', '1'};
  private static final int RECORD = 0x52;
  /** Guards against reading a corrupt count as a huge allocation. */
  private static final int MAX_COUNT = 1 << 26;

  private RequestLog() {}

  /**
   * Creates (or truncates) {@code file} and returns a writer.
   *
   * @param file the log file
   * @return a writer appending records; close it when done
   * @throws IOException if the file cannot be opened, read or written
   */
  public static Writer writer(Path file) throws IOException {
    return new Writer(new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)));
  }

  /**
   * Opens {@code file} for reading.
   *
   * @param file the log file
   * @return a reader positioned at the first record; close it when done
   * @throws IOException if the file cannot be opened, read or written
   */
  public static Reader reader(Path file) throws IOException {
    return new Reader(new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16)), file);
  }

  /**
   * Reads every record of {@code file} (allocates one record each).
   *
   * @param file the log file
   * @return a new list of the records, in file order
   * @throws IOException if the file cannot be opened, read or written
   */
  public static List<RequestRecord> readAll(Path file) throws IOException {
    final List<RequestRecord> out = new ArrayList<>();
    try (Reader r = reader(file)) {
      RequestRecord rec = new RequestRecord();
      while (r.next(rec)) {
        out.add(rec);
        rec = new RequestRecord();
      }
    }
    return out;
  }

  /**
   * Writes {@code records} to {@code file}.
   *
   * @param file the log file, created or truncated
   * @param records the records, in order
   * @throws IOException if the file cannot be opened, read or written
   */
  public static void writeAll(Path file, Iterable<RequestRecord> records) throws IOException {
    try (Writer w = writer(file)) {
      for (RequestRecord r : records) {
        w.append(r);
      }
    }
  }

  /**
   * Appends records. <b>Thread-safe</b> (appends are serialised). <b>Allocation:</b> none per record
   * beyond what {@link DataOutputStream#writeUTF} does for attribute names.
   */
  public static final class Writer implements Closeable {
    private final DataOutputStream out;
    private long written;

    private Writer(DataOutputStream out) throws IOException {
      this.out = out;
      out.write(MAGIC);
    }

    /**
     * Appends one record.
     *
     * @param r the record; read during the call only
     * @throws IOException if the file cannot be written
     */
    public synchronized void append(RequestRecord r) throws IOException {
      out.writeByte(RECORD);
      out.writeLong(r.userId());
      out.writeLong(r.nowMillis());
      out.writeLong(r.seed());
      out.writeInt(r.pageSize());
      out.writeLong(r.timeoutNanos());
      if (r.hasVector()) {
        final float[] v = r.vector();
        out.writeInt(v.length);
        for (float x : v) {
          out.writeFloat(x);
        }
      } else {
        out.writeInt(-1);
      }
      out.writeInt(r.seenCount());
      for (int i = 0; i < r.seenCount(); i++) {
        out.writeLong(r.seen(i));
      }
      out.writeInt(r.blockedAuthorCount());
      for (int i = 0; i < r.blockedAuthorCount(); i++) {
        out.writeLong(r.blockedAuthor(i));
      }
      out.writeInt(r.mutedCommunityCount());
      for (int i = 0; i < r.mutedCommunityCount(); i++) {
        out.writeLong(r.mutedCommunity(i));
      }
      out.writeInt(r.followedCommunityCount());
      for (int i = 0; i < r.followedCommunityCount(); i++) {
        out.writeLong(r.followedCommunity(i));
      }
      out.writeInt(r.attributeCount());
      for (int i = 0; i < r.attributeCount(); i++) {
        out.writeUTF(r.attributeName(i));
        out.writeFloat(r.attributeValue(i));
      }
      written++;
    }

    /**
     * Records appended so far.
     *
     * @return the count
     */
    public synchronized long written() {
      return written;
    }

    /**
     * Writes the buffered records to the file.
     *
     * @throws IOException if the file cannot be written
     */
    public synchronized void flush() throws IOException {
      out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }

  /** Reads records in order. <b>Not thread-safe.</b> */
  public static final class Reader implements Closeable {
    private final DataInputStream in;
    private final Path file;
    private final boolean hasMuted;
    private long read;
    private float[] vectorBuffer = new float[0];

    private Reader(DataInputStream in, Path file) throws IOException {
      this.in = in;
      this.file = file;
      final byte[] magic = new byte[MAGIC.length];
      try {
        in.readFully(magic);
      } catch (EOFException e) {
        in.close();
        throw new IOException(file + " is not a Trawl request log: too short for its header", e);
      }
      hasMuted = java.util.Arrays.equals(magic, MAGIC);
      if (!hasMuted && !java.util.Arrays.equals(magic, MAGIC_V1)) {
        in.close();
        throw new IOException(
            file + " is not a Trawl request log: bad magic (expected TRWLREQ2 or TRWLREQ1)");
      }
    }

    /**
     * Reads the next record into {@code into}.
     *
     * @param into receives the record, cleared first
     * @return {@code false} at the end of the file
     * @throws IOException on a corrupt or truncated record (the message names the record number)
     */
    public boolean next(RequestRecord into) throws IOException {
      final int marker = in.read();
      if (marker < 0) {
        return false;
      }
      final long n = read;
      if (marker != RECORD) {
        throw new IOException(file + ": record " + n + " starts with 0x" + Integer.toHexString(marker)
            + ", expected 0x52; the file is corrupt");
      }
      try {
        into.clear();
        into.userId(in.readLong()).nowMillis(in.readLong()).seed(in.readLong());
        final int pageSize = in.readInt();
        final long timeout = in.readLong();
        if (pageSize < 0 || timeout < 0) {
          throw new IOException(file + ": record " + n + " has a negative page size or timeout");
        }
        into.pageSize(pageSize).timeoutNanos(timeout);
        final int dim = in.readInt();
        if (dim >= 0) {
          if (vectorBuffer.length < count(dim, "vector dimension", n)) {
            vectorBuffer = new float[dim];
          }
          final float[] v = vectorBuffer;
          for (int i = 0; i < dim; i++) {
            v[i] = in.readFloat();
          }
          into.vector(v, dim);
        } else if (dim != -1) {
          throw new IOException(file + ": record " + n + " has vector dimension " + dim);
        }
        final int seen = count(in.readInt(), "seen-id count", n);
        for (int i = 0; i < seen; i++) {
          into.addSeen(in.readLong());
        }
        final int blocked = count(in.readInt(), "blocked-author count", n);
        for (int i = 0; i < blocked; i++) {
          into.addBlockedAuthor(in.readLong());
        }
        final int muted = hasMuted ? count(in.readInt(), "muted-community count", n) : 0;
        for (int i = 0; i < muted; i++) {
          into.addMutedCommunity(in.readLong());
        }
        final int followed = count(in.readInt(), "followed-community count", n);
        for (int i = 0; i < followed; i++) {
          into.addFollowedCommunity(in.readLong());
        }
        final int attributes = count(in.readInt(), "attribute count", n);
        for (int i = 0; i < attributes; i++) {
          into.attribute(in.readUTF(), in.readFloat());
        }
      } catch (EOFException e) {
        throw new IOException(file + ": record " + n + " is truncated", e);
      }
      read++;
      return true;
    }

    private int count(int c, String what, long record) throws IOException {
      if (c < 0 || c > MAX_COUNT) {
        throw new IOException(file + ": record " + record + " has " + what + " " + c);
      }
      return c;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
