package dev.trawl.vector;

import java.util.Arrays;

/**
 * Vectors of one dimension stored as int7 codes: each component {@code x} becomes
 * {@code c = round((x - lo) / step)} clamped to {@code [0, 127]}, with {@code step = (hi - lo) / 127},
 * one {@code lo} and {@code hi} for every component of every vector (a global scale, not one per
 * dimension: embeddings are normalised and spread their components over the same range, and one scale
 * keeps the integer dot product an exact function of the codes, with no per-dimension weights in the
 * hot loop). A vector's codes are packed four to an {@code int}, lowest byte first, followed by one
 * {@code int} holding the sum of its codes (what the dot product's offset correction needs), so a
 * vector takes {@code ceil(dim / 4) + 1} ints: about a quarter of its float32 size.
 *
 * <p>Distances between codes ({@link #distance(int[], int, int)}) run on the int7 kernels
 * {@link Kernels} chose (Vector API, or the scalar loops of {@link Int8Kernels}); the
 * distance from a float query to a node's decoded codes ({@link #floatDistance}) is what a quantized
 * search reranks its best candidates by, so the query itself loses nothing to quantization.
 *
 * <p>Layout and publication rules are those of {@link VectorStore}: pages of at most
 * {@link VectorStore#PAGE_SIZE} vectors and {@link VectorStore#MAX_PAGE_BYTES} bytes, a vector written
 * before its ordinal is published and not changed while reachable.
 *
 * <p><b>Thread-safety:</b> as {@link VectorStore}: one {@link #ensureCapacity} at a time,
 * {@link #set} of distinct ordinals concurrently, readers at any time for published ordinals.
 * <b>Allocation:</b> only when capacity grows, and in {@link #range} (a build-time call).
 */
public final class Int8Store {
  /** Largest code: 7 bits, so that products and squared differences of codes stay small. */
  public static final int MAX_CODE = 127;

  /**
   * Share of the sampled components left outside the range on each side (clamped): one in 10,000.
   * Lucene's {@code 1/(dim + 1)} clamps 4% of the components of a 24-dimensional vector, enough to
   * make an item lose its own nearest-neighbour spot; this keeps only true outliers out.
   */
  static final double TAIL = 1e-4;

  private final int dimension;
  private final Metric metric;
  private final float lo;
  private final float hi;
  private final float step;
  private final float invStep;
  private final int codeInts;
  private final int stride;
  private final int pageMask;
  private final PagedArray<int[]> pages;
  // distance terms: dot(x, y) = dotConstant + dotLinear * (sumA + sumB) + dotScale * dot(codes)
  private final float dotConstant;
  private final float dotLinear;
  private final float dotScale;
  private final float dotOffset;
  private final boolean l2;

