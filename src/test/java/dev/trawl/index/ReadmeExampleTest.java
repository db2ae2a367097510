package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/** The README's usage example, line for line, on generated data: it must keep compiling and working. */
class ReadmeExampleTest {

  @Test
  void readmeUsageExampleExcludesSeenPostsAndBlockedAuthors() {
    final float[][] embeddings = Vectors.clustered(3_000, 32, 12, 9);
    final VectorIndex index = VectorIndex.builder(32, Metric.COSINE)
        .m(16)
        .efConstruction(200)
        .expectedItems(3_000)
        .reuseOrdinals(true)
        .build();
    final ItemAttributes attrs = new ItemAttributes();
    for (int postId = 0; postId < embeddings.length; postId++) {
      index.add(postId, embeddings[postId], attrs.clear().author(postId % 100).community(postId % 7));
    }
    index.update(5, embeddings[6]);
    index.remove(7);

    final float[] userVector = embeddings[42];
    final long[] seenPostIds = {42, 43, 44};
    final int seenCount = seenPostIds.length;
    final long blockedAuthorId = 45 % 100;

    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(200);
    final RequestFilter filter = index.newFilter();
    filter.allowAll()
        .andNotIds(seenPostIds, 0, seenCount, index)
        .andNot(index.attributes().authors(), blockedAuthorId);
    final int n = searcher.search(userVector, 200, 256, filter, results);

    assertThat(n).isEqualTo(200);
    for (int i = 0; i < n; i++) {
      final long post = results.id(i);
      assertThat(post).isNotIn(42L, 43L, 44L, 7L);
      assertThat(post % 100).isNotEqualTo(blockedAuthorId);
      if (i > 0) {
        assertThat(results.distance(i)).isGreaterThanOrEqualTo(results.distance(i - 1));
      }
    }
  }
}
