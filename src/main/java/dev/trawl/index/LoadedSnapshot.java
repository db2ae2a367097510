package dev.trawl.index;

/**
 * An index loaded from a snapshot together with the stream positions stored beside it
 * ({@link IndexSnapshot#loadWithPositions}). Immutable holder; the index is an ordinary, shared
 * {@link VectorIndex}.
 *
 * @param index the loaded index
 * @param positions the positions written with the snapshot, {@link SourcePositions#NONE} when none
 */
public record LoadedSnapshot(VectorIndex index, SourcePositions positions) {
  /**
   * Holds a loaded index and its positions.
   *
   * @param index the loaded index
   * @param positions the positions written with the snapshot, {@link SourcePositions#NONE} when
   *     none
   * @throws NullPointerException if {@code index} or {@code positions} is null
   */
  public LoadedSnapshot {
    java.util.Objects.requireNonNull(index, "index");
    java.util.Objects.requireNonNull(positions, "positions");
  }
}
