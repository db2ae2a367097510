package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.get;
import static dev.trawl.examples.service.ServiceTests.pageIds;
import static dev.trawl.examples.service.ServiceTests.post;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.shadow.PipelineShadow;
import dev.trawl.shadow.RunRecord;
import dev.trawl.shadow.ShadowLane;
import dev.trawl.shadow.ShadowMode;
import dev.trawl.shadow.ShadowSchema;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shadow variant beside the live feed: sampled at the rate set (and reset at run time through
 * the admin endpoint), compared into metrics, and unable to touch the live answer even when every
 * candidate run throws.
 */
class ShadowVariantTest {
  private static final int REQUESTS = 200;

  @Test
  void aThrowingCandidateNeverChangesTheLiveAnswer() throws Exception {
    final CorpusWorld world = CorpusWorld.build(smallWorld());
    final List<List<Long>> expected = new ArrayList<>();
    final FeedService plain = new FeedService(world, new SimpleMeterRegistry());
    for (int u = 0; u < 10; u++) {
      expected.add(ServiceTests.ids(plain.feed(u, 20, null)));
    }
    final ShadowSchema schema = PipelineShadow.schema(world.pipeline());
    final ShadowMode<RequestContext, PipelineResult> mode =
        ShadowMode.builder(schema, PipelineShadow.recorder(world.pipeline(), schema), new Throwing())
            .sampleRate(1.0).queueCapacity(REQUESTS).workers(1).build();
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 10_000))
        .shadow(new FeedShadow(mode)).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      int same = 0;
      for (int i = 0; i < REQUESTS; i++) {
        final int user = i % 10;
        final HttpResponse<String> r = get(http, app, "/feed?userId=" + user + "&first=20");
        if (r.statusCode() == 200 && r.body().contains("\"degraded\":false")
            && pageIds(r.body()).equals(expected.get(user))) {
          same++;
        }
      }
      assertThat(same).as("live answers, all complete and as without a shadow").isEqualTo(REQUESTS);
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.sampled()).isEqualTo(REQUESTS);
      assertThat(mode.candidateFailures()).isEqualTo(REQUESTS - mode.dropped());
      assertThat(mode.candidateFailures()).isPositive();
      assertThat(get(http, app, "/metrics").body())
          .contains("trawl_shadow_candidate_failures_total " + (double) mode.candidateFailures());
    }
  }

  @Test
  void theSampleRateChangesAtRunTimeAndTheComparisonIsExported() throws Exception {
    final CorpusWorld world = CorpusWorld.build(smallWorld());
    final FeedShadow shadow = FeedShadow.of(world, new HomeFeedVariant().interestK(100), 1.0);
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 10_000))
        .shadow(shadow).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 40; i++) {
        assertThat(get(http, app, "/feed?userId=" + (i % 10) + "&first=5").statusCode()).isEqualTo(200);
      }
      assertThat(shadow.mode().awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(shadow.mode().sampled()).isEqualTo(40);
      assertThat(shadow.mode().completed()).isEqualTo(40 - shadow.mode().dropped()).isPositive();
      assertThat(shadow.mode().candidateFailures()).isZero();

      assertThat(post(http, app, "/admin/shadow-rate?rate=0").body()).isEqualTo("{\"shadowRate\":0.0}");
      for (int i = 0; i < 40; i++) {
        get(http, app, "/feed?userId=" + (i % 10) + "&first=5");
      }
      assertThat(shadow.mode().sampled()).as("nothing sampled at rate 0").isEqualTo(40);
      final HttpResponse<String> bad = post(http, app, "/admin/shadow-rate?rate=1.5");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("between 0 and 1, got '1.5'");
      assertThat(get(http, app, "/admin/shadow-rate").body()).isEqualTo("{\"shadowRate\":0.0}");

      shadow.refresh();
      final String metrics = get(http, app, "/metrics").body();
      assertThat(metrics).contains("trawl_shadow_sample_rate 0.0", "trawl_shadow_sampled_total 40.0",
          "trawl_shadow_agreement{metric=\"jaccard\"}", "trawl_shadow_agreement{metric=\"overlap@");
    }
  }

  @Test
  void withoutAShadowTheAdminEndpointSaysSo() throws Exception {
    try (FeedApp app = FeedApp.builder(CorpusWorld.build(smallWorld()),
        new FeedApp.Http("127.0.0.1", 0, 4, 10_000)).start()) {
      final HttpResponse<String> r = post(HttpClient.newHttpClient(), app, "/admin/shadow-rate?rate=0.1");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("no shadow variant");
    }
  }

  /** A candidate lane whose every run throws. */
  private static final class Throwing implements ShadowLane<RequestContext, long[]> {
    @Override
    public long[] newState() {
      return new long[1];
    }

    @Override
    public void capture(RequestContext request, long[] state) {
      state[0] = request.userId();
    }

    @Override
    public void run(long[] state, long seedSalt, RunRecord out) {
      throw new IllegalStateException("candidate broken for user " + state[0]);
    }
  }

  @Test
  void aPointsWindowIsTheComparisonOfTheRequestsSinceThePointBeforeAlone() throws Exception {
    final CorpusWorld world = CorpusWorld.build(smallWorld());
    // a candidate that searches less deeply: pages differ, by an amount that depends on the user
    final HomeFeedVariant candidate = new HomeFeedVariant().interestK(60);
    try (FeedShadow both = FeedShadow.of(world, candidate, 1.0);
        FeedShadow secondOnly = FeedShadow.of(world, candidate, 1.0)) {
      final FeedService service = new FeedService(world, new SimpleMeterRegistry(), both);
      final FeedService alone = new FeedService(world, new SimpleMeterRegistry(), secondOnly);
      for (int u = 0; u < 5; u++) {
        service.feed(u, 20, null);
      }
      settle(both);
      for (int u = 5; u < 10; u++) {
        service.feed(u, 20, null);
        alone.feed(u, 20, null);
      }
      settle(both);
      settle(secondOnly);
      assertThat(both.mode().dropped() + secondOnly.mode().dropped()).isZero();

      final List<FeedShadow.Point> series = both.series();
      assertThat(series).hasSize(2);
      // the first window is everything up to the first point
      assertThat(series.get(0).window().get("jaccard"))
          .isCloseTo(series.get(0).metrics().get("jaccard"), within(1e-12));
      // the second window holds the second round only: the same as a shadow that saw just that round
      final FeedShadow.Point expected = secondOnly.series().get(0);
      for (String metric : List.of("overlap@10", "jaccard", "rbo")) {
        assertThat(series.get(1).window().get(metric)).as(metric)
            .isCloseTo(expected.metrics().get(metric), within(1e-9));
      }
      assertThat(series.get(1).window()).doesNotContainKey("psi");
      // and differs from the cumulative value, which the first round still weighs on
      assertThat(series.get(1).window().get("jaccard"))
          .isNotCloseTo(series.get(1).metrics().get("jaccard"), within(1e-6));
    }
  }

  /** Waits for the shadow's runs, then takes a point. */
  private static void settle(FeedShadow shadow) throws InterruptedException {
    assertThat(shadow.mode().awaitIdle(60, TimeUnit.SECONDS)).isTrue();
    shadow.refresh();
  }
}
