package dev.trawl.vector;

/**
 * Float32 vectors of one dimension stored back to back in pages of at most {@value #PAGE_SIZE}
 * vectors and at most {@value #MAX_PAGE_BYTES} bytes (so that no page is a G1 "humongous" object,
 * which would waste up to half a heap region per page), each vector addressed by a dense {@code int}
 * ordinal. A vector is written before its ordinal is published and not changed while the ordinal is
 * reachable (an update stores a new vector under a new ordinal; a freed ordinal is rewritten only when
 * it is reused, once no reader can reach or hold it), so readers never see a torn vector.
 *
 * <p><b>Thread-safety:</b> {@link #ensureCapacity} and {@link #set} are for writers, one
 * {@code ensureCapacity} at a time; {@code set} of distinct ordinals may run concurrently. Readers
 * use {@link #page}/{@link #offset} and the distance methods for any published ordinal.
 * <b>Allocation:</b> only when capacity grows.
 */
public final class VectorStore {
  /**
   * log2 of the node page size shared by every per-node paged structure (links, states, ids); vector
   * pages hold {@link #vectorsPerPage()} vectors, at most this many.
   */
  public static final int PAGE_SHIFT = 10;
  /** Nodes per page of the per-node structures, and the most vectors a vector page holds. */
  public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  /** Largest vector page in bytes: below half of G1's smallest region, so never humongous. */
  public static final int MAX_PAGE_BYTES = 256 * 1024;

  private final int pageMask;
  private final int dimension;
  private final Metric metric;
  private final PagedArray<float[]> pages;

  /**
   * An empty store; pages are allocated as capacity is ensured.
   *
   * @param dimension the vectors' number of components
   * @param metric the metric; cosine vectors are stored normalised
   */
  public VectorStore(int dimension, Metric metric) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    this.dimension = dimension;
    this.metric = metric;
    final int shift = vectorPageShift(dimension);
    this.pageMask = (1 << shift) - 1;
    final int pageFloats = (1 << shift) * dimension;
    this.pages = new PagedArray<>(shift, p -> new float[pageFloats]);
  }

  private static int vectorPageShift(int dimension) {
    int shift = PAGE_SHIFT;
    while (shift > 0 && ((long) dimension * Float.BYTES << shift) > MAX_PAGE_BYTES) {
      shift--;
    }
    return shift;
  }

  /** {@return the vectors per page, a power of two, at most {@link #PAGE_SIZE}} */
  public int vectorsPerPage() {
    return pageMask + 1;
  }

  /**
   * {@return the vectors' number of components}
   */
  public int dimension() {
    return dimension;
  }

  /**
   * {@return the metric the vectors are stored for}
   */
  public Metric metric() {
    return metric;
  }

  /**
   * Ensures ordinals {@code [0, count)} have storage. One writer at a time.
   *
   * @param count the ordinals that must have storage
   */
  public void ensureCapacity(int count) {
    pages.ensureCapacity(count);
  }

  /** {@return the number of ordinals that have storage} */
  public long capacity() {
    return pages.capacity();
  }

  /**
   * Stores a checked vector under {@code ordinal}, normalised when the metric asks for it.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @param vector the checked vector, copied
   * @see VectorChecks#check
   */
  public void set(int ordinal, float[] vector) {
    VectorChecks.copyForMetric(vector, page(ordinal), offset(ordinal), metric);
  }

  /**
   * Copies the stored (possibly normalised) vector of {@code ordinal} into {@code out}.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @param out receives the vector; at least the dimension long
   */
  public void get(int ordinal, float[] out) {
    System.arraycopy(page(ordinal), offset(ordinal), out, 0, dimension);
  }

  /**
   * The page holding {@code ordinal}'s vector.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @return the page array, shared: read it, do not keep it
   */
  public float[] page(int ordinal) {
    return pages.page(ordinal);
  }

  /**
   * Where {@code ordinal}'s vector starts inside its {@link #page page}.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @return the index in {@link #page page(ordinal)} of its first component
   */
  public int offset(int ordinal) {
    return (ordinal & pageMask) * dimension;
  }

  /** {@return the page table, for code that stores vectors in the same layout (snapshots)} */
  public PagedArray<float[]> pages() {
    return pages;
  }
}