  /**
   * @param lo the value code 0 stands for; smaller components are clamped to it
   * @param hi the value code 127 stands for; larger components are clamped to it
   * @param dimension the vectors' number of components
   * @param metric the metric distances are computed under; cosine vectors are normalised before
   *     encoding
   * @throws IllegalArgumentException if {@code lo} or {@code hi} is not finite or {@code lo >= hi}
   */
  public Int8Store(int dimension, Metric metric, float lo, float hi) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    checkRange(lo, hi);
    this.dimension = dimension;
    this.metric = metric;
    this.lo = lo;
    this.hi = hi;
    this.step = (hi - lo) / MAX_CODE;
    this.invStep = MAX_CODE / (hi - lo);
    this.codeInts = (dimension + 3) >>> 2;
    this.stride = codeInts + 1;
    int shift = VectorStore.PAGE_SHIFT;
    while (shift > 0 && ((long) stride * Integer.BYTES << shift) > VectorStore.MAX_PAGE_BYTES) {
      shift--;
    }
    this.pageMask = (1 << shift) - 1;
    final int pageInts = (1 << shift) * stride;
    this.pages = new PagedArray<>(shift, p -> new int[pageInts]);
    this.dotConstant = dimension * lo * lo;
    this.dotLinear = lo * step;
    this.dotScale = step * step;
    this.dotOffset = metric == Metric.COSINE ? 1f : 0f;
    this.l2 = metric == Metric.L2;
  }

  /**
   * Checks a quantization range.
   *
   * @param lo the value code 0 would stand for
   * @param hi the value code 127 would stand for
   * @throws IllegalArgumentException if {@code lo} or {@code hi} is not finite or {@code lo >= hi}
   */
  public static void checkRange(float lo, float hi) {
    if (!Float.isFinite(lo) || !Float.isFinite(hi) || !(lo < hi)) {
      throw new IllegalArgumentException(
          "int8 quantization range needs finite lo < hi, got [" + lo + ", " + hi + "]");
    }
  }

  /**
   * The range {@code {lo, hi}} to quantize vectors like {@code sample} with: all their components
   * (after normalisation under cosine) but the {@link #TAIL} smallest and largest, so that a few
   * outliers do not stretch the step for everyone.
   * Allocates a copy of the components.
   *
   * @param sample vectors like the ones to be stored; read, not kept
   * @param dimension their number of components
   * @param metric the metric they are stored under (cosine normalises them first)
   * @return a new array {@code {lo, hi}}
   * @throws IllegalArgumentException if the sample is empty, or a vector has the wrong dimension,
   *     non-finite components, or is zero under cosine (named by its position in the sample)
   */
  public static float[] range(float[][] sample, int dimension, Metric metric) {
    if (sample == null || sample.length == 0) {
      throw new IllegalArgumentException("int8 quantization needs a non-empty sample of vectors");
    }
    final long total = (long) sample.length * dimension;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("int8 sample too large: " + total + " components");
    }
    final float[] values = new float[(int) total];
    for (int i = 0; i < sample.length; i++) {
      VectorChecks.check(sample[i], dimension, metric, "sample vector " + i);
      VectorChecks.copyForMetric(sample[i], values, i * dimension, metric);
    }
    Arrays.sort(values);
    final double tail = TAIL;
    final int low = (int) Math.floor(tail * (values.length - 1));
    final int high = (int) Math.ceil((1 - tail) * (values.length - 1));
    float lo = values[low];
    float hi = values[high];
    if (!(lo < hi)) { // every sampled component equal: any range around it encodes it exactly
      lo = values[low] - 1f;
      hi = values[high] + 1f;
    }
    return new float[] {lo, hi};
  }

  /**
   * {@return the vectors' number of components}
   */
  public int dimension() {
    return dimension;
  }

  /**
   * {@return the metric distances are computed under}
   */
  public Metric metric() {
    return metric;
  }

  /** {@return the value code 0 stands for} */
  public float lo() {
    return lo;
  }

  /** {@return the value code 127 stands for} */
  public float hi() {
    return hi;
  }

  /** {@return the ints per stored vector: the packed codes, then their sum} */
  public int stride() {
    return stride;
  }

  /** {@return the ints holding a vector's packed codes ({@code ceil(dim / 4)})} */
  public int codeInts() {
    return codeInts;
  }

  /** {@return the vectors per page, a power of two} */
  public int vectorsPerPage() {
    return pageMask + 1;
  }

  /**
   * Ensures ordinals {@code [0, count)} have storage. One writer at a time.
   *
   * @param count the ordinals that must have storage
   */
  public void ensureCapacity(long count) {
    pages.ensureCapacity(count);
  }

  /** {@return the number of ordinals that have storage} */
  public long capacity() {
    return pages.capacity();
  }

  /** {@return the bytes the code pages hold (whole pages, reserved capacity included)} */
  public long memoryBytes() {
    return pages.capacity() * stride * Integer.BYTES;
  }

  /**
   * The page holding {@code ordinal}'s codes.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @return the page array, shared: read it, do not keep it past the node's life
   */
  public int[] page(int ordinal) {
    return pages.page(ordinal);
  }

  /**
   * Where {@code ordinal}'s codes start inside its {@link #page page}.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @return the index in {@link #page page(ordinal)} of its first code int
   */
  public int offset(int ordinal) {
    return (ordinal & pageMask) * stride;
  }

  /** {@return the page table, for code that stores codes in the same layout (snapshots)} */
  public PagedArray<int[]> pages() {
    return pages;
  }

  /**
   * Encodes a checked vector (normalised first when the metric asks for it) under {@code ordinal}.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @param vector the vector, checked, of this store's dimension; not kept
   * @throws IllegalArgumentException if a component is NaN (nothing is written)
   */
  public void set(int ordinal, float[] vector) {
    float scale = 1f;
    if (metric.normalises()) {
      double sumSquares = 0;
      for (float x : vector) {
        sumSquares += (double) x * x;
      }
      scale = (float) (1.0 / Math.sqrt(sumSquares));
    }
    encode(vector, scale, page(ordinal), offset(ordinal));
  }

  /**
   * Encodes {@code vector} (already normalised for the metric) into {@code out[0, stride())}: the
   * form a query takes for {@link #distance(int[], int, int)}.
   *
   * @param vector the vector, normalised for the metric
   * @param out receives {@link #stride()} ints from index 0
   * @throws IllegalArgumentException if {@code vector} has the wrong length or a NaN component
   */
  public void encode(float[] vector, int[] out) {
    encode(vector, 1f, out, 0);
  }

  private void encode(float[] vector, float scale, int[] out, int at) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          "vector has dimension " + vector.length + ", store dimension is " + dimension);
    }
    for (int i = 0; i < dimension; i++) {
      if (Float.isNaN(vector[i])) {
        throw new IllegalArgumentException(
            "cannot quantize a NaN component (at position " + i + ")");
      }
    }
    int sum = 0;
    for (int w = 0; w < codeInts; w++) {
      int packed = 0;
      for (int b = 0; b < 4; b++) {
        final int i = 4 * w + b;
        if (i < dimension) {
          final int code = code(vector[i] * scale);
          packed |= code << (8 * b);
          sum += code;
        }
      }
      out[at + w] = packed;
    }
    out[at + codeInts] = sum;
  }

  /**
   * The code of one component: rounded to the nearest step, clamped to {@code [0, 127]}.
   *
   * @param value a component
   * @return its code, 0 to 127
   */
  public int code(float value) {
    final float scaled = (value - lo) * invStep + 0.5f;
    if (!(scaled > 0f)) {
      return 0;
    }
    return scaled >= MAX_CODE ? MAX_CODE : (int) scaled;
  }

  /**
   * The value {@code code} stands for: {@code lo + code * step}.
   *
   * @param code a code, 0 to 127
   * @return the component value it decodes to
   */
  public float value(int code) {
    return lo + code * step;
  }

  /**
   * Writes the decoded vector of {@code ordinal} into {@code out}.
   *
   * @param ordinal an ordinal below {@link #capacity()}
   * @param out receives the decoded components; at least the dimension long
   */
  public void decode(int ordinal, float[] out) {
    final int[] page = page(ordinal);
    final int at = offset(ordinal);
    for (int i = 0; i < dimension; i++) {
      out[i] = value((page[at + (i >>> 2)] >>> (8 * (i & 3))) & 0xFF);
    }
  }

  /**
   * Distance, under the metric, between encoded {@code query[queryOffset..]} and node {@code node}.
   *
   * @param query the encoded query ({@link #encode})
   * @param queryOffset where it starts in {@code query}
   * @param node a stored ordinal
   * @return the distance between the codes, in the metric's units (smaller is nearer)
   */
  public float distance(int[] query, int queryOffset, int node) {
    final int[] page = page(node);
    final int at = offset(node);
    final CodeKernels kernels = Kernels.INT8;
    if (l2) {
      return dotScale * kernels.squaredL2(query, queryOffset, page, at, codeInts);
    }
    final int codeDot = kernels.dot(query, queryOffset, page, at, codeInts);
    final int sums = query[queryOffset + codeInts] + page[at + codeInts];
    return dotOffset - (dotConstant + dotLinear * sums + dotScale * codeDot);
  }

  /**
   * Distance between two stored nodes' codes.
   *
   * @param a a stored ordinal
   * @param b another stored ordinal
   * @return the distance between their codes, in the metric's units
   */
  public float distanceBetween(int a, int b) {
    return distance(page(a), offset(a), b);
  }

  /**
   * Distance, under the metric, from the float {@code query[queryOffset..]} (normalised for the
   * metric) to the decoded codes of {@code node}: only the stored side is quantized.
   *
   * @param query the float query, normalised for the metric
   * @param queryOffset where it starts in {@code query}
   * @param node a stored ordinal
   * @return the distance from the query to the node's decoded vector
   */
  public float floatDistance(float[] query, int queryOffset, int node) {
    final int[] page = page(node);
    final int at = offset(node);
    final float lo = this.lo;
    final float step = this.step;
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    final int full = dimension >>> 2;
    for (int w = 0; w < full; w++) {
      final int x = page[at + w];
      final int q = queryOffset + 4 * w;
      final float v0 = lo + step * (x & 0xFF);
      final float v1 = lo + step * ((x >>> 8) & 0xFF);
      final float v2 = lo + step * ((x >>> 16) & 0xFF);
      final float v3 = lo + step * (x >>> 24);
      if (l2) {
        final float d0 = query[q] - v0;
        final float d1 = query[q + 1] - v1;
        final float d2 = query[q + 2] - v2;
        final float d3 = query[q + 3] - v3;
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
      } else {
        s0 += query[q] * v0;
        s1 += query[q + 1] * v1;
        s2 += query[q + 2] * v2;
        s3 += query[q + 3] * v3;
      }
    }
    for (int i = 4 * full; i < dimension; i++) {
      final float v = value((page[at + (i >>> 2)] >>> (8 * (i & 3))) & 0xFF);
      final float q = query[queryOffset + i];
      s0 += l2 ? (q - v) * (q - v) : q * v;
    }
    final float sum = (s0 + s1) + (s2 + s3);
    return l2 ? sum : dotOffset - sum;
  }
}
