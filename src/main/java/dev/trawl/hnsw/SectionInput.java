package dev.trawl.hnsw;

import java.io.IOException;

/**
 * One snapshot section read front to back in bulk, as {@link GraphSnapshotReader} consumes it; the
 * snapshot loader in {@code dev.trawl.index} implements it over the file's mappings. Each call
 * continues where the previous one stopped. One reader per section; not thread-safe.
 */
public interface SectionInput {
  /**
   * Copies the next {@code count} int32 values of the section into {@code dst}.
   *
   * @param dst where the values go
   * @param offset the first index of {@code dst} written
   * @param count how many values to copy
   * @throws IOException when the section ends first or the file cannot be read
   */
  void ints(int[] dst, int offset, int count) throws IOException;

  /**
   * Copies the next {@code count} int64 values of the section into {@code dst}.
   *
   * @param dst where the values go
   * @param offset the first index of {@code dst} written
   * @param count how many values to copy
   * @throws IOException when the section ends first or the file cannot be read
   */
  void longs(long[] dst, int offset, int count) throws IOException;

  /**
   * Copies the next {@code count} float32 values of the section into {@code dst}.
   *
   * @param dst where the values go
   * @param offset the first index of {@code dst} written
   * @param count how many values to copy
   * @throws IOException when the section ends first or the file cannot be read
   */
  void floats(float[] dst, int offset, int count) throws IOException;
}
