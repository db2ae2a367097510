package dev.trawl.examples.service;

import dev.trawl.index.SourcePositions;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The creation times of streamed posts, kept in a file beside the index snapshot ({@link #fileFor}):
 * the index holds a streamed post's vector, author and community, but not when it was created, which
 * the feed ranks by (freshness) and the fresh source selects by. Without this file a restarted service
 * would serve every post streamed before the snapshot as a post of unknown age.
 *
 * <p><b>Format</b> (big-endian): the magic {@code TPST}, version 1, the stream positions the times
 * belong to (count, then per partition: the source as modified UTF-8, the partition, the offset), the
 * number of posts, a post id and its creation time (epoch milliseconds) per post, and a CRC32C of
 * everything before it. The positions tie the file to one snapshot: {@link FeedApp#close} writes
 * both at the same cut of the stream, the snapshot first. A service stopped between the two leaves a
 * file with the previous cut's positions, which {@link #read} refuses, so times are never attached
 * to the wrong cut.
 *
 * <p><b>Thread-safety:</b> stateless; reading allocates the map it returns, writing streams to disk.
 */
public final class StreamedPostTimes {
  private static final int MAGIC = 0x54505354; // "TPST"
  private static final int VERSION = 1;
  private static final int RECORD_BYTES = 2 * Long.BYTES;

  private StreamedPostTimes() {}

  /** The times file of the snapshot {@code snapshot}: the same name with {@code .times} added. */
  public static Path fileFor(Path snapshot) {
    return snapshot.resolveSibling(snapshot.getFileName() + ".times");
  }

  /**
   * Writes {@code createdAt} (post id to creation time) for the cut {@code positions}, atomically: a
   * reader sees the old file or the new one, never a part.
   *
   * @throws IOException when the file cannot be written (the previous file stays as it was)
   */
  public static void write(Path file, SourcePositions positions, Map<Long, Long> createdAt)
      throws IOException {
    final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    final CRC32C crc = new CRC32C();
    try (OutputStream raw = Files.newOutputStream(tmp);
        DataOutputStream out =
            new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw), crc))) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(positions.size());
      for (int i = 0; i < positions.size(); i++) {
        out.writeUTF(positions.source(i));
        out.writeInt(positions.partition(i));
        out.writeLong(positions.offset(i));
      }
      out.writeInt(createdAt.size());
      for (Map.Entry<Long, Long> e : createdAt.entrySet()) {
        out.writeLong(e.getKey());
        out.writeLong(e.getValue());
      }
      // the checksum covers every byte before it, so it is written around the checked stream
      out.flush();
      new DataOutputStream(raw).writeLong(crc.getValue());
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads the times written for the cut {@code expected}.
   *
   * @return post id to creation time, epoch milliseconds
   * @throws java.nio.file.NoSuchFileException when there is no file
   * @throws IOException naming what is wrong when the file is not a times file, is truncated, fails
   *     its checksum, or was written for other stream positions than {@code expected}
   */
  public static Map<Long, Long> read(Path file, SourcePositions expected) throws IOException {
    final long size = Files.size(file);
    final CRC32C crc = new CRC32C();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc))) {
      if (in.readInt() != MAGIC) {
        throw new IOException(file + ": not a streamed-post times file (bad magic)");
      }
      final int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(file + ": version " + version + ", this reader knows " + VERSION);
      }
      final int partitions = in.readInt();
      if (partitions < 0 || partitions > size) {
        throw new IOException(file + ": " + partitions + " stream positions in a file of " + size
            + " bytes");
      }
      final SourcePositions.Builder positions = SourcePositions.builder();
      for (int i = 0; i < partitions; i++) {
        positions.put(in.readUTF(), in.readInt(), in.readLong());
      }
      final int posts = in.readInt();
      if (posts < 0 || (long) posts * RECORD_BYTES > size) {
        throw new IOException(file + ": " + posts + " posts in a file of " + size + " bytes");
      }
      final Map<Long, Long> createdAt = new HashMap<>(Math.max(16, posts * 2));
      for (int i = 0; i < posts; i++) {
        createdAt.put(in.readLong(), in.readLong());
      }
      final long computed = crc.getValue();
      final long stored = new DataInputStream(raw).readLong();
      if (stored != computed) {
        throw new IOException(file + ": checksum mismatch (stored " + Long.toHexString(stored)
            + ", computed " + Long.toHexString(computed) + ")");
      }
      if (raw.read() != -1) {
        throw new IOException(file + ": bytes after the checksum");
      }
      final SourcePositions found = positions.build();
      if (!found.equals(expected)) {
        throw new IOException(file + ": written at stream positions " + found
            + ", the snapshot is at " + expected + " (the service stopped between the two writes)");
      }
      return createdAt;
    } catch (EOFException e) {
      throw new IOException(file + ": truncated", e);
    } catch (UTFDataFormatException e) {
      throw new IOException(file + ": a malformed source name", e);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
