/**
 * Vector storage and distance kernels: the bottom layer, which knows nothing of graphs, ids or
 * filters.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Layout.</b> {@link dev.trawl.vector.VectorStore} keeps vectors back to back in pages of
 *       1,024 vectors ({@code float[1024 * dim]}); a vector is (page, offset), so kernels take array
 *       slices and nothing is copied to compare two stored vectors.
 *   <li><b>Growth without stop-the-world.</b> {@link dev.trawl.vector.PagedArray} grows by adding
 *       pages; only the small table of page references is ever copied, and old tables stay valid, so
 *       readers never wait for or observe a resize.
 *   <li><b>Write once.</b> A stored vector never changes. Updates store a new vector under a new
 *       ordinal, which is what lets searches read vectors without locks.
 *   <li><b>Kernels.</b> {@link dev.trawl.vector.FloatKernels} has a dot product and a squared L2
 *       distance; {@link dev.trawl.vector.Kernels#BEST} picks the JDK Vector API implementation when
 *       the module is enabled, otherwise a hand-unrolled scalar one, and logs which.
 *   <li><b>Quantized codes.</b> {@link dev.trawl.vector.Int8Store} keeps int7 codes four to an
 *       {@code int}; its code distances run on the int7 kernels chosen with the float ones (Vector
 *       API, or the scalar loops of {@link dev.trawl.vector.Int8Kernels}).
 *   <li><b>Metrics as distances.</b> Every {@link dev.trawl.vector.Metric} is a distance (smaller is
 *       closer); cosine normalises once on the way in so the hot loop is a dot product.
 * </ul>
 */
package dev.trawl.vector;
