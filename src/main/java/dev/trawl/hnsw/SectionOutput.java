package dev.trawl.hnsw;

import java.io.IOException;

/**
 * Where {@link GraphSnapshotWriter} writes a section's bytes, little-endian, in order; the snapshot
 * writer in {@code dev.trawl.index} implements it over its buffered, checksummed file output. One
 * writer per file; not thread-safe.
 */
public interface SectionOutput {
  /**
   * Appends one int32.
   *
   * @param value the value written
   * @throws IOException when the file cannot be written
   */
  void putInt(int value) throws IOException;

  /**
   * Appends one int64.
   *
   * @param value the value written
   * @throws IOException when the file cannot be written
   */
  void putLong(long value) throws IOException;

  /**
   * Appends {@code length} float32 values of {@code src}.
   *
   * @param src the values
   * @param offset the index of the first value written
   * @param length how many values to write
   * @throws IOException when the file cannot be written
   */
  void putFloats(float[] src, int offset, int length) throws IOException;

  /**
   * Appends zero bytes.
   *
   * @param bytes how many, a multiple of 4
   * @throws IOException when the file cannot be written
   */
  void zeros(long bytes) throws IOException;
}
