package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.NOW;
import static dev.trawl.examples.service.ServiceTests.await;
import static dev.trawl.examples.service.ServiceTests.createTopic;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.cli.KafkaBroker;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.index.SourcePositions;
import dev.trawl.kafka.ConsumerMetrics;
import dev.trawl.kafka.PostEventPublisher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shutdown on a real broker: requests in flight when the service is told to stop all get their
 * answer, the snapshot written afterwards holds the stream positions, and a service started from it
 * applies every later event once and none of the earlier ones again.
 */
class GracefulShutdownTest {
  private static final String TOPIC = "posts";
  private static final int STREAMED = 30;
  private static final int REMOVED = 5;
  private static final int IN_FLIGHT = 8;
  private static final int LATER = 12;
  private static final int DIM = 64;

  @TempDir Path dir;

  @Test
  void inFlightRequestsAreAnsweredAndARestartResumesFromTheSnapshotPositions() throws Exception {
    final Path file = dir.resolve("state").resolve("feed.idx");
    final Random random = new Random(11);
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker"));
        PostEventPublisher publisher = PostEventPublisher.create(broker.bootstrap(), TOPIC)) {
      createTopic(broker, TOPIC, 2);
      final FeedApp app = FeedApp.builder(CorpusWorld.build(smallWorld()),
              new FeedApp.Http("127.0.0.1", 0, 16, 60_000))
          .stream(new FeedApp.Stream(broker.bootstrap(), TOPIC, "shutdown-test"), SourcePositions.NONE)
          .snapshotOnClose(file)
          .start();
      final CompletableFuture<Void> closing;
      try {
        for (int i = 0; i < STREAMED; i++) {
          publisher.upsert(2_000 + i, 1, NOW - 1_000 * i, new ItemAttributes().author(900 + i).community(i % 7),
              vector(random)).get(60, TimeUnit.SECONDS);
        }
        for (int i = 0; i < REMOVED; i++) {
          publisher.remove(2_000 + i, 2).get(60, TimeUnit.SECONDS);
        }
        await(() -> app.stream().metrics().applied() == STREAMED + REMOVED, "every event is applied");

        // requests whose body is half sent: the server is handling them, waiting for the rest
        final int port = app.port();
        final List<Socket> clients = new ArrayList<>();
        final byte[] body = ("{\"query\":\"{ feed(userId: 3, first: 5) { degraded posts { id } } }\"}")
            .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < IN_FLIGHT; i++) {
          final Socket s = new Socket("127.0.0.1", port);
          final OutputStream out = s.getOutputStream();
          out.write(("POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(body, 0, 10);
          out.flush();
          clients.add(s);
        }
        await(() -> app.server().inFlight() == IN_FLIGHT, "the server handles every request");

        closing = CompletableFuture.runAsync(() -> {
          try {
            app.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        await(() -> refusesConnections(port), "the server stops accepting");
        assertThat(closing).isNotDone();
        assertThat(file).doesNotExist();

        int answered = 0;
        for (Socket s : clients) {
          s.getOutputStream().write(body, 10, body.length - 10);
          s.getOutputStream().flush();
          final String response = readAll(s.getInputStream());
          if (response.startsWith("HTTP/1.1 200") && response.contains("\"posts\":[{\"id\":\"")) {
            answered++;
          }
          s.close();
        }
        assertThat(answered).as("in-flight requests answered during the drain").isEqualTo(IN_FLIGHT);
        closing.get(60, TimeUnit.SECONDS);
      } finally {
        app.close();
      }
      assertThat(app.server().inFlight()).isZero();

      // the snapshot: every streamed post but the removed ones, and the next offset of each partition
      final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(file);
      assertThat(loaded.index().size()).isEqualTo(2_000 + STREAMED - REMOVED);
      assertThat(offsetSum(loaded.positions())).isEqualTo(STREAMED + REMOVED);

      // restart from it; the earlier events are not applied again, the later ones are
      final Map<Long, Long> times =
          StreamedPostTimes.read(StreamedPostTimes.fileFor(file), loaded.positions());
      assertThat(times).as("the creation time of every streamed post left").hasSize(STREAMED - REMOVED);
      final CorpusWorld world =
          CorpusWorld.build(smallWorld().index(loaded.index()).streamedCreatedAt(times));
      try (FeedApp again = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 1_000))
          .stream(new FeedApp.Stream(broker.bootstrap(), TOPIC, "shutdown-test"), loaded.positions())
          .start()) {
        await(again::ready, "the restarted service catches up");
        for (int i = 0; i < LATER; i++) {
          publisher.upsert(3_000 + i, 1, NOW, new ItemAttributes().author(950).community(2),
              vector(random)).get(60, TimeUnit.SECONDS);
        }
        await(() -> again.stream().metrics().applied() == LATER, "the later events are applied");
        final ConsumerMetrics m = again.stream().metrics();
        assertThat(m.stale()).as("events applied again").isZero();
        assertThat(m.absent()).isZero();
        assertThat(world.index().size()).isEqualTo(2_000 + STREAMED - REMOVED + LATER);
        for (int i = 0; i < STREAMED; i++) {
          assertThat(world.index().contains(2_000 + i)).isEqualTo(i >= REMOVED);
        }
        // a post streamed before the snapshot keeps its author and community
        assertThat(world.author(2_010)).isEqualTo(910);
        assertThat(world.community(2_010)).isEqualTo(10 % 7);
        // and its creation time, from the times file beside the snapshot
        assertThat(world.createdAt(2_010)).isEqualTo(NOW - 10_000);
      }
    }
  }

  private static float[] vector(Random random) {
    final float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = (float) random.nextGaussian();
    }
    return v;
  }

  private static long offsetSum(SourcePositions p) {
    long sum = 0;
    for (int i = 0; i < p.size(); i++) {
      sum += p.offset(i);
    }
    return sum;
  }

  private static boolean refusesConnections(int port) {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String readAll(InputStream in) throws IOException {
    final StringBuilder text = new StringBuilder();
    final byte[] buf = new byte[8192];
    // the response is complete when the server closes the connection, which a stopping server does
    for (int n; (n = in.read(buf)) > 0; ) {
      text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      if (complete(text)) {
        break;
      }
    }
    return text.toString();
  }

  /** Headers and as many body bytes as Content-Length says. */
  private static boolean complete(StringBuilder text) {
    final int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    final String headers = text.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    final int at = headers.indexOf("content-length:");
    if (at < 0) {
      return false;
    }
    final int eol = headers.indexOf("\r\n", at);
    final int length = Integer.parseInt(headers.substring(at + 15, eol < 0 ? headers.length() : eol).trim());
    return text.substring(end + 4).getBytes(StandardCharsets.UTF_8).length >= length;
  }
}
