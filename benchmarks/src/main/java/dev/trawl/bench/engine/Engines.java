package dev.trawl.bench.engine;

import dev.trawl.index.VectorIndex;
import java.util.List;

/** The engines by name. Stateless. */
public final class Engines {
  /**
   * Every engine, Trawl first. {@code trawl-scalar} is Trawl in a JVM forced onto scalar kernels,
   * {@code trawl-int8} Trawl with int7-quantized vectors.
   */
  public static final List<String> NAMES =
      List.of("trawl", "trawl-scalar", "trawl-int8", "hnswlib-core", "lucene", "jvector");

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
    return TrawlEngine.adapt(index);
  }

  public static AnnEngine byName(String name) {
    switch (name) {
      case "trawl":
        return new TrawlEngine(false);
      case "trawl-scalar":
        return new TrawlEngine(true);
      case "trawl-int8":
        return new TrawlEngine(false, true);
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
