package dev.trawl.index;

import java.io.IOException;

/**
 * A snapshot file cannot be loaded: it is truncated, corrupt (a checksum or a structural check
 * failed), of an unsupported format version, written with the wrong byte order, or not a snapshot
 * at all. The message names the file and what is wrong with it. Nothing was loaded.
 */
public final class SnapshotException extends IOException {
  private static final long serialVersionUID = 1L;

  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
