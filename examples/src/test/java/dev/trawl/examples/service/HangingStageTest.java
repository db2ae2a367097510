package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.completePages;
import static dev.trawl.examples.service.ServiceTests.get;
import static dev.trawl.examples.service.ServiceTests.post;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.StageStats;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stage that starts hanging while the service serves: every request is still answered, degraded;
 * the pipeline holds only its limit of hung calls and refuses the rest; released, the stage runs
 * again and the pages are the complete ones of before.
 */
class HangingStageTest {
  private static final int USERS = 10;
  private static final int DURING = 12;
  /** The pipeline's default limit of hung calls per stage. */
  private static final int HUNG_LIMIT = 2;

  @Test
  void aHangingStageDegradesPagesHoldsOnlyItsLimitOfThreadsAndRecoversWhenReleased() throws Exception {
    final HangingStage fault = new HangingStage();
    // a 2 s deadline: long enough that a starved core does not degrade the pages before and after,
    // short enough that the two calls that hang before the limit applies cost the test little
    final CorpusWorld world = CorpusWorld.build(smallWorld().stages(
        v -> v.timeoutMillis(2_000).sourceTimeoutMillis(0).extraHydrator(HangingStage.NAME, fault),
        false));
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 10_000))
        .fault(fault).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      final List<List<Long>> before = completePages(http, app, USERS);

      assertThat(post(http, app, "/admin/hang?on=true").body()).contains("\"hanging\":true");
      int degraded = 0;
      for (int i = 0; i < DURING; i++) {
        final HttpResponse<String> r = get(http, app, "/feed?userId=" + (i % USERS) + "&first=10");
        assertThat(r.statusCode()).isEqualTo(200);
        if (r.body().contains("\"degraded\":true")) {
          degraded++;
        }
      }
      assertThat(degraded).as("pages served while the stage hangs, all degraded").isEqualTo(DURING);
      final StageStats during = stage(app);
      assertThat(during.hung()).as("calls abandoned at the deadline").isEqualTo(HUNG_LIMIT);
      assertThat(during.stillHung()).isEqualTo(HUNG_LIMIT);
      assertThat(during.rejected()).as("calls refused at once").isEqualTo(DURING - HUNG_LIMIT);
      assertThat(fault.blocked()).as("stage-pool threads the hang holds").isEqualTo(HUNG_LIMIT);
      assertThat(get(http, app, "/metrics").body()).contains(
          "trawl_pipeline_stage_rejected_total{stage=\"fault\"} " + (double) (DURING - HUNG_LIMIT),
          "trawl_pipeline_stage_still_hung{stage=\"fault\"} " + (double) HUNG_LIMIT,
          "trawl_fault_blocked " + (double) HUNG_LIMIT);

      assertThat(post(http, app, "/admin/hang?on=false").body()).contains("\"hanging\":false");
      ServiceTests.await(() -> stage(app).stillHung() == 0 && fault.blocked() == 0,
          "the hung calls return");
      final long callsBefore = stage(app).calls();
      assertThat(completePages(http, app, USERS)).as("complete pages again, as before the hang")
          .isEqualTo(before);
      assertThat(stage(app).calls() - callsBefore).as("the stage runs again").isEqualTo(USERS);
      assertThat(stage(app).rejected()).isEqualTo(DURING - HUNG_LIMIT);
    }
  }

  @Test
  void theSwitchRejectsOtherValuesAndAnswers404WithoutAFaultStage() throws Exception {
    final HangingStage fault = new HangingStage();
    final CorpusWorld world = CorpusWorld.build(smallWorld().stages(
        v -> v.extraHydrator(HangingStage.NAME, fault), false));
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 4, 10_000))
        .fault(fault).start()) {
      final HttpResponse<String> bad = post(HttpClient.newHttpClient(), app, "/admin/hang?on=yes");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("on=true", "got 'yes'");
      assertThat(fault.hanging()).isFalse();
    }
    try (FeedApp app = FeedApp.builder(CorpusWorld.build(smallWorld()),
        new FeedApp.Http("127.0.0.1", 0, 4, 10_000)).start()) {
      final HttpResponse<String> r = post(HttpClient.newHttpClient(), app, "/admin/hang?on=true");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("no fault stage");
    }
  }

  private static StageStats stage(FeedApp app) {
    return app.world().pipeline().metrics().stage(HangingStage.NAME);
  }
}
