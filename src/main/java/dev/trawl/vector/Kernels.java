package dev.trawl.vector;

import java.lang.System.Logger.Level;

/**
 * Chooses the distance kernels once per JVM. The Vector API kernels are used when the host started
 * the JVM with {@code --add-modules jdk.incubator.vector} and the CPU has vectors of at least 128
 * bits; otherwise the hand-unrolled scalar kernels are used. The choice is logged once through
 * {@link System.Logger} at INFO (with the reason, when it falls back). Setting the system property
 * {@code trawl.kernels=scalar} forces the scalar path, for comparisons.
 *
 * <p>{@link #BEST} is a {@code static final} constant, so the JIT sees one implementation and inlines
 * it. Thread-safe; allocates nothing after class initialisation.
 */
public final class Kernels {
  /** The kernels this JVM uses. */
  public static final FloatKernels BEST = choose();

  /**
   * The int7 code kernels of quantized indexes: the Vector API ones when {@link #BEST} is, otherwise
   * the scalar loops of {@link Int8Kernels}.
   */
  static final CodeKernels INT8 =
      BEST == ScalarKernels.INSTANCE ? Int8Kernels.SCALAR : PanamaInt8Kernels.INSTANCE;

  private Kernels() {}

  /**
   * One line naming the kernels this JVM runs, for tools to print: the float kernels ({@link #BEST})
   * and the int7 kernels of quantized indexes (Vector API, or scalar int loops). Allocates the string.
   *
   * @return a one-line description of the float32 and int7 kernels in use
   */
  public static String describe() {
    return "float32: " + BEST.name() + "; int7 (quantized indexes): " + INT8.name()
        + (BEST == ScalarKernels.INSTANCE ? " (add --add-modules jdk.incubator.vector for SIMD)" : "");
  }

  /**
   * The int7 code kernels this JVM runs.
   *
   * @return their name, such as {@code int-scalar} or {@code panama-int-512}
   */
  public static String int8Name() {
    return INT8.name();
  }

  private static FloatKernels choose() {
    final System.Logger log = System.getLogger("dev.trawl.vector");
    if ("scalar".equalsIgnoreCase(System.getProperty("trawl.kernels", ""))) {
      log.log(Level.INFO, "trawl: scalar distance kernels (forced by -Dtrawl.kernels=scalar)");
      return ScalarKernels.INSTANCE;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      log.log(
          Level.INFO,
          "trawl: scalar distance kernels (start the JVM with --add-modules jdk.incubator.vector"
              + " for SIMD kernels)");
      return ScalarKernels.INSTANCE;
    }
    try {
      final FloatKernels panama = PanamaKernels.INSTANCE;
      if (jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() < 128) {
        log.log(Level.INFO, "trawl: scalar distance kernels (CPU vectors narrower than 128 bits)");
        return ScalarKernels.INSTANCE;
      }
      log.log(Level.INFO, "trawl: " + panama.name() + " distance kernels");
      return panama;
    } catch (LinkageError e) {
      log.log(Level.WARNING, "trawl: scalar distance kernels (Vector API unusable: " + e + ")");
      return ScalarKernels.INSTANCE;
    }
  }
}
