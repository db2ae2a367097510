package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.NOW;
import static dev.trawl.examples.service.ServiceTests.await;
import static dev.trawl.examples.service.ServiceTests.createTopic;
import static dev.trawl.examples.service.ServiceTests.ids;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.cli.FeedCorpus;
import dev.trawl.cli.KafkaBroker;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.kafka.PostEventPublisher;
import dev.trawl.index.SourcePositions;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live ingestion on a real broker (integrations/kafka/bin/local-kafka): a post produced to the topic
 * shows up in the feed of the user it suits, with the author and community from the event, and
 * leaves the feed when a remove event follows; with {@code ingestYield}, a post waits while an HTTP
 * request is in flight and is applied once it ends.
 */
class KafkaIngestTest {
  private static final String TOPIC = "posts";

  @TempDir Path dir;

  @Test
  void aProducedPostAppearsInTheFeedAndARemoveTakesItOut() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
      createTopic(broker, TOPIC, 2);
      final CorpusWorld world = CorpusWorld.build(smallWorld());
      try (FeedApp app = FeedApp.start(world, new FeedApp.Stream(broker.bootstrap(), TOPIC, "feed-test"),
              new FeedApp.Http("127.0.0.1", 0, 8, 1_000));
          PostEventPublisher publisher = PostEventPublisher.create(broker.bootstrap(), TOPIC)) {
        await(() -> app.ready(), "the service is ready once the stream has caught up");
        final FeedService service = app.service();
        final FeedCorpus.User user = world.user(3);
        final long post = 2_000; // the first id after the corpus
        assertThat(ids(service.feed(3, FeedService.MAX_FIRST, null))).doesNotContain(post);

        // a fresh post right on the user's interests, in their favourite community
        final long author = user.blockedAuthor() + 1;
        publisher.upsert(post, 1, NOW - 60_000,
            new ItemAttributes().author(author).community(user.primary()), user.interest()).get();
        await(() -> ids(service.feed(3, FeedService.MAX_FIRST, null)).contains(post),
            "the produced post reaches the feed");
        final FeedService.Post shown = service.feed(3, FeedService.MAX_FIRST, null).posts().stream()
            .filter(p -> p.id() == post).findFirst().orElseThrow();
        assertThat(shown.author()).isEqualTo(author);
        assertThat(shown.community()).isEqualTo(user.primary());
        assertThat(shown.createdAt()).isEqualTo(NOW - 60_000);
        assertThat(world.streamedApplied()).isEqualTo(1);
        // and over the API clients use
        final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.port() + "/feed?userId=3&first=50")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).contains("\"id\":" + post + ",");

        publisher.remove(post, 2).get();
        await(() -> !ids(service.feed(3, FeedService.MAX_FIRST, null)).contains(post),
            "the removed post leaves the feed");
        assertThat(world.index().contains(post)).isFalse();
      }
    }
  }

  @Test
  void withTheBrokerStoppedTheServiceKeepsAnsweringAndPostsProducedAfterItsRestartArrive()
      throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
      createTopic(broker, TOPIC, 1);
      final CorpusWorld world = CorpusWorld.build(smallWorld());
      try (FeedApp app = FeedApp.start(world, new FeedApp.Stream(broker.bootstrap(), TOPIC, "fault-test"),
          new FeedApp.Http("127.0.0.1", 0, 8, 1_000))) {
        await(() -> app.ready(), "the service is ready once the stream has caught up");
        final List<Long> before = ids(app.service().feed(5, 20, null));

        broker.stop();
        final HttpClient http = HttpClient.newHttpClient();
        final URI feed = URI.create("http://127.0.0.1:" + app.port() + "/feed?userId=5&first=20");
        final URI ready = URI.create("http://127.0.0.1:" + app.port() + "/ready");
        for (int i = 0; i < 200; i++) {
          final HttpResponse<String> r =
              http.send(HttpRequest.newBuilder(feed).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.body()).contains("\"degraded\":false");
        }
        // serving does not depend on the broker: the same feed, and still ready
        assertThat(ids(app.service().feed(5, 20, null))).isEqualTo(before);
        assertThat(http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(200);

        broker.restart();
        final FeedCorpus.User user = world.user(5);
        try (PostEventPublisher publisher = PostEventPublisher.create(broker.bootstrap(), TOPIC)) {
          publisher.upsert(2_000, 1, NOW - 1_000,
              new ItemAttributes().author(user.blockedAuthor() + 1).community(user.primary()),
              user.interest()).get(60, TimeUnit.SECONDS);
        }
        await(() -> ids(app.service().feed(5, FeedService.MAX_FIRST, null)).contains(2_000L),
            "a post produced after the restart reaches the feed");
        assertThat(app.stream().state()).isEqualTo(dev.trawl.kafka.PostStreamConsumer.State.RUNNING);
      }
    }
  }

  @Test
  void withIngestYieldAPostWaitsWhileARequestIsInFlightAndArrivesOnceItEnds() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"))) {
      createTopic(broker, TOPIC, 1);
      final CorpusWorld world = CorpusWorld.build(smallWorld());
      try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 1_000))
              .stream(new FeedApp.Stream(broker.bootstrap(), TOPIC, "yield-test"), SourcePositions.NONE)
              .ingestYield(Duration.ofSeconds(10))
              .start();
          PostEventPublisher publisher = PostEventPublisher.create(broker.bootstrap(), TOPIC);
          Socket slow = new Socket("127.0.0.1", app.port())) {
        await(() -> app.ready(), "the service is ready once the stream has caught up");
        final FeedCorpus.User user = world.user(3);
        // a request in flight: its headers are read, its body is still on the way
        final String body = "{\"query\":\"{ feed(userId: 3, first: 5) { posts { id } } }\"}";
        final OutputStream out = slow.getOutputStream();
        out.write(("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10))
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        await(() -> app.server().inFlight() == 1, "the slow request is in flight");

        publisher.upsert(2_000, 1, NOW - 1_000,
            new ItemAttributes().author(user.blockedAuthor() + 1).community(user.primary()),
            user.interest()).get(60, TimeUnit.SECONDS);
        // far longer than the stream takes to poll and apply one event here, far shorter than the bound
        Thread.sleep(3_000);
        assertThat(world.index().contains(2_000)).as("applied while a request was in flight").isFalse();

        out.write(body.substring(10).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final String answer = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(answer).isEqualTo("HTTP/1.1 200");
        await(() -> world.index().contains(2_000), "the held post is applied once no request is in flight");
        assertThat(app.stream().metrics().heldEvents()).isEqualTo(1);
        assertThat(app.stream().metrics().expiredHolds()).isZero();
      }
    }
  }
}
