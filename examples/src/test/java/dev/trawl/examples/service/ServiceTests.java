package dev.trawl.examples.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trawl.cli.KafkaBroker;
import dev.trawl.examples.feed.HomeFeedVariant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** What the service's tests share: a small fixed-time world, topics, feed ids, polling. */
final class ServiceTests {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fixed "now" of the test worlds, epoch milliseconds. */
  static final long NOW = 1_767_225_600_000L;

  private ServiceTests() {}

  /**
   * Options of 2,000 posts (ids 0..1999; streamed posts start at 2000), users 0..9, fixed time, and
   * the {@link #patient} feed.
   */
  static CorpusWorld.Options smallWorld() {
    return CorpusWorld.options().posts(2_000).users(10).seed(3).nowMillis(NOW).clock(() -> NOW)
        .stages(patient(UnaryOperator.identity()), false);
  }

  /**
   * {@code stages} with a 5 s deadline and no per-source timeouts: on a machine whose cores are
   * shared, a starved source would otherwise time out and degrade a page a test expects complete.
   */
  static UnaryOperator<HomeFeedVariant> patient(UnaryOperator<HomeFeedVariant> stages) {
    return v -> stages.apply(v).timeoutMillis(5_000).sourceTimeoutMillis(0);
  }

  static void createTopic(KafkaBroker broker, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
  }

  static List<Long> ids(FeedService.Page page) {
    return page.posts().stream().map(FeedService.Post::id).toList();
  }

  /** Polls {@code condition} for up to 60 s (a deadline for progress, not a timing assertion). */
  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  /** The post ids of a JSON page ({@code GET /feed}). */
  static List<Long> pageIds(String page) throws Exception {
    final List<Long> ids = new ArrayList<>();
    for (JsonNode post : JSON.readTree(page).get("posts")) {
      ids.add(post.get("id").asLong());
    }
    return ids;
  }

  static HttpResponse<String> get(HttpClient http, FeedApp app, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient http, FeedApp app, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The first page (10 posts) of users {@code 0..users-1}, each asserted complete (not degraded). */
  static List<List<Long>> completePages(HttpClient http, FeedApp app, int users) throws Exception {
    final List<List<Long>> pages = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      final HttpResponse<String> r = get(http, app, "/feed?userId=" + u + "&first=10");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"degraded\":false");
      pages.add(pageIds(r.body()));
    }
    return pages;
  }
}
