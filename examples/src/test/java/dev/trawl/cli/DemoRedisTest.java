package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code trawl demo --redis local} on a real redis-server (Debian's package; the demo starts it on a
 * free port and stops it): the users' seen posts and blocks are served from Redis, not from the host,
 * and still respected; post features come through the near cache.
 */
class DemoRedisTest {
  private static final int USERS = 40;
  private static final int WARMUP = 60;
  private static final int SHOWN = 3;
  private static final int REQUESTS = 100;

  @Test
  void aFeedServedFromRedisRespectsTheSeenPostsAndBlocksStoredThere() {
    final Cli.Run run = Cli.run(
        "demo", "--posts", "3000", "--users", Integer.toString(USERS), "--requests",
        Integer.toString(REQUESTS), "--warmup", Integer.toString(WARMUP), "--dimension", "16",
        "--communities", "10", "--show", Integer.toString(SHOWN), "--rows", "20",
        "--min-time-ms", "20", "--redis", "local",
        // what is tested is what Redis serves, not latency: a deadline no busy machine misses
        "--redis-timeout-ms", "5000");
    assertThat(run.exit()).as(run.err() + run.out()).isZero();
    assertThat(run.out()).contains("loaded features of 3,000 posts and state of 40 users",
        "latency p50", "user-state", "fetched");

    // every request read the user's state from Redis, and none was degraded
    final Matcher stats = Pattern.compile(
        "near-cache hit ratio ([0-9.]+) \\(([0-9,]+) lookups.*?([0-9,]+) requests degraded; user state"
            + " ([0-9,]+) reads, ([0-9,]+) degraded, ([0-9,]+) malformed").matcher(run.out());
    assertThat(stats.find()).as(run.out()).isTrue();
    assertThat(number(stats.group(4))).isEqualTo(WARMUP + SHOWN + REQUESTS);
    assertThat(number(stats.group(5))).as("user-state reads degraded").isZero();
    assertThat(number(stats.group(6))).isZero();
    assertThat(number(stats.group(3))).as("feature fetches degraded").isZero();
    assertThat(number(stats.group(2))).isPositive();
    // 3,000 posts and 163 requests of hundreds of candidates: most lookups are repeats
    assertThat(Double.parseDouble(stats.group(1))).isGreaterThan(0.5);

    final FeedCorpus corpus = new FeedCorpus(3000, 16, 10, DemoCommand.NOW_MILLIS, 7);
    final List<String> feeds = CommandsTest.feedLines(run.out());
    assertThat(feeds).hasSizeGreaterThan(SHOWN * 5);
    CommandsTest.assertFeedsRespect(corpus, feeds);
  }

  private static long number(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }
}
