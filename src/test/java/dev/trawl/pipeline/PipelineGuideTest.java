package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.FilterPlanner;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.stages.AttributeHydrator;
import dev.trawl.pipeline.stages.DiversityCap;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.MmrDiversity;
import dev.trawl.pipeline.stages.RecencySource;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.RemovedItemsRule;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.Allocations;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.StageTest;
import dev.trawl.pipeline.testkit.SyntheticFeed;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The code examples of {@code docs/pipeline.md}, compiled and run. Each example is a region of this
 * file between {@code // example: NAME} and {@code // end example}; the guide marks each of its Java
 * blocks with {@code <!-- example: NAME -->}, and {@link #everyJavaBlockOfTheGuideIsARegionOfThisTest}
 * fails when a block is unmarked or differs from its region, so the guide cannot drift from the API.
 */
class PipelineGuideTest {
  static final long NOW = 1_700_000_000_000L;
  static final long TWO_DAYS = TimeUnit.DAYS.toMillis(2);
  static final long SIX_HOURS = TimeUnit.HOURS.toMillis(6);
  static final Feature AUTHOR_AFFINITY = Feature.candidate("author_affinity", 0f);
  static final long ENGLISH = 1;

  private static final int POSTS = 5_000;
  private static final int DIM = 16;
  private static final ItemMetadata METADATA = SyntheticFeed.metadata(200, 20, NOW, 5_000, 30_000L);
  private static VectorIndex index;
  private static RecentItems recent;
  private static float[][] users;

  /** The host's: ids removed by moderation (thread-safe, allocation-free). */
  private static final java.util.function.LongPredicate takenDown = id -> id == 7 || id == 11;

  @BeforeAll
  static void corpus() {
    final Random random = new Random(3);
    index = VectorIndex.builder(DIM, Metric.COSINE).seed(3).expectedItems(POSTS).build();
    final float[] v = new float[DIM];
    final ItemAttributes a = new ItemAttributes();
    for (int id = 0; id < POSTS; id++) {
      for (int d = 0; d < DIM; d++) {
        v[d] = (float) random.nextGaussian();
      }
      index.add(id, v, a.clear().author(METADATA.author(id)).community(METADATA.community(id))
          .language(id % 3 == 0 ? 2 : ENGLISH));
    }
    recent = SyntheticFeed.recentItems(METADATA, POSTS, 1_024, NOW, 1_000L);
    users = new float[8][DIM];
    for (float[] u : users) {
      for (int d = 0; d < DIM; d++) {
        u[d] = (float) random.nextGaussian();
      }
    }
  }

  /** Author affinity from a feature store (here: arithmetic). */
  static final class AffinityHydrator implements CandidateHydrator {
    @Override
    public Feature[] reads() {
      return new Feature[] {Feature.AUTHOR};
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {AUTHOR_AFFINITY};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float[] affinity = batch.featureColumn(AUTHOR_AFFINITY);
      for (int r = 0, n = batch.size(); r < n; r++) {
        affinity[r] = (batch.author(r) & 7) / 8f;
      }
    }
  }

  private final List<Long> rendered = new ArrayList<>();

  private void render(long id, String source) {
    rendered.add(id);
  }

  private static Pipeline homeFeed() {
    final ItemMetadata attributes = METADATA;
    // example: model
    RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);  // seen, blocked, muted
    Pipeline pipeline = Pipeline.builder("home-feed")
        .timeout(150, TimeUnit.MILLISECONDS)               // per-request deadline
        .validIds(index::contains)                          // ids a source may return
        .queryHydrator("exclusions", exclusions,            // the request's filter, composed once
            StageOptions.defaults().policy(StageOptions.Policy.FAIL_CLOSED))
        .source("interest", VectorSource.builder(index).k(500).filter(exclusions).build(),
            StageOptions.defaults().timeout(40, TimeUnit.MILLISECONDS))
        .source("fresh", new RecencySource(recent, 300, TWO_DAYS, SIX_HOURS, false))
        .hydrator("attributes", new AttributeHydrator(attributes))
        .hydrator("affinity", new AffinityHydrator())       // writes AUTHOR_AFFINITY
        .rule("excluded", exclusions.rule())                // the same filter, on the fresh posts
        .rule("taken-down", RemovedItemsRule.of(takenDown))
        .scorer("weighted", LinearScorer.builder().weight(AUTHOR_AFFINITY, 0.4f).build())
        .selector("rank", SortByScore.instance())
        .selector("author-cap", DiversityCap.perAuthor(2))
        .selector("mmr", new MmrDiversity(index, 0.7f, 200))
        .selector("page", Truncate.toPages(1))
        .build();                                           // validated, then immutable and shared
    // end example
    return pipeline;
  }

  @Test
  void theHomeFeedOfTheModelNeverShowsSeenBlockedOrTakenDownPosts() {
    final Pipeline pipeline = homeFeed();
    final long user = 42;
    final long now = NOW;
    final long requestSeed = 9;
    final float[] userVector = users[2];
    final long shownId = 5;
    final long blockedAuthor = METADATA.author(6);
    // example: request
    // per request thread, once:
    RequestContext ctx = pipeline.newContext();
    PipelineResult page = new PipelineResult();
    // per request:
    ctx.reset().userId(user).nowMillis(now).seed(requestSeed).queryVector(userVector);
    ctx.seenIds().add(shownId);
    ctx.blockedAuthors().add(blockedAuthor);
    pipeline.execute(ctx, page);
    for (int i = 0; i < page.size(); i++) { render(page.id(i), page.sourceName(i)); }
    // end example
    assertThat(rendered).hasSize(page.size()).isNotEmpty();
    for (long id : rendered) {
      assertThat(id).isNotIn(shownId, 7L, 11L);
      assertThat(METADATA.author(id)).isNotEqualTo(blockedAuthor);
    }
  }

  // example: rule-constant
  /** Drops posts shorter than 20 characters (reads a feature a hydrator wrote). */
  static final Feature TEXT_LENGTH = Feature.candidate("text_length", 0f);

  static final class ShortPostRule implements CandidateRule {
    @Override public Feature[] reads() { return new Feature[] {TEXT_LENGTH}; }

    @Override public void apply(RequestContext ctx, CandidateBatch batch) {
      final float[] length = batch.featureColumn(TEXT_LENGTH);   // bulk column access
      for (int r = 0, n = batch.size(); r < n; r++) {
        if (length[r] < 20) {
          batch.remove(r);            // mark; the pipeline compacts after you return
        }
      }
    }
  }
  // end example

  /** The host's per-author timelines. */
  interface AuthorTimelines {
    int latest(long user, long[] out);

    long authorOf(long post);

    long createdAt(long post);
  }

  // example: source-scratch
  static final class FollowedAuthorsSource implements CandidateSource {
    private final AuthorTimelines timelines;      // host data, thread-safe
    FollowedAuthorsSource(AuthorTimelines t) { this.timelines = t; }

    @Override public Feature[] writes() { return new Feature[] {Feature.AUTHOR, Feature.CREATED_AT}; }
    @Override public Object newScratch() { return new long[64]; }   // one per context

    @Override public void fetch(RequestContext ctx, CandidateSink out) {
      final long[] buffer = out.scratch();
      final int n = timelines.latest(ctx.userId(), buffer);          // host fills the buffer
      for (int i = 0; i < n; i++) {
        final int row = out.add(buffer[i], 1f - i / 64f);
        out.setAuthor(row, timelines.authorOf(buffer[i]));
        out.setCreatedAt(row, timelines.createdAt(buffer[i]));
      }
    }
  }
  // end example

  @Test
  void theFollowedAuthorsSourceFillsAuthorAndCreationTimeFromItsScratch() {
    final AuthorTimelines timelines = new AuthorTimelines() {
      @Override
      public int latest(long user, long[] out) {
        for (int i = 0; i < 3; i++) {
          out[i] = user * 10 + i;
        }
        return 3;
      }

      @Override
      public long authorOf(long post) {
        return post / 10;
      }

      @Override
      public long createdAt(long post) {
        return NOW - post;
      }
    };
    final StageTest.Outcome out = StageTest.with(new FollowedAuthorsSource(timelines))
        .rule("authors", (ctx, b) -> { }, StageOptions.defaults().reads(Feature.AUTHOR, Feature.CREATED_AT))
        .run(ctx -> ctx.userId(4));
    assertThat(out.ids()).containsExactly(40L, 41L, 42L);
    assertThat(out.authors()).containsExactly(4L, 4L, 4L);
  }

  // example: stage-test
  @Test
  void shortPostsAreDropped() {
    StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3))
        .hydrator("length", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) b.setFeature(TEXT_LENGTH, r, b.id(r) == 2 ? 5 : 100);
        }, StageOptions.defaults().writes(TEXT_LENGTH))
        .rule("short", new ShortPostRule())
        .run();
    assertThat(out.ids()).containsExactly(1L, 3L);
    assertThat(out.pipeline().metrics().stage("short").removed()).isEqualTo(1);
  }
  // end example

  @Test
  void theShortPostRuleAllocatesNothing() {
    final Pipeline p = Pipeline.builder("guide").sourcesOnCallerThread()
        .source("posts", Candidates.ofIds(1, 2, 3, 4, 5))
        .hydrator("length", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) {
            b.setFeature(TEXT_LENGTH, r, b.id(r) * 7);
          }
        }, StageOptions.defaults().writes(TEXT_LENGTH))
        .rule("short", new ShortPostRule())
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final double bytes = Allocations.bytesPerRun(() -> p.execute(ctx.reset(), page), 5_000, 10_000);
    assertThat(page.idsCopy()).containsExactly(3L, 4L, 5L);
    assertThat(bytes).isLessThan(1.0);
  }

  @Test
  void stagesAreAddedWithANameAndAPolicy() {
    final PipelineBuilder builder = Pipeline.builder("adding").sourcesOnCallerThread()
        .source("posts", Candidates.builder().add(30, 1f, 3, 1, NOW).add(31, 0.9f, 3, 1, NOW).build())
        .hydrator("length", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) {
            b.setFeature(TEXT_LENGTH, r, b.id(r));
          }
        }, StageOptions.defaults().writes(TEXT_LENGTH));
    final CandidateSource trending =
        Candidates.builder().add(1, 1f, 4, 2, NOW).add(2, 0.9f, 4, 2, NOW).add(3, 0.8f, 4, 2, NOW).build();
    // example: adding
    builder.rule("short", new ShortPostRule())                                       // required
           .hydrator("affinity", new AffinityHydrator(), StageOptions.failOpen())    // optional
           .source("trending", trending, StageOptions.defaults()
               .timeout(20, TimeUnit.MILLISECONDS).expectedCandidates(200)
               .when(ctx -> ctx.userId() % 100 < 10));                               // 10% of users
    // end example
    final Pipeline p = builder.build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    p.execute(ctx.reset().userId(5), page);
    assertThat(page.idsCopy()).as("user 5 is in the 10%: trending runs; 1-3 are short")
        .containsExactly(30L, 31L);
    p.execute(ctx.reset().userId(50), page);
    assertThat(p.metrics().stage("trending").skipped()).isEqualTo(1);
  }

  // example: restriction
  static final RequestFilterHydrator.Restriction ENGLISH_ONLY =
      (ctx, index, filter) -> filter.and(index.attributes().languages(), ENGLISH);
  // end example

  @Test
  void aRestrictionJoinsTheExclusionsAndEverySearchIsPlanned() {
    final List<Long> seen = List.of(1L, 2L, 3L);
    // example: request-filter
    RequestFilterHydrator exclusions = RequestFilterHydrator.builder(index)
        .restriction(ENGLISH_ONLY)            // after seen posts, blocked authors, muted communities
        .build();
    VectorSource interest = VectorSource.builder(index).k(200).filter(exclusions).build();
    Pipeline pipeline = Pipeline.builder("english-feed")
        .queryHydrator("exclusions", exclusions,
            StageOptions.defaults().policy(StageOptions.Policy.FAIL_CLOSED))
        .source("interest", interest)
        .build();
    // ... serve requests, then:
    long walks = interest.planCount(FilterPlanner.WALK);
    long scans = interest.planCount(FilterPlanner.EXACT);
    // end example
    assertThat(walks + scans).isZero();
    final RequestContext ctx = pipeline.newContext();
    final PipelineResult page = new PipelineResult();
    for (int i = 0; i < 20; i++) {
      ctx.reset().queryVector(users[i & 7]).mutedCommunities().add(METADATA.community(i));
      for (long id : seen) {
        ctx.seenIds().add(id);
      }
      pipeline.execute(ctx, page);
      assertThat(page.size()).isEqualTo(50);
      for (int r = 0; r < page.size(); r++) {
        assertThat(page.id(r) % 3).as("only English posts").isNotZero();
        assertThat(page.id(r)).isNotIn(seen);
        assertThat(METADATA.community(page.id(r))).isNotEqualTo(METADATA.community(i));
      }
    }
    assertThat(interest.planCount(FilterPlanner.WALK) + interest.planCount(FilterPlanner.EXACT)
        + interest.planCount(FilterPlanner.WALK_THEN_EXACT)).isEqualTo(20);
    assertThat(interest.planCount(FilterPlanner.NONE)).isZero();
  }

  @Test
  void aShadowCopyOfTheInputsServesTheSamePageWithoutSideEffects() {
    final int[] impressions = {0};
    final SideEffect logImpressions = (ctx, p) -> impressions[0]++;
    final Pipeline live = Pipeline.builder("live").sourcesOnCallerThread()
        .source("posts", Candidates.ofIds(1, 2, 3, 4)).rule("seen", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) {
            if (ctx.seenIds().contains(b.id(r))) {
              b.remove(r);
            }
          }
        }).sideEffect("impressions", logImpressions).build();
    final Pipeline shadow = live;
    final Pipeline pipeline = live;
    final RequestContext liveCtx = live.newContext();
    final RequestContext shadowCtx = shadow.newContext();
    final PipelineResult livePage = new PipelineResult();
    final PipelineResult shadowPage = new PipelineResult();
    final long user = 1;
    final long now = NOW;
    final long seed = 2;
    final float[] vector = users[0];
    liveCtx.reset().userId(user).nowMillis(now).seed(seed).queryVector(vector).seenIds().add(2);
    // example: shadow-copy
    shadowCtx.copyInputsFrom(liveCtx);     // inputs, id sets, query features (by identity), attachment
    live.execute(liveCtx, livePage);
    shadow.execute(shadowCtx, shadowPage); // compare livePage and shadowPage
    // end example
    assertThat(shadowPage.idsCopy()).containsExactly(livePage.idsCopy()).containsExactly(1L, 3L, 4L);
    assertThat(impressions[0]).isEqualTo(2);
    // example: shadow-flag
    shadowCtx.copyInputsFrom(liveCtx).shadow(true);
    pipeline.execute(shadowCtx, shadowPage);   // no impressions logged; same page as liveCtx's
    // end example
    assertThat(impressions[0]).isEqualTo(2);
    assertThat(shadowPage.idsCopy()).containsExactly(1L, 3L, 4L);
  }

  @Test
  void everyJavaBlockOfTheGuideIsARegionOfThisTest() throws IOException {
    final Map<String, String> regions = regions(Files.readAllLines(source()));
    final List<String> guide = Files.readAllLines(root().resolve("docs/pipeline.md"));
    final Set<String> used = new HashSet<>();
    int blocks = 0;
    for (int i = 0; i < guide.size(); i++) {
      if (!guide.get(i).startsWith("```java")) {
        continue;
      }
      blocks++;
      final String marker = i > 0 ? guide.get(i - 1).strip() : "";
      assertThat(marker).as("the line before the Java block at line %d of docs/pipeline.md", i + 1)
          .startsWith("<!-- example: ").endsWith(" -->");
      final String name = marker.substring("<!-- example: ".length(), marker.length() - 4).strip();
      final StringBuilder block = new StringBuilder();
      for (int j = i + 1; !guide.get(j).startsWith("```"); j++) {
        block.append(guide.get(j)).append('\n');
      }
      assertThat(regions).as("regions of PipelineGuideTest").containsKey(name);
      assertThat(block.toString()).as("example '%s' of docs/pipeline.md", name).isEqualTo(regions.get(name));
      used.add(name);
    }
    assertThat(blocks).isGreaterThanOrEqualTo(8);
    assertThat(used).as("every region is shown in the guide").isEqualTo(regions.keySet());
  }

  /** {@code // example: NAME} ... {@code // end example}, each dedented by its least indentation. */
  static Map<String, String> regions(List<String> lines) {
    final Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      final String line = lines.get(i).strip();
      if (!line.startsWith("// example: ")) {
        continue;
      }
      final List<String> body = new ArrayList<>();
      int j = i + 1;
      while (!lines.get(j).strip().equals("// end example")) {
        body.add(lines.get(j++));
      }
      int indent = Integer.MAX_VALUE;
      for (String b : body) {
        if (!b.isBlank()) {
          indent = Math.min(indent, b.length() - b.stripLeading().length());
        }
      }
      final StringBuilder text = new StringBuilder();
      for (String b : body) {
        text.append(b.isBlank() ? "" : b.substring(indent)).append('\n');
      }
      out.put(line.substring("// example: ".length()).strip(), text.toString());
    }
    return out;
  }

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.exists(p.resolve("docs/pipeline.md"))) {
      p = p.getParent();
    }
    return p;
  }

  private static Path source() {
    return root().resolve("src/test/java/dev/trawl/pipeline/PipelineGuideTest.java");
  }
}
