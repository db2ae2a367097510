package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.pipeline.testkit.RedisServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The request path against a real Redis that is stopped, restarted, paused and put to sleep: every
 * request answers within its deadline, degraded while Redis is unavailable, complete again once it
 * is back; the breaker opens when Redis stalls.
 */
class RedisFaultsTest {
  /**
   * How far past its deadline a request may finish, beyond the machine's own scheduling delay (the
   * latest wake-up a {@link WakeupProbe} saw during the same run).
   */
  static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int POSTS = 50_000;

  /**
   * Deadlines generous enough that a healthy Redis answers well within them even on a loaded
   * machine: the assertions are about what happens when it does not.
   */
  private static RedisFeed.Options options(long requestTimeoutMillis, long stageTimeoutMillis) {
    final RedisFeed.Options o = new RedisFeed.Options();
    o.cacheBytes = 0; // every request goes to Redis
    o.requestTimeoutMillis = requestTimeoutMillis;
    o.stageTimeoutMillis = stageTimeoutMillis;
    o.commandTimeoutMillis = 250;
    o.failureThreshold = 5;
    o.openMillis = 200;
    return o;
  }

  @Test
  void stoppedRedisDegradesEveryRequestWithinItsDeadlineAndARestartedOneServesFullAnswersWithinASecond()
      throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisFeed feed = new RedisFeed(server, options(250, 200))) {
      feed.load(0, POSTS);
      warmUp(feed);
      final WakeupProbe probe = new WakeupProbe();
      final LoadRun load = new LoadRun(feed, 2, 50, 0, POSTS);
      LoadRun.sleepMillis(300);
      final long stopping = System.nanoTime();
      server.stop();
      final long stopped = System.nanoTime();
      LoadRun.sleepMillis(1000);
      final long restarting = System.nanoTime();
      server.restart();
      final long restarted = System.nanoTime();
      LoadRun.sleepMillis(1500);
      final List<LoadRun.Outcome> all = load.stop();
      probe.close();

      assertWithinDeadline(all, probe, feed);
      int before = 0;
      int during = 0;
      int after = 0;
      long firstFullAfterRestart = Long.MAX_VALUE;
      for (LoadRun.Outcome o : all) {
        final long end = o.startNanos() + o.elapsedNanos();
        if (end < stopping) {
          before++;
          assertThat(o.degraded()).as("a request before the stop").isFalse();
          assertThat(o.fullRows()).isEqualTo(o.rows());
        } else if (o.startNanos() > stopped && end < restarting) {
          during++;
          assertThat(o.degraded()).as("a request while Redis is down").isTrue();
          assertThat(o.defaultRows()).isEqualTo(o.rows());
        } else if (o.startNanos() >= restarted) {
          if (!o.degraded() && o.fullRows() == o.rows() && firstFullAfterRestart == Long.MAX_VALUE) {
            firstFullAfterRestart = o.startNanos();
          }
          if (o.startNanos() >= restarted + TimeUnit.SECONDS.toNanos(1)) {
            after++;
            assertThat(o.degraded()).as("a request more than 1 s after the restart").isFalse();
            assertThat(o.fullRows()).isEqualTo(o.rows());
          }
        }
      }
      assertThat(before).isPositive();
      assertThat(during).isPositive();
      assertThat(after).isPositive();
      System.out.printf("stop/restart: %d requests before, %d while down, %d after 1 s; first full "
          + "answer %.0f ms after the restart; breaker opened %d times%n", before, during, after,
          (firstFullAfterRestart - restarted) / 1e6, feed.breaker.openedCount());
      assertThat(feed.breaker.openedCount()).isPositive();
    }
  }

  @Test
  void aRedisPausedForTwoSecondsOpensTheBreakerAndNoRequestOverrunsItsDeadline() throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisFeed feed = new RedisFeed(server, options(100, 1_000))) { // the request deadline binds
      feed.load(0, POSTS);
      warmUp(feed);
      final WakeupProbe probe = new WakeupProbe();
      final LoadRun load = new LoadRun(feed, 2, 50, 0, POSTS);
      LoadRun.sleepMillis(300);
      final long pausing = System.nanoTime();
      server.command("CLIENT", "PAUSE", "2000", "ALL");
      LoadRun.sleepMillis(3000);
      final List<LoadRun.Outcome> all = load.stop();
      probe.close();
      assertStallBehaviour(all, probe, pausing, feed, "CLIENT PAUSE 2000 ALL");
    }
  }

  @Test
  void aRedisAsleepForTwoSecondsOpensTheBreakerAndNoRequestOverrunsItsDeadline() throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisFeed feed = new RedisFeed(server, options(100, 1_000))) {
      feed.load(0, POSTS);
      warmUp(feed);
      final WakeupProbe probe = new WakeupProbe();
      final LoadRun load = new LoadRun(feed, 2, 50, 0, POSTS);
      LoadRun.sleepMillis(300);
      final long sleeping = System.nanoTime();
      final Thread sleeper = new Thread(() -> server.command("DEBUG", "SLEEP", "2"));
      sleeper.start();
      LoadRun.sleepMillis(3000);
      sleeper.join();
      final List<LoadRun.Outcome> all = load.stop();
      probe.close();
      assertStallBehaviour(all, probe, sleeping, feed, "DEBUG SLEEP 2");
    }
  }

  private static void assertStallBehaviour(List<LoadRun.Outcome> all, WakeupProbe probe,
      long stallStart, RedisFeed feed, String what) {
    assertWithinDeadline(all, probe, feed);
    int stalled = 0;
    int recovered = 0;
    for (LoadRun.Outcome o : all) {
      final long since = o.startNanos() - stallStart;
      if (since > TimeUnit.MILLISECONDS.toNanos(100) && since < TimeUnit.MILLISECONDS.toNanos(1800)) {
        stalled++;
        assertThat(o.degraded()).as("a request while Redis is stalled").isTrue();
      } else if (since > TimeUnit.MILLISECONDS.toNanos(2600)) {
        recovered++;
        assertThat(o.degraded()).as("a request after the stall").isFalse();
        assertThat(o.fullRows()).isEqualTo(o.rows());
      }
    }
    assertThat(stalled).isPositive();
    assertThat(recovered).isPositive();
    assertThat(feed.breaker.openedCount()).as("times the breaker opened").isPositive();
    assertThat(feed.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    System.out.printf("%s: %d requests during the stall, %d after; breaker opened %d times, "
        + "refused %d calls%n", what, stalled, recovered, feed.breaker.openedCount(),
        feed.breaker.refusedCalls());
  }

  /** Runs requests until the JIT has compiled the path (class loading is not the fetch's time). */
  private static void warmUp(RedisFeed feed) {
    final dev.trawl.pipeline.RequestContext ctx = feed.pipeline.newContext();
    final dev.trawl.pipeline.PipelineResult page = new dev.trawl.pipeline.PipelineResult();
    final RedisFeed.Request r = new RedisFeed.Request(50);
    for (int i = 0; i < 2_000; i++) {
      feed.run(ctx, page, r.range((i * 50L) % (POSTS - 50), 50));
    }
  }

  private static void assertWithinDeadline(List<LoadRun.Outcome> all, WakeupProbe probe,
      RedisFeed feed) {
    final long deadline = TimeUnit.MILLISECONDS.toNanos(feed.requestTimeoutMillis);
    long worst = Long.MIN_VALUE;
    for (LoadRun.Outcome o : all) {
      worst = Math.max(worst, o.elapsedNanos() - deadline);
    }
    final long allowed = deadline + probe.worstNanos() + SLACK_NANOS;
    System.out.printf("%d requests, worst finish %.3f ms %s the %d ms deadline; scheduler's worst "
        + "wake-up delay %.3f ms over %d probes%n", all.size(), Math.abs(worst) / 1e6,
        worst > 0 ? "after" : "before", feed.requestTimeoutMillis, probe.worstNanos() / 1e6,
        probe.samples());
    for (LoadRun.Outcome o : all) {
      assertThat(o.elapsedNanos()).as("request time, ns (deadline + scheduler delay + 1 ms)")
          .isLessThanOrEqualTo(allowed);
    }
  }
}
