package dev.trawl.examples.service;

import static dev.trawl.examples.service.ServiceTests.completePages;
import static dev.trawl.examples.service.ServiceTests.get;
import static dev.trawl.examples.service.ServiceTests.post;
import static dev.trawl.examples.service.ServiceTests.smallWorld;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.shadow.ShadowMode;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shadow candidate's fault drill, switched while the service serves: every candidate run fails
 * while its stage throws and the live pages stay exactly those of before; stopped, the candidate's
 * runs complete again.
 */
class ThrowingCandidateTest {
  private static final int USERS = 10;

  @Test
  void whileTheCandidateThrowsEveryShadowRunFailsAndTheLivePagesDoNotChange() throws Exception {
    final CorpusWorld world = CorpusWorld.build(smallWorld());
    final ThrowingStage fault = new ThrowingStage();
    final FeedShadow shadow = FeedShadow.of(world,
        new HomeFeedVariant().interestK(100)
            .extraHydrator(ThrowingStage.NAME, fault, StageOptions.failClosed()), 1.0);
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 10_000))
        .shadow(shadow).candidateFault(fault).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      final ShadowMode<?, ?> mode = shadow.mode();
      final List<List<Long>> before = completePages(http, app, USERS);
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.completed()).as("candidate runs compared before the fault").isPositive();
      assertThat(mode.candidateFailures()).isZero();

      assertThat(post(http, app, "/admin/candidate-throws?on=true").body()).contains("\"throwing\":true");
      final long completedBefore = mode.completed();
      final long droppedBefore = mode.dropped();
      assertThat(completePages(http, app, USERS)).as("live pages while the candidate throws").isEqualTo(before);
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final long runs = mode.completed() - completedBefore;
      assertThat(runs).isEqualTo(USERS - (mode.dropped() - droppedBefore)).isPositive();
      assertThat(mode.candidateFailures()).as("every candidate run in the fault failed").isEqualTo(runs);
      assertThat(fault.thrown()).isEqualTo(runs);
      assertThat(get(http, app, "/metrics").body()).contains(
          "trawl_shadow_candidate_failures_total " + (double) runs,
          "trawl_fault_candidate_throwing 1.0");

      assertThat(post(http, app, "/admin/candidate-throws?on=false").body())
          .contains("\"throwing\":false", "\"thrown\":" + runs);
      final long completedAfterFault = mode.completed();
      assertThat(completePages(http, app, USERS)).isEqualTo(before);
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.completed()).as("the candidate runs again").isGreaterThan(completedAfterFault);
      assertThat(mode.candidateFailures()).as("no failure once stopped").isEqualTo(runs);
    }
  }

  @Test
  void theSwitchRejectsOtherValuesAndAnswers404WithoutACandidateFault() throws Exception {
    final CorpusWorld world = CorpusWorld.build(smallWorld());
    final ThrowingStage fault = new ThrowingStage();
    final FeedShadow shadow = FeedShadow.of(world,
        new HomeFeedVariant().extraHydrator(ThrowingStage.NAME, fault, StageOptions.failClosed()), 0.5);
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 4, 10_000))
        .shadow(shadow).candidateFault(fault).start()) {
      final HttpResponse<String> bad =
          post(HttpClient.newHttpClient(), app, "/admin/candidate-throws?on=1");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("on=true (throw)", "got '1'");
      assertThat(fault.throwing()).isFalse();
    }
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 4, 10_000)).start()) {
      final HttpResponse<String> r =
          post(HttpClient.newHttpClient(), app, "/admin/candidate-throws?on=true");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).contains("no candidate fault stage");
    }
  }
}
