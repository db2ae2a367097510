package dev.trawl.bench.engine;

import dev.trawl.index.VectorIndex;
import java.util.List;

/** The engines by name. Stateless. */
public final class Engines {
  /**
   * Every engine, Trawl first. {@code trawl} and {@code trawl-int8} (int7-quantized vectors) run in a
   * JVM with the Vector API module; {@code trawl-scalar} is Trawl in such a JVM forced onto scalar
   * kernels; {@code trawl-noflags} and {@code trawl-int8-noflags} run in a JVM started without
   * {@code --add-modules jdk.incubator.vector}, as most services start one.
   */
  public static final List<String> NAMES =
      List.of("trawl", "trawl-scalar", "trawl-int8", "trawl-noflags", "trawl-int8-noflags",
          "hnswlib-core", "lucene", "jvector");

  private Engines() {}

  /**
   * The engine {@code name} set up to count its work for {@link AnnEngine.ExcludingQuery#lastVisited()}:
   * hnswlib-core with a counting distance function (slightly slower, so only where the count is
   * wanted); every other engine reports its own visited count and is returned as {@link #byName}.
   */
  public static AnnEngine counting(String name) {
    return name.equals("hnswlib-core") ? new HnswlibCoreEngine(true) : byName(name);
  }

  /**
   * Trawl's adapter over an index built elsewhere (for example by a benchmark fixture), so that
   * benchmarks can drive that index through {@link AnnEngine.Index} without building it again.
   */
  public static AnnEngine.Index trawl(VectorIndex index) {
    return TrawlEngine.adapt(index, dev.trawl.vector.Kernels.BEST.name());
  }

  public static AnnEngine byName(String name) {
    switch (name) {
      case "trawl":
        return new TrawlEngine(name, TrawlEngine.Jvm.VECTOR_API, false);
      case "trawl-scalar":
        return new TrawlEngine(name, TrawlEngine.Jvm.FORCED_SCALAR, false);
      case "trawl-int8":
        return new TrawlEngine(name, TrawlEngine.Jvm.VECTOR_API, true);
      case "trawl-noflags":
        return new TrawlEngine(name, TrawlEngine.Jvm.NO_FLAGS, false);
      case "trawl-int8-noflags":
        return new TrawlEngine(name, TrawlEngine.Jvm.NO_FLAGS, true);
      case "hnswlib-core":
        return new HnswlibCoreEngine(false);
      case "lucene":
        return new LuceneEngine();
      case "jvector":
        return new JVectorEngine();
      default:
        throw new IllegalArgumentException("unknown engine '" + name + "'; known: " + NAMES);
    }
  }
}
