package dev.trawl.index;

import dev.trawl.index.SnapshotFormat.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A snapshot file taken apart for editing, as someone who can write the file would: change a header
 * field or a section's bytes, replace a section with content of another length, then {@link #build}
 * a file whose layout (offsets, lengths, padding) and checksums are all correct again, so that only
 * the structural checks stand between the edit and a loaded index. {@link #fixChecksums} does the
 * same for raw byte edits (the fuzzer's), recomputing whatever checksums the edited table still
 * allows.
 *
 * <p>Parsing is lenient: a table entry whose range lies outside the file gets empty content. Not
 * thread-safe; test code only.
 */
final class SnapshotBytes {
  /** The fixed part of the header (magic to the deleted count), little-endian. */
  final ByteBuffer header;

  final List<Entry> sections;

  /** One table entry and its content. */
  static final class Entry {
    int code;
    int flags;
    int reserved;
    byte[] content;

    Entry(int code, int flags, int reserved, byte[] content) {
      this.code = code;
      this.flags = flags;
      this.reserved = reserved;
      this.content = content;
    }

    Entry copy() {
      return new Entry(code, flags, reserved, content.clone());
    }

    ByteBuffer buffer() {
      return ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  private SnapshotBytes(ByteBuffer header, List<Entry> sections) {
    this.header = header;
    this.sections = sections;
  }

  /** Takes {@code file} apart; null when it has no readable header or table at all. */
  static SnapshotBytes parse(byte[] file) {
    if (file.length < SnapshotFormat.FIXED_HEADER) {
      return null;
    }
    final ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    final int count = in.getInt(SnapshotFormat.AT_SECTION_COUNT);
    if (count < 0 || count > SnapshotFormat.MAX_SECTIONS || file.length < SnapshotFormat.headerLength(count)) {
      return null;
    }
    final byte[] fixed = new byte[SnapshotFormat.FIXED_HEADER];
    System.arraycopy(file, 0, fixed, 0, fixed.length);
    final List<Entry> entries = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      final long offset = in.getLong(at + 8);
      final long length = in.getLong(at + 16);
      byte[] content = new byte[0];
      if (offset >= 0 && length >= 0 && offset <= file.length && length <= file.length - offset) {
        content = new byte[(int) length];
        System.arraycopy(file, (int) offset, content, 0, (int) length);
      }
      entries.add(new Entry(in.getInt(at), in.getInt(at + 4), in.getInt(at + 28), content));
    }
    return new SnapshotBytes(ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN), entries);
  }

  static SnapshotBytes parseValid(byte[] file) {
    final SnapshotBytes parsed = parse(file);
    if (parsed == null) {
      throw new IllegalArgumentException("not a snapshot");
    }
    return parsed;
  }

  SnapshotBytes copy() {
    final byte[] fixed = header.array().clone();
    final List<Entry> entries = new ArrayList<>();
    for (Entry e : sections) {
      entries.add(e.copy());
    }
    return new SnapshotBytes(ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN), entries);
  }

  /** The entry of {@code kind}, or null. */
  Entry entry(Kind kind) {
    for (Entry e : sections) {
      if (e.code == kind.code) {
        return e;
      }
    }
    return null;
  }

  /** The content of section {@code kind} as a little-endian buffer over its bytes: edits stick. */
  ByteBuffer section(Kind kind) {
    final Entry e = entry(kind);
    if (e == null) {
      throw new IllegalArgumentException("no section " + kind);
    }
    return e.buffer();
  }

  /** Replaces the content of section {@code kind} (any length: {@link #build} lays the file out anew). */
  SnapshotBytes content(Kind kind, byte[] content) {
    entry(kind).content = content;
    return this;
  }

  int headerInt(int at) {
    return header.getInt(at);
  }

  SnapshotBytes headerInt(int at, int value) {
    header.putInt(at, value);
    return this;
  }

  int ordinals() {
    return header.getInt(SnapshotFormat.AT_ORDINALS);
  }

  int dimension() {
    return header.getInt(SnapshotFormat.AT_DIMENSION);
  }

  int m() {
    return header.getInt(SnapshotFormat.AT_M);
  }

  /** Level of ordinal {@code o} in section NODE_LEVELS. */
  int level(int o) {
    return section(Kind.NODE_LEVELS).getInt(4 * o);
  }

  /** Whether ordinal {@code o}'s bit is set in section TOMBSTONES. */
  boolean tombstoned(int o) {
    return (section(Kind.TOMBSTONES).getLong(8 * (o >>> 6)) & (1L << o)) != 0;
  }

  /** Byte offset, inside LINKS_LEVEL0, of ordinal {@code o}'s link count. */
  int level0At(int o) {
    return 4 * o * (1 + 2 * m());
  }

  /**
   * Byte offset, inside LINKS_UPPER, of ordinal {@code o}'s link count on {@code level} (1..its
   * level).
   */
  int upperAt(int o, int level) {
    long ints = 0;
    for (int p = 0; p < o; p++) {
      ints += (long) Math.max(0, level(p)) * (1 + m());
    }
    return (int) (4 * (ints + (long) (level - 1) * (1 + m())));
  }

  /**
   * Lays the file out anew: the table from the entries (offsets aligned, lengths from the contents),
   * zero padding, every section's checksum and the header's.
   */
  byte[] build() {
    final int count = sections.size();
    final int headerLength = SnapshotFormat.headerLength(count);
    long end = headerLength;
    final long[] offsets = new long[count];
    for (int s = 0; s < count; s++) {
      offsets[s] = SnapshotFormat.align(end);
      end = offsets[s] + sections.get(s).content.length;
    }
    final ByteBuffer out = ByteBuffer.allocate((int) end).order(ByteOrder.LITTLE_ENDIAN);
    out.put(header.array());
    out.putInt(SnapshotFormat.AT_SECTION_COUNT, count);
    out.putInt(SnapshotFormat.AT_HEADER_LENGTH, headerLength);
    final CRC32C crc = new CRC32C();
    for (int s = 0; s < count; s++) {
      final Entry e = sections.get(s);
      final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
      crc.reset();
      crc.update(e.content);
      out.putInt(at, e.code)
          .putInt(at + 4, e.flags)
          .putLong(at + 8, offsets[s])
          .putLong(at + 16, e.content.length)
          .putInt(at + 24, (int) crc.getValue())
          .putInt(at + 28, e.reserved);
      out.position((int) offsets[s]);
      out.put(e.content);
    }
    return fixHeaderChecksum(out.array());
  }

  /** Recomputes the header checksum of {@code file} in place (when its header length is sane). */
  static byte[] fixHeaderChecksum(byte[] file) {
    if (file.length < SnapshotFormat.FIXED_HEADER) {
      return file;
    }
    final ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    final int headerLength = buf.getInt(SnapshotFormat.AT_HEADER_LENGTH);
    if (headerLength < SnapshotFormat.FIXED_HEADER + 4 || headerLength > file.length) {
      return file;
    }
    final CRC32C crc = new CRC32C();
    crc.update(file, 0, headerLength - 4);
    buf.putInt(headerLength - 4, (int) crc.getValue());
    return file;
  }

  /**
   * Recomputes, in place, the checksum of every section whose table entry names a range inside the
   * file, then the header's: what an attacker does after editing bytes.
   */
  static byte[] fixChecksums(byte[] file) {
    if (file.length < SnapshotFormat.FIXED_HEADER) {
      return file;
    }
    final ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    final int count = buf.getInt(SnapshotFormat.AT_SECTION_COUNT);
    final int headerLength = buf.getInt(SnapshotFormat.AT_HEADER_LENGTH);
    if (count >= 0 && count <= SnapshotFormat.MAX_SECTIONS && headerLength <= file.length
        && SnapshotFormat.headerLength(count) <= file.length) {
      final CRC32C crc = new CRC32C();
      for (int s = 0; s < count; s++) {
        final int at = SnapshotFormat.FIXED_HEADER + s * SnapshotFormat.TABLE_ENTRY;
        final long offset = buf.getLong(at + 8);
        final long length = buf.getLong(at + 16);
        if (offset >= 0 && length >= 0 && offset <= file.length && length <= file.length - offset) {
          crc.reset();
          crc.update(file, (int) offset, (int) length);
          buf.putInt(at + 24, (int) crc.getValue());
        }
      }
    }
    return fixHeaderChecksum(file);
  }
}
