package dev.trawl.pipeline;

import dev.trawl.collect.LongIntTable;
import java.util.Arrays;

/**
 * A set of 64-bit ids given with a request (seen posts, blocked authors, muted or followed
 * communities), kept in insertion order: {@link #contains} is a hash probe, and {@link #get} walks
 * the members as a dense array, so a stage can fold them into a filter without an iterator.
 *
 * <pre>{@code
 * ctx.seenIds().add(postId);
 * for (int i = 0, n = ctx.seenIds().size(); i < n; i++) { long id = ctx.seenIds().get(i); ... }
 * }</pre>
 *
 * <p><b>Not thread-safe</b>: owned by its {@link RequestContext}, filled by the host before a
 * request and only read while the request runs (sources on worker threads read it concurrently,
 * which is safe because nobody writes). <b>Allocation:</b> none once it has grown to the largest
 * set a request gave it; {@link #clear()} is O(1). Every {@code long} is a valid member.
 */
public final class IdSet {
  private final LongIntTable index;
  private long[] members;
  private int size;

  IdSet(int expected) {
    index = new LongIntTable(expected);
    members = new long[Math.max(4, expected)];
  }

  /**
   * Adds {@code id}; returns false (and changes nothing) if it was already a member.
   *
   * @param id any id
   * @return true when it was added
   */
  public boolean add(long id) {
    if (index.putIfAbsent(id, size) != LongIntTable.MISSING) {
      return false;
    }
    if (size == members.length) {
      members = Arrays.copyOf(members, size * 2);
    }
    members[size++] = id;
    return true;
  }

  /**
   * Adds every member of {@code other}, in its order.
   *
   * @param other the set whose members are added; unchanged
   */
  public void addAll(IdSet other) {
    for (int i = 0; i < other.size; i++) {
      add(other.members[i]);
    }
  }

  /**
   * Whether {@code id} is a member.
   *
   * @param id any id
   * @return true when {@code id} is a member
   */
  public boolean contains(long id) {
    return index.contains(id);
  }

  /** {@return the number of members} */
  public int size() {
    return size;
  }

  /** {@return whether the set has no members} */
  public boolean isEmpty() {
    return size == 0;
  }

  /**
   * The {@code i}-th member in insertion order.
   *
   * @param i the member's position in insertion order
   * @return the member
   * @throws IndexOutOfBoundsException unless {@code 0 <= i < size()}
   */
  public long get(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("member " + i + " of a set of " + size);
    }
    return members[i];
  }

  /**
   * Copies the members, in insertion order, into {@code out} from index 0, stopping when it is full;
   * returns how many were copied.
   *
   * @param out receives the members
   * @return the number copied, at most {@code out.length}
   */
  public int copyTo(long[] out) {
    final int n = Math.min(size, out.length);
    System.arraycopy(members, 0, out, 0, n);
    return n;
  }

  /** Removes every member in O(1). */
  public void clear() {
    index.clear();
    size = 0;
  }

  @Override
  public String toString() {
    return "IdSet" + Arrays.toString(Arrays.copyOf(members, size));
  }
}
