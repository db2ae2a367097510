package dev.trawl.examples.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trawl.pipeline.CandidateSource;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The feed over GraphQL and JSON: pages, cursors, client errors, the degraded flag. */
class FeedServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long NOW = 1_767_225_600_000L;
  private static final String PAGE_QUERY =
      "query($u: ID!, $n: Int, $after: String) { feed(userId: $u, first: $n, after: $after) {"
          + " degraded endCursor hasNextPage totalMicros posts { id source score author community }"
          + " timings { stage micros } } }";

  private static CorpusWorld world;
  private static FeedService service;
  private static FeedGraphQL graphql;
  private static FeedApp app;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    world = CorpusWorld.build(CorpusWorld.options().posts(3_000).users(50).seed(11).nowMillis(NOW).clock(() -> NOW));
    service = new FeedService(world, new SimpleMeterRegistry());
    graphql = new FeedGraphQL(service);
    app = FeedApp.start(world, null, new FeedApp.Http("127.0.0.1", 0, 8, 2_000));
  }

  @AfterAll
  static void stop() throws Exception {
    app.close();
  }

  @Test
  void graphqlFeedReturnsARankedPageWithStageTimings() {
    final ExecutionResult r = graphql.execute(PAGE_QUERY, null, Map.of("u", "3", "n", 10));
    assertThat(r.getErrors()).isEmpty();
    final Map<String, Object> feed = feed(r);
    final List<Map<String, Object>> posts = posts(feed);
    assertThat(posts).hasSize(10);
    final Set<Object> ids = new HashSet<>();
    for (Map<String, Object> p : posts) {
      assertThat(ids.add(p.get("id"))).as("no post twice").isTrue();
      assertThat((String) p.get("source")).isIn("interest", "fresh", "trending");
      // the corpus knows every post's author and community: hydration found them
      assertThat(Long.parseLong((String) p.get("author"))).isEqualTo(world.author(Long.parseLong((String) p.get("id"))));
    }
    assertThat(feed.get("degraded")).isEqualTo(false);
    assertThat(feed.get("hasNextPage")).isEqualTo(true);
    @SuppressWarnings("unchecked")
    final List<Map<String, Object>> timings = (List<Map<String, Object>>) feed.get("timings");
    assertThat(timings).extracting(t -> t.get("stage")).contains("interest", "fresh", "trending", "mmr");
  }

  @Test
  void cursorsWalkTheRankedListWithoutRepeatsUntilItEnds() {
    final List<Object> walked = new ArrayList<>();
    String after = null;
    int pages = 0;
    while (true) {
      final Map<String, Object> vars = new java.util.HashMap<>(Map.of("u", "7", "n", 15));
      vars.put("after", after);
      final ExecutionResult r = graphql.execute(PAGE_QUERY, null, vars);
      assertThat(r.getErrors()).isEmpty();
      final Map<String, Object> feed = feed(r);
      posts(feed).forEach(p -> walked.add(p.get("id")));
      pages++;
      if (!(Boolean) feed.get("hasNextPage")) {
        break;
      }
      after = (String) feed.get("endCursor");
    }
    // one ranked page of 50 (the fixed clock keeps the ranking the same between calls): 15+15+15+5
    assertThat(pages).isEqualTo(4);
    assertThat(walked).hasSize(FeedService.RANKED).doesNotHaveDuplicates();
    final ExecutionResult all = graphql.execute(PAGE_QUERY, null, Map.of("u", "7", "n", FeedService.RANKED));
    assertThat(posts(feed(all))).extracting(p -> p.get("id")).containsExactlyElementsOf(walked);
  }

  @Test
  void badArgumentsAreFieldErrorsThatSayWhatIsWrong() {
    assertBadInput(Map.of("u", "50", "n", 10), "unknown user 50: users are 0 to 49");
    assertBadInput(Map.of("u", "abc", "n", 10), "userId must be a number, got 'abc'");
    assertBadInput(Map.of("u", "1", "n", 0), "first must be between 1 and 50, got 0");
    assertBadInput(Map.of("u", "1", "n", 5000), "first must be between 1 and 50, got 5000");
    assertBadInput(Map.of("u", "1", "n", 5, "after", "not-a-cursor!"), "malformed cursor 'not-a-cursor!'");
    assertBadInput(Map.of("u", "1", "n", 5, "after", FeedService.encodeCursor(999)), "malformed cursor");
  }

  private static void assertBadInput(Map<String, Object> vars, String message) {
    final ExecutionResult r = graphql.execute(PAGE_QUERY, null, vars);
    assertThat(r.getErrors()).hasSize(1);
    final GraphQLError e = r.getErrors().get(0);
    assertThat(e.getMessage()).contains(message);
    assertThat(e.getExtensions()).containsEntry("code", "BAD_USER_INPUT");
    assertThat(e.getPath()).isEqualTo(List.of("feed"));
    final Map<String, Object> data = r.getData();
    assertThat(data).containsEntry("feed", null);
  }

  @Test
  void queriesThatDoNotParseOrAreTooDeepAreRejectedBeforeRunning() {
    final ExecutionResult syntax = graphql.execute("{ feed(userId: 1 { degraded } }", null, null);
    assertThat(syntax.isDataPresent()).isFalse();
    assertThat(syntax.getErrors().get(0).getMessage()).contains("Invalid syntax");
    final ExecutionResult unknown = graphql.execute("{ feed(userId: 1) { likes } }", null, null);
    assertThat(unknown.isDataPresent()).isFalse();
    assertThat(unknown.getErrors().get(0).getMessage()).contains("likes");
    // aliases multiply the work of one field: 70 aliased feeds select more than MAX_COMPLEXITY fields
    final StringBuilder wide = new StringBuilder("{");
    for (int i = 0; i < 70; i++) {
      wide.append(" f").append(i).append(": feed(userId: 1) { degraded hasNextPage }");
    }
    final ExecutionResult tooMuch = graphql.execute(wide.append(" }").toString(), null, null);
    assertThat(tooMuch.isDataPresent()).isFalse();
    assertThat(tooMuch.getErrors().get(0).getMessage()).containsIgnoringCase("complexity");
  }

  @Test
  void aDocumentIsParsedOnceAndTheCacheOfThemStaysBounded() {
    final FeedGraphQL api = new FeedGraphQL(service);
    for (int u = 0; u < 3; u++) {
      assertThat(api.execute(PAGE_QUERY, null, Map.of("u", String.valueOf(u), "n", 5)).getErrors())
          .isEmpty();
    }
    assertThat(api.documentsParsed()).as("one document, three variable sets").isEqualTo(1);
    // a document that does not validate keeps its errors: the same answer, not parsed again
    for (int i = 0; i < 2; i++) {
      final ExecutionResult bad = api.execute("{ feed(userId: 1) { likes } }", null, null);
      assertThat(bad.isDataPresent()).isFalse();
      assertThat(bad.getErrors().get(0).getMessage()).contains("likes");
    }
    assertThat(api.documentsParsed()).isEqualTo(2);
    // many distinct documents (a client sending a new one each time) evict the oldest
    for (int i = 0; i < FeedGraphQL.CACHED_DOCUMENTS + 100; i++) {
      assertThat(api.execute("{ unknownField" + i + " }", null, null).isDataPresent()).isFalse();
    }
    assertThat(api.documentsCached()).isEqualTo(FeedGraphQL.CACHED_DOCUMENTS);
    assertThat(api.documentsParsed()).isEqualTo(2 + FeedGraphQL.CACHED_DOCUMENTS + 100);
    assertThat(api.execute(PAGE_QUERY, null, Map.of("u", "4", "n", 5)).getErrors()).isEmpty();
    assertThat(api.documentsParsed()).as("the page query was evicted: parsed again")
        .isEqualTo(3 + FeedGraphQL.CACHED_DOCUMENTS + 100);
  }

  @Test
  void aFailingStageMarksThePageDegradedAndTheFeedStillComes() throws Exception {
    final CandidateSource broken = (ctx, out) -> {
      throw new IllegalStateException("trending store unavailable");
    };
    final CorpusWorld failing = CorpusWorld.build(
        CorpusWorld.options().posts(3_000).users(50).seed(11).nowMillis(NOW).clock(() -> NOW).trending(broken));
    final FeedService.Page page = new FeedService(failing, new SimpleMeterRegistry()).feed(3, 10, null);
    assertThat(page.degraded()).isTrue();
    assertThat(page.posts()).hasSize(10).noneMatch(p -> p.source().equals("trending"));
    assertThat(service.feed(3, 10, null).degraded()).isFalse(); // the same request, all stages up
  }

  @Test
  void overHttpGraphqlAndJsonServeTheSamePageAndClientErrorsAre4xx() throws Exception {
    final JsonNode gql = post("/graphql",
        "{\"query\":\"{ feed(userId: 5, first: 8) { posts { id } } }\"}", 200);
    final JsonNode plain = get("/feed?userId=5&first=8", 200);
    final List<String> a = new ArrayList<>();
    gql.at("/data/feed/posts").forEach(p -> a.add(p.get("id").asText()));
    final List<String> b = new ArrayList<>();
    plain.get("posts").forEach(p -> b.add(p.get("id").asText()));
    assertThat(a).hasSize(8).isEqualTo(b);

    assertThat(post("/graphql", "{not json", 400).at("/errors/0/message").asText()).contains("not JSON");
    assertThat(post("/graphql", "{\"variables\":{}}", 400).at("/errors/0/message").asText())
        .contains("\"query\" string");
    assertThat(post("/graphql", "{\"query\":\"{ feed(userId: 1 }\"}", 400).at("/errors/0/message").asText())
        .contains("Invalid syntax");
    assertThat(get("/feed?userId=77", 400).get("error").asText()).contains("unknown user 77");
    assertThat(get("/feed?userId=1&first=x", 400).get("error").asText()).contains("first must be a number");
    assertThat(get("/feed", 400).get("error").asText()).contains("missing query parameter userId");
  }

  @Test
  void healthReadinessAndMetricsAreServed() throws Exception {
    assertThat(send(HttpRequest.newBuilder(uri("/health")).build()).statusCode()).isEqualTo(200);
    assertThat(send(HttpRequest.newBuilder(uri("/ready")).build()).statusCode()).isEqualTo(200);
    get("/feed?userId=2&first=3", 200);
    final String metrics = send(HttpRequest.newBuilder(uri("/metrics")).build()).body();
    assertThat(metrics).contains("trawl_http_request_seconds_count{api=\"json\"}")
        .contains("trawl_pipeline_stage_seconds_count{stage=\"interest\"}")
        .contains("trawl_index_size 3000.0");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> feed(ExecutionResult r) {
    return (Map<String, Object>) ((Map<String, Object>) r.getData()).get("feed");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> posts(Map<String, Object> feed) {
    return (List<Map<String, Object>>) feed.get("posts");
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(String path, int status) throws Exception {
    final HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private static JsonNode post(String path, String body, int status) throws Exception {
    final HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }
}
