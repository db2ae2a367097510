package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.testkit.RedisServer;
import io.lettuce.core.RedisFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * User state read from a real Redis that is stopped, paused and put to sleep: every request answers
 * with empty state and the degraded mark instead of hanging or failing, and the state is back once
 * Redis is.
 */
class UserStateFaultsTest {
  private static final long USER = 42;
  private static final int SEEN = 40;
  private static final long REQUEST_TIMEOUT_MS = 100;
  /** Far above the request deadline: a request this slow waited for the stalled server. */
  private static final long HUNG_MS = 1_000;

  /** One server, one store and the user-state pipeline over them. */
  private static final class Fixture implements AutoCloseable {
    final RedisServer server = RedisServer.start();
    final CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(3)
        .openFor(200, TimeUnit.MILLISECONDS).build();
    final RedisStore store = RedisStore.builder(server.host(), server.port())
        .commandTimeout(Duration.ofMillis(250)).reconnectDelay(Duration.ofMillis(50))
        .breaker(breaker).connect();
    final UserStateHydrator users = UserStateHydrator.builder(store)
        .timeout(30, TimeUnit.MILLISECONDS).build(); // leaves the sources the rest of the deadline
    final Pipeline pipeline = Pipeline.builder("user-state").sourcesOnCallerThread()
        .timeout(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .queryHydrator("user-state", users)
        .source("ids", (ctx, sink) -> sink.add(1, 1f))
        .build();
    final RequestContext ctx = pipeline.newContext();
    final PipelineResult page = new PipelineResult();

    Fixture() {
      final UserStateWriter state = UserStateWriter.of(store, UserStateLayout.defaults());
      final List<RedisFuture<?>> sent = new ArrayList<>();
      final long[] ids = new long[SEEN];
      for (int i = 0; i < SEEN; i++) {
        ids[i] = 1_000 + i;
      }
      state.appendSeen(USER, 5_000, ids, 0, SEEN, sent);
      state.block(USER, 3, sent);
      assertThat(state.await(sent, Duration.ofSeconds(5))).isTrue();
    }

    /** Runs one request; returns its wall time in ms. */
    long request() {
      final long start = System.nanoTime();
      pipeline.execute(ctx.reset().userId(USER), page);
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    void assertFullState() {
      assertThat(page.degraded()).isFalse();
      assertThat(ctx.seenIds().size()).isEqualTo(SEEN);
      assertThat(ctx.blockedAuthors().contains(3)).isTrue();
    }

    void assertDegradedAndAnswered(long tookMs, String what) {
      assertThat(tookMs).as(what + ": request time, ms (deadline " + REQUEST_TIMEOUT_MS + ")")
          .isLessThan(HUNG_MS);
      assertThat(page.size()).as(what + ": the page is still served").isEqualTo(1);
      assertThat(page.degraded()).as(what + ": degraded").isTrue();
      assertThat(page.degradedMarks()).isEqualTo(1);
      assertThat(ctx.seenIds().size()).as(what + ": no partial state").isZero();
      assertThat(ctx.blockedAuthors().size()).isZero();
    }

    /** Requests until one is served in full, at most {@code ms}; returns whether one was. */
    boolean recoversWithin(long ms) throws InterruptedException {
      final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
      while (System.nanoTime() - until < 0) {
        request();
        if (!page.degraded()) {
          return true;
        }
        LoadRun.sleepMillis(20);
      }
      return false;
    }

    @Override
    public void close() {
      store.close();
      server.close();
    }
  }

  @Test
  void aStoppedRedisDegradesEveryRequestAndTheStateReturnsWithTheServer() throws Exception {
    try (Fixture f = new Fixture()) {
      f.request();
      f.assertFullState();
      f.server.stop();
      for (int i = 0; i < 20; i++) {
        f.assertDegradedAndAnswered(f.request(), "Redis stopped, request " + i);
      }
      assertThat(f.users.degradedReads()).isEqualTo(20);
      assertThat(f.users.refusedReads()).as("requests the open breaker spared a doomed read")
          .isPositive();
      f.server.restart();
      assertThat(f.recoversWithin(5_000)).as("full state after the restart").isTrue();
      f.assertFullState();
    }
  }

  @Test
  void aPausedRedisDegradesRequestsAtTheirDeadlineInsteadOfHangingThem() throws Exception {
    try (Fixture f = new Fixture()) {
      f.request();
      f.assertFullState();
      f.server.command("CLIENT", "PAUSE", "2000", "ALL");
      for (int i = 0; i < 5; i++) {
        f.assertDegradedAndAnswered(f.request(), "CLIENT PAUSE, request " + i);
      }
      assertThat(f.recoversWithin(5_000)).as("full state after the pause").isTrue();
      f.assertFullState();
    }
  }

  @Test
  void aSleepingRedisDegradesRequestsAtTheirDeadlineInsteadOfHangingThem() throws Exception {
    try (Fixture f = new Fixture()) {
      f.request();
      f.assertFullState();
      final Thread sleeper = new Thread(() -> f.server.command("DEBUG", "SLEEP", "2"));
      sleeper.start();
      LoadRun.sleepMillis(100); // the server is asleep once it has read the command
      for (int i = 0; i < 5; i++) {
        f.assertDegradedAndAnswered(f.request(), "DEBUG SLEEP, request " + i);
      }
      sleeper.join();
      assertThat(f.recoversWithin(5_000)).as("full state after the sleep").isTrue();
      f.assertFullState();
    }
  }
}
