package dev.trawl.bench.engine;

import java.util.List;

/** The engines by name. Stateless. */
public final class Engines {
  /** Every engine, Trawl first. {@code trawl-scalar} is Trawl in a JVM forced onto scalar kernels. */
  public static final List<String> NAMES =
      List.of("trawl", "trawl-scalar", "hnswlib-core", "lucene", "jvector");

  private Engines() {}

  public static AnnEngine byName(String name) {
    switch (name) {
      case "trawl":
        return new TrawlEngine(false);
      case "trawl-scalar":
        return new TrawlEngine(true);
      case "hnswlib-core":
        return new HnswlibCoreEngine();
      case "lucene":
        return new LuceneEngine();
      case "jvector":
        return new JVectorEngine();
      default:
        throw new IllegalArgumentException("unknown engine '" + name + "'; known: " + NAMES);
    }
  }
}
