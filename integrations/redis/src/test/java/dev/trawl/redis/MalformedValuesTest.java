package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.FeatureFetch;
import dev.trawl.fetch.FetchHydrator;
import dev.trawl.fetch.FetchStats;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Values Redis holds but the reader cannot use become defaults and a counter, never an exception. */
class MalformedValuesTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] packed(float... v) {
    return PackedFloats.encode(v, 0, v.length);
  }

  private static float[] eight(float x) {
    final float[] v = new float[8];
    java.util.Arrays.fill(v, x);
    return v;
  }

  @Test
  void malformedPackedRecordsAreServedAsDefaultsCountedAndNotReadAgain() {
    try (RedisServer server = RedisServer.start(); RedisFeed feed = new RedisFeed(server, new RedisFeed.Options())) {
      feed.load(6, 1);
      server.command(b("SET"), b("pf:1"), new byte[31]);
      final float[] nan = eight(1f);
      nan[3] = Float.NaN;
      server.command(b("SET"), b("pf:2"), packed(nan));
      server.command(b("SET"), b("pf:3"), packed(eight(Float.POSITIVE_INFINITY)));
      server.command(b("SET"), b("pf:4"), new byte[0]);
      server.command("HSET", "pf:5", "likes", "3");
      server.command("CONFIG", "RESETSTAT");
      final RequestContext ctx = feed.pipeline.newContext();
      final PipelineResult page = new PipelineResult();
      final RedisFeed.Request r = new RedisFeed.Request(8).range(1, 6);
      for (int round = 0; round < 2; round++) {
        assertThat(feed.run(ctx, page, r)).as("bad data does not degrade the request").isFalse();
        assertThat(r.rows).isEqualTo(6);
        assertThat(r.defaultRows()).isEqualTo(5);
        assertThat(r.fullRows()).isEqualTo(1);
      }
      final FetchStats s = feed.fetch.stats();
      assertThat(s.malformed()).as("wrong length, NaN, infinity, empty").isEqualTo(4);
      assertThat(s.absent()).as("a hash where a string is expected reads as nil in MGET").isEqualTo(1);
      assertThat(s.negativeHits()).as("the second request: bad keys served from the near cache").isEqualTo(5);
      assertThat(server.commandCalls("mget")).isEqualTo(1);
    }
  }

  @Test
  void malformedHashRecordsAreServedAsDefaultsAndCounted() {
    final Feature[] features = RedisFeed.FEATURES;
    final String[] fields = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"};
    try (RedisServer server = RedisServer.start(); RedisFeed base = new RedisFeed(server, new RedisFeed.Options())) {
      final RedisFeatureWriter writer = RedisFeatureWriter.hash(base.store, "ph:", fields);
      writer.write(new long[] {4}, new float[] {40, 41, 42, 43, 44, 45, 46, 47}, 1, 8);
      server.command("HSET", "ph:1", "f0", "1"); // seven fields missing
      server.command("HSET", "ph:2", "f0", "x", "f1", "1", "f2", "1", "f3", "1", "f4", "1", "f5", "1",
          "f6", "1", "f7", "1");
      server.command("SET", "ph:3", "not a hash");
      final RedisFeatureFetcher fetcher = RedisFeatureFetcher.builder(base.store)
          .layout(FeatureLayout.HASH).keyPrefix("ph:").fields(fields).build();
      final FeatureFetch fetch = FeatureFetch.builder("hash-features", fetcher).features(features)
          .build();
      final Pipeline p = Pipeline.builder("hash").sourcesOnCallerThread()
          .source("ids", (ctx, sink) -> {
            for (long id = 1; id <= 5; id++) {
              sink.add(id, 1f);
            }
          })
          .hydrator("features", FetchHydrator.builder().fetch(fetch).timeout(1, TimeUnit.SECONDS)
              .build())
          .scorer("f0", (ctx, batch) -> {
            for (int row = 0; row < batch.size(); row++) {
              batch.setScore(row, batch.feature(features[0], row));
            }
          }, StageOptions.defaults().reads(features[0]))
          .pageSize(10).build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      p.execute(ctx, page);
      assertThat(page.degraded()).as("malformed values are data, not an outage").isFalse();
      assertThat(page.size()).isEqualTo(5);
      for (int i = 0; i < page.size(); i++) {
        assertThat(page.score(i)).as("post " + page.id(i))
            .isEqualTo(page.id(i) == 4 ? 40f : features[0].defaultValue());
      }
      final FetchStats s = fetch.stats();
      assertThat(s.malformed()).as("missing fields, unparsable field, wrong type").isEqualTo(3);
      assertThat(s.absent()).isEqualTo(1);
      assertThat(s.found()).isEqualTo(1);
      assertThat(s.failedKeys()).isZero();
    }
  }

  @Test
  void malformedUserStateIsSkippedAndCounted() {
    try (RedisServer server = RedisServer.start(); RedisFeed feed = new RedisFeed(server, new RedisFeed.Options())) {
      server.command(b("ZADD"), b("us:7"), b("1"), Keys.member(123), b("2"), b("abc"));
      server.command("SET", "ub:7", "not a set");
      final UserStateHydrator users = UserStateHydrator.builder(feed.store)
          .timeout(1, TimeUnit.SECONDS).build();
      final Pipeline p = Pipeline.builder("users").sourcesOnCallerThread()
          .queryHydrator("user-state", users)
          .source("none", (ctx, sink) -> { })
          .build();
      final RequestContext ctx = p.newContext();
      ctx.reset().userId(7);
      final PipelineResult page = new PipelineResult();
      p.execute(ctx, page);
      assertThat(page.degraded()).as("malformed state is data, not an outage").isFalse();
      assertThat(ctx.seenIds().size()).isEqualTo(1);
      assertThat(ctx.seenIds().get(0)).isEqualTo(123L);
      assertThat(ctx.blockedAuthors().isEmpty()).isTrue();
      assertThat(users.malformed()).as("a 3-byte member and a string where a set belongs").isEqualTo(2);
      assertThat(users.degradedReads()).isZero();
    }
  }
}
