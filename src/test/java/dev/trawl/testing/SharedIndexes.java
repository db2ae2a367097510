package dev.trawl.testing;

import dev.trawl.index.VectorIndex;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.vector.Metric;
import java.util.HashMap;
import java.util.Map;

/**
 * Real-data indexes built once per test JVM (M = 16, efConstruction = 200, seed 7, two threads) and
 * shared by the test classes that only read them, so the suite builds each large index once. Callers
 * must not modify a shared index.
 */
public final class SharedIndexes {
  private static final Map<String, VectorIndex> BUILT = new HashMap<>();

  private SharedIndexes() {}

  /** The index of {@code data}'s base vectors under {@code metric}, ids = row positions. */
  public static synchronized VectorIndex of(Dataset data, Metric metric) throws Exception {
    final String key = data.name() + "/" + metric;
    VectorIndex index = BUILT.get(key);
    if (index == null) {
      index = VectorIndex.builder(data.base()[0].length, metric)
          .m(16).efConstruction(200).seed(7).expectedItems(data.base().length).build();
      Builds.addAll(index, data.base(), 2);
      BUILT.put(key, index);
    }
    return index;
  }
}
