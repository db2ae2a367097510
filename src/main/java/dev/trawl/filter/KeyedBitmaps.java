package dev.trawl.filter;

import org.agrona.collections.Long2ObjectHashMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * An attribute bitmap index: for each 64-bit key (an author id, a community id, a language code, a
 * flag number), the {@link RoaringBitmap} of node ordinals that carry it. The index maintains these as
 * items are added, updated and removed, so a request can say "not by these authors" without knowing
 * ordinals.
 *
 * <p><b>Thread-safety:</b> safe for any number of threads. Writers and readers take one short monitor
 * per index; requests read a bitmap only while holding it, through {@link RequestFilter}'s
 * {@code and/or/andNot(KeyedBitmaps, key)} methods, which copy it into request-owned state.
 * <b>Allocation:</b> {@link #add} allocates when a key is first seen or a container grows; reads
 * allocate nothing.
 */
public final class KeyedBitmaps {
  private static final RoaringBitmap EMPTY = new RoaringBitmap();

  private final String name;
  private final Long2ObjectHashMap<RoaringBitmap> bitmaps = new Long2ObjectHashMap<>();

  /**
   * An empty index; {@code name} appears in error messages and {@link #toString}.
   *
   * @param name what the index holds, such as {@code "author"}
   */
  public KeyedBitmaps(String name) {
    this.name = name;
  }

  /**
   * {@return the bytes held by the bitmaps (their serialized size, a close estimate of their heap
   * size)}
   */
  public long memoryBytes() {
    synchronized (bitmaps) {
      long bytes = (long) bitmaps.capacity() * 2 * Long.BYTES;
      for (RoaringBitmap bitmap : bitmaps.values()) {
        bytes += bitmap.getLongSizeInBytes();
      }
      return bytes;
    }
  }

  /**
   * Records that {@code ordinal} carries {@code key}.
   *
   * @param key the attribute value
   * @param ordinal the item carrying it
   */
  public void add(long key, int ordinal) {
    synchronized (bitmaps) {
      RoaringBitmap bitmap = bitmaps.get(key);
      if (bitmap == null) {
        bitmap = new RoaringBitmap();
        bitmaps.put(key, bitmap);
      }
      bitmap.add(ordinal);
    }
  }

  /**
   * For snapshot loading only: installs {@code bitmap} (non-empty) as the ordinals carrying {@code key},
   * replacing any. The index takes ownership of the bitmap.
   *
   * @param key the attribute value
   * @param bitmap the ordinals carrying it; kept, not copied
   */
  public void restore(long key, RoaringBitmap bitmap) {
    synchronized (bitmaps) {
      bitmaps.put(key, bitmap);
    }
  }

  /**
   * Forgets that {@code ordinal} carries {@code key}; drops the key when its bitmap empties.
   *
   * @param key the attribute value
   * @param ordinal the item that no longer carries it
   */
  public void remove(long key, int ordinal) {
    synchronized (bitmaps) {
      final RoaringBitmap bitmap = bitmaps.get(key);
      if (bitmap != null) {
        bitmap.remove(ordinal);
        if (bitmap.isEmpty()) {
          bitmaps.remove(key);
        }
      }
    }
  }

  /**
   * Number of ordinals carrying {@code key}.
   *
   * @param key an attribute value
   * @return how many ordinals carry it, 0 for an unknown key
   */
  public int cardinality(long key) {
    synchronized (bitmaps) {
      final RoaringBitmap bitmap = bitmaps.get(key);
      return bitmap == null ? 0 : bitmap.getCardinality();
    }
  }

  /**
   * Whether {@code ordinal} carries {@code key}.
   *
   * @param key an attribute value
   * @param ordinal an item's ordinal
   * @return true when the item carries the value
   */
  public boolean contains(long key, int ordinal) {
    synchronized (bitmaps) {
      final RoaringBitmap bitmap = bitmaps.get(key);
      return bitmap != null && bitmap.contains(ordinal);
    }
  }

  /** {@return the number of distinct keys carried by at least one ordinal} */
  public int keyCount() {
    synchronized (bitmaps) {
      return bitmaps.size();
    }
  }

  /**
   * A copy of the bitmap for {@code key} (allocates; for tools and tests).
   *
   * @param key an attribute value
   * @return a new bitmap of the ordinals carrying it, empty for an unknown key
   */
  public RoaringBitmap copyOf(long key) {
    synchronized (bitmaps) {
      final RoaringBitmap bitmap = bitmaps.get(key);
      return bitmap == null ? new RoaringBitmap() : bitmap.clone();
    }
  }

  /** Applies {@code op} with the bitmap of {@code key} to {@code filter} under this index's lock. */
  void applyTo(RequestFilter filter, int op, long key) {
    synchronized (bitmaps) {
      final RoaringBitmap bitmap = bitmaps.get(key);
      filter.apply(op, bitmap == null ? EMPTY : bitmap);
    }
  }

  @Override
  public String toString() {
    return "KeyedBitmaps[" + name + "]";
  }
}
