package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.await;
import static dev.trawl.examples.service.ServiceTests.patient;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.cli.FeedCorpus;
import dev.trawl.cli.RedisDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The service with Redis-backed user state and post features, on a real redis-server (Debian's
 * package, started on a free port): feeds respect the seen posts and blocks stored in Redis; with
 * Redis stopped every request is still answered, marked degraded; with Redis back, full answers.
 */
class RedisHydrationTest {
  private static final int USERS = 10;
  private static final int REQUESTS = 100;

  @Test
  void feedsComeFromRedisDegradeWhileItIsStoppedAndRecoverWhenItIsBack() throws Exception {
    // a budget a starved core cannot miss: with Redis up no request may degrade
    final RedisDemo store = RedisDemo.open("local", 2_000);
    final CorpusWorld world;
    try {
      world = CorpusWorld.build(smallWorld().stages(patient(store::addStages), true));
      final FeedCorpus.User[] people = new FeedCorpus.User[USERS];
      for (int u = 0; u < USERS; u++) {
        people[u] = world.user(u);
      }
      store.load(world.corpus(), people, new PrintWriter(new StringWriter()));
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 10_000))
        .redis(store).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      final long reads = store.userState().stateReads();
      final long degradedReads = store.userState().degradedReads();
      // Redis up: full answers; the seen posts and blocks the service no longer adds are respected
      assertThat(answers(http, app, world, false)).isEqualTo(REQUESTS);
      assertThat(store.userState().stateReads() - reads).isEqualTo(REQUESTS);
      assertThat(store.userState().degradedReads()).isEqualTo(degradedReads);
      assertThat(store.featureStats().storeCalls()).isPositive();
      final double ratio = metric(http, app, "trawl_redis_near_cache_hit_ratio");
      assertThat(ratio).isEqualTo(store.featureStats().hitRatio()).isGreaterThan(0.5);

      store.local().stop();
      assertThat(answers(http, app, world, true)).as("answered, degraded, without Redis")
          .isEqualTo(REQUESTS);
      assertThat(store.userState().degradedReads() - degradedReads).isEqualTo(REQUESTS);

      store.local().restart();
      await(() -> !app.service().feed(0, 10, null).degraded(), "Redis is used again");
      assertThat(answers(http, app, world, false)).isEqualTo(REQUESTS);
    }
  }

  /**
   * Sends {@link #REQUESTS} JSON feed requests over the users and counts the 200 answers with the
   * expected degraded flag whose posts exclude the user's seen posts and blocked author (when not
   * degraded: a degraded page was built without them).
   */
  private static int answers(HttpClient http, FeedApp app, CorpusWorld world, boolean degraded)
      throws Exception {
    int ok = 0;
    for (int i = 0; i < REQUESTS; i++) {
      final int user = i % USERS;
      final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + app.port() + "/feed?userId=" + user + "&first=50")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200 || !r.body().contains("\"degraded\":" + degraded)) {
        continue;
      }
      final FeedCorpus.User u = world.user(user);
      boolean respects = !r.body().contains("\"author\":" + u.blockedAuthor() + ",");
      for (long seen : u.seen()) {
        respects &= !r.body().contains("\"id\":" + seen + ",");
      }
      if (degraded || respects) {
        ok++;
      }
    }
    return ok;
  }

  private static double metric(HttpClient http, FeedApp app, String name) throws Exception {
    final String text = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.port() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    final Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    assertThat(m.find()).as(name + " in\n" + text).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
