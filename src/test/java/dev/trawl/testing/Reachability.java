package dev.trawl.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import java.util.function.IntFunction;

/** Whether the live items of a quiescent index can still be reached by a search for their vector. */
public final class Reachability {
  private Reachability() {}

  /**
   * Of ids {@code [0, ids)} that are live, how many are among the 10 results of a search with beam
   * {@code ef} for their own vector ({@code vectorOf.apply(id)}). Also asserts that every result is
   * a live id: no removed item comes back once writes have stopped.
   */
  public static int foundByOwnVector(VectorIndex index, int ids, int ef, IntFunction<float[]> vectorOf) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    int found = 0;
    for (int id = 0; id < ids; id++) {
      if (!index.contains(id)) {
        continue;
      }
      searcher.search(vectorOf.apply(id), 10, ef, results);
      for (int i = 0; i < results.size(); i++) {
        assertThat(index.contains(results.id(i))).as("result %d is live", results.id(i)).isTrue();
        if (results.id(i) == id) {
          found++;
        }
      }
    }
    return found;
  }
}
