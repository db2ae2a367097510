package dev.trawl.index;

import java.io.IOException;

/**
 * A snapshot file cannot be loaded: it is truncated, corrupt (a checksum failed, or the content
 * breaks a rule of the format even though its checksums are right), of an unsupported format
 * version, written with the wrong byte order, or not a snapshot at all; or it is valid but the heap
 * cannot hold it, or it changed while it was being read. The message names the file, the header or
 * the section, and what is wrong. Nothing was loaded, and the caller can go on (a file too large
 * for the heap leaves only garbage behind).
 *
 * <p>Immutable, like any exception once thrown.
 */
public final class SnapshotException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * A refusal without an underlying cause.
   *
   * @param message the file, the header field or section, and the broken rule
   */
  public SnapshotException(String message) {
    super(message);
  }

  /**
   * A refusal caused by another failure.
   *
   * @param message the file, the header field or section, and the broken rule
   * @param cause what failed underneath: a malformed bitmap, an {@link OutOfMemoryError}, a faulted
   *     mapped read
   */
  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
