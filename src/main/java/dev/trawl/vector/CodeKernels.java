package dev.trawl.vector;

/**
 * The two integer loops over packed int7 codes that quantized distances are built from (see
 * {@link Int8Kernels} for the packing): the scalar loops, or the Vector API ones, chosen once per JVM
 * as {@link Kernels#INT8}. Implementations are stateless, thread-safe and allocate nothing.
 */
interface CodeKernels {
  /** Sum over the codes of {@code a[ao..ao+ints)} and {@code b[bo..bo+ints)} of {@code ca * cb}. */
  int dot(int[] a, int ao, int[] b, int bo, int ints);

  /** Sum over the codes of {@code a[ao..ao+ints)} and {@code b[bo..bo+ints)} of {@code (ca - cb)^2}. */
  int squaredL2(int[] a, int ao, int[] b, int bo, int ints);

  /** A short name for logs and reports, such as {@code int-scalar} or {@code panama-int-512}. */
  String name();
}
