package dev.trawl.vector;

/**
 * Float32 vectors of one dimension stored back to back in pages of {@value #PAGE_SIZE} vectors, each
 * vector addressed by a dense {@code int} ordinal. Vectors are written once, before the ordinal is
 * published, and never changed afterwards (an update stores a new vector under a new ordinal), so
 * readers never see a torn vector.
 *
 * <p><b>Thread-safety:</b> {@link #ensureCapacity} and {@link #set} are for writers, one
 * {@code ensureCapacity} at a time; {@code set} of distinct ordinals may run concurrently. Readers
 * use {@link #page}/{@link #offset} and the distance methods for any published ordinal.
 * <b>Allocation:</b> only when capacity grows.
 */
public final class VectorStore {
  /** log2 of vectors per page. */
  public static final int PAGE_SHIFT = 10;
  /** Vectors per page. */
  public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

  private static final int PAGE_MASK = PAGE_SIZE - 1;

  private final int dimension;
  private final Metric metric;
  private final PagedArray<float[]> pages;

  public VectorStore(int dimension, Metric metric) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    this.dimension = dimension;
    this.metric = metric;
    this.pages = new PagedArray<>(PAGE_SHIFT, p -> new float[PAGE_SIZE * dimension]);
  }

  public int dimension() {
    return dimension;
  }

  public Metric metric() {
    return metric;
  }

  /** Ensures ordinals {@code [0, count)} have storage. One writer at a time. */
  public void ensureCapacity(int count) {
    pages.ensureCapacity(count);
  }

  /** Number of ordinals that have storage. */
  public long capacity() {
    return pages.capacity();
  }

  /**
   * Stores a checked vector under {@code ordinal}, normalised when the metric asks for it.
   *
   * @see VectorChecks#check
   */
  public void set(int ordinal, float[] vector) {
    VectorChecks.copyForMetric(vector, page(ordinal), offset(ordinal), metric);
  }

  /** Copies the stored (possibly normalised) vector of {@code ordinal} into {@code out}. */
  public void get(int ordinal, float[] out) {
    System.arraycopy(page(ordinal), offset(ordinal), out, 0, dimension);
  }

  /** The page holding {@code ordinal}'s vector. */
  public float[] page(int ordinal) {
    return pages.page(ordinal);
  }

  /** Where {@code ordinal}'s vector starts inside its {@link #page page}. */
  public int offset(int ordinal) {
    return (ordinal & PAGE_MASK) * dimension;
  }

  /** The page table, for code that stores vectors in the same layout (snapshots). */
  public PagedArray<float[]> pages() {
    return pages;
  }
}
