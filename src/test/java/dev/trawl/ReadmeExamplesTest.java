package dev.trawl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.testing.DocSnippets;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's examples, compiled and run: each {@code ```java} block of README.md is one snippet
 * here (text equal, imports included), and the {@code <dependency>} blocks name the version the build
 * has, so the README cannot drift from the API or the version.
 */
class ReadmeExamplesTest {
  private static final Path README = Path.of("README.md");
  private static final Path THIS_SOURCE = Path.of("src/test/java/dev/trawl/ReadmeExamplesTest.java");

  @Test
  void everyJavaBlockOfTheReadmeIsASnippetOfThisTest() {
    final List<DocSnippets.Block> blocks = DocSnippets.javaBlocks(README);
    final List<String> snippets = new ArrayList<>(DocSnippets.regions(THIS_SOURCE).values());
    final List<String> imports = DocSnippets.imports(THIS_SOURCE);

    assertThat(blocks).as("java blocks in README.md").isNotEmpty();
    for (final DocSnippets.Block block : blocks) {
      assertThat(snippets).as("README block compiled by this test").contains(block.body());
      assertThat(imports).as("imports of this README block").containsAll(block.imports());
    }
    assertThat(snippets).as("snippets shown in README.md").hasSize(blocks.size());
  }

  @Test
  void theDependencySnippetsNameTheBuildsVersion() {
    final String version = System.getProperty("trawl.version");
    assertThat(version).as("trawl.version, set by the build").isNotBlank();
    final Pattern coordinates =
        Pattern.compile("<groupId>dev\\.trawl</groupId>\\s*<artifactId>([\\w-]+)</artifactId>\\s*"
            + "<version>([^<]+)</version>");
    final Set<String> artifacts = new HashSet<>();
    for (final String block : DocSnippets.fencedBlocks(README, "xml")) {
      final Matcher m = coordinates.matcher(block);
      while (m.find()) {
        artifacts.add(m.group(1));
        assertThat(m.group(2)).as("version of " + m.group(1) + " in README.md").isEqualTo(version);
      }
    }
    assertThat(artifacts).containsExactlyInAnyOrder("trawl", "trawl-testkit");
  }

  @Test
  void quickStartPrintsTheTwoPostsNearestTheUser() {
    final PrintStream stdout = System.out;
    final Locale locale = Locale.getDefault();
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    Locale.setDefault(Locale.ROOT);
    try {
      // snippet:quick-start
      // 4-dimensional embeddings compared by cosine distance
      VectorIndex index = VectorIndex.builder(4, Metric.COSINE).build();
      index.add(101L, new float[] {0.9f, 0.1f, 0.0f, 0.0f});  // post id, embedding
      index.add(102L, new float[] {0.8f, 0.3f, 0.1f, 0.0f});
      index.add(103L, new float[] {0.0f, 0.2f, 0.9f, 0.1f});
      index.add(104L, new float[] {0.1f, 0.0f, 0.1f, 0.9f});

      Searcher searcher = index.newSearcher();        // one per thread, reused across requests
      SearchResults results = new SearchResults(10);  // caller-owned output, reused
      float[] user = {1.0f, 0.2f, 0.0f, 0.0f};        // the user's interest vector
      int n = searcher.search(user, 2, 32, results);  // the 2 nearest posts, beam width 32
      for (int i = 0; i < n; i++) {
        System.out.printf("post %d at distance %.4f%n", results.id(i), results.distance(i));
      }
      // post 101 at distance 0.0038
      // post 102 at distance 0.0197
      // snippet:end
    } finally {
      System.setOut(stdout);
      Locale.setDefault(locale);
    }
    final List<String> promised = new ArrayList<>();
    for (final String line : DocSnippets.regions(THIS_SOURCE).get("quick-start").split("\n")) {
      if (line.startsWith("// post ")) {
        promised.add(line.substring(3));
      }
    }
    assertThat(promised).hasSize(2);
    assertThat(printed.toString(StandardCharsets.UTF_8).lines()).containsExactlyElementsOf(promised);
  }

  @Test
  void feedExampleExcludesSeenRemovedAndBlockedPosts() {
    final int expectedPosts = 2_000;
    final float[][] vectors = Vectors.clustered(expectedPosts, 384, 8, 14L);
    final long postId = 1;
    final float[] embedding = vectors[0];
    final float[] newEmbedding = vectors[1];
    final long authorId = 7;
    final long communityId = 3;
    final long removedPostId = postId;  // the one post there is to remove

    // snippet:feed-index
    VectorIndex index = VectorIndex.builder(384, Metric.COSINE)
        .m(16)                         // links per node (2M on level 0)
        .efConstruction(200)           // beam width while inserting
        .expectedItems(expectedPosts)  // pre-size: inserts up to here allocate nothing
        .removalMemory(1 << 20)        // versioned removals remembered against late upserts
        .build();                      //   (docs/writes.md: versions, reuse of removed slots)

    ItemAttributes attrs = new ItemAttributes();  // reusable holder, one per writing thread
    index.add(postId, embedding, attrs.clear().author(authorId).community(communityId));
    index.update(postId, newEmbedding);           // any thread, concurrently with searches
    index.remove(removedPostId);
    // snippet:end

    // the rest of the corpus: posts 2..2000 by author id % 10, so author 7 wrote 200 of them
    for (int i = 1; i < expectedPosts; i++) {
      index.add(i + 1, vectors[i], attrs.clear().author((i + 1) % 10).community(i % 4));
    }
    final float[] userVector = vectors[5];  // post 6's own embedding: post 6 is the nearest
    final long blockedAuthorId = 7;
    final long[] seenPostIds = {6, 16, 26, 36};
    final int seenCount = seenPostIds.length;

    // snippet:feed-request
    Searcher searcher = index.newSearcher();         // one per thread, reused
    SearchResults results = new SearchResults(200);  // caller-owned output, reused
    RequestFilter filter = index.newFilter();        // one per request thread, reused
    filter.allowAll()
        .andNotIds(seenPostIds, 0, seenCount, index)             // already seen
        .andNot(index.attributes().authors(), blockedAuthorId);  // blocked author
    int n = searcher.search(userVector, 200, 256, filter, results);  // k = 200, ef = 256
    for (int i = 0; i < n; i++) {
      long post = results.id(i);
      float distance = results.distance(i);  // smaller is closer
    }
    // snippet:end

    final Set<Long> found = new HashSet<>();
    for (int i = 0; i < n; i++) {
      found.add(results.id(i));
    }
    assertThat(n).isEqualTo(200);
    assertThat(found).hasSize(200)
        .doesNotContain(6L, 16L, 26L, 36L, removedPostId)
        .noneMatch(id -> id % 10 == blockedAuthorId);
  }
}
