package dev.trawl.examples.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.examples.feed.HomeFeedVariant;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's page in a real browser: Debian's chromium, headless, loads {@code /?user=U}, whose
 * script asks {@code /graphql} for the feed and renders it; the rendered rows must be the service's
 * feed for that user. Fails (does not skip) without chromium: CI installs it.
 */
class ServiceBrowserTest {
  private static final long NOW = 1_767_225_600_000L;

  @TempDir Path profile;

  @Test
  void pageRendersTheUsersFeedFromTheGraphqlEndpoint() throws Exception {
    final CorpusWorld world = CorpusWorld.build(
        CorpusWorld.options().posts(3_000).users(20).seed(5).nowMillis(NOW).clock(() -> NOW));
    try (FeedApp app = FeedApp.start(world, null, new FeedApp.Http("127.0.0.1", 0, 8, 1_000))) {
      final String dom = dumpDom("http://127.0.0.1:" + app.port() + "/?user=4");
      assertThat(dom).contains("data-state=\"loaded\"");
      final List<Long> shown = new ArrayList<>();
      final Matcher row = Pattern.compile("data-post-id=\"(\\d+)\"").matcher(dom);
      while (row.find()) {
        shown.add(Long.parseLong(row.group(1)));
      }
      final List<Long> expected = new ArrayList<>();
      new FeedService(world, new SimpleMeterRegistry()).feed(4, 10, null).posts()
          .forEach(p -> expected.add(p.id()));
      assertThat(shown).hasSize(10).isEqualTo(expected);
      // the status line: not degraded (the script's own text also mentions "degraded", so match the element)
      assertThat(dom).containsPattern("id=\"status\" class=\"\">user 4: 10 posts in \\d+ µs</p>");
      // the request's stage timings are rendered below the feed
      assertThat(dom).contains("<td>interest</td>").contains("<td>mmr</td>");
      // no shadow variant: the plot says so and has no points
      assertThat(dom).contains("no shadow variant: start with --shadow-rate")
          .contains("data-points=\"0\"").doesNotContain("data-metric=");
    }
  }

  @Test
  void pagePlotsTheShadowComparisonOnceShadowTrafficWasCompared() throws Exception {
    final CorpusWorld world = CorpusWorld.build(
        CorpusWorld.options().posts(3_000).users(20).seed(5).nowMillis(NOW).clock(() -> NOW));
    // a candidate that searches less deeply, so its pages differ from the live ones
    final FeedShadow shadow = FeedShadow.of(world, new HomeFeedVariant().interestK(100), 1.0);
    try (FeedApp app = FeedApp.builder(world, new FeedApp.Http("127.0.0.1", 0, 8, 1_000))
        .shadow(shadow).start()) {
      final HttpClient http = HttpClient.newHttpClient();
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20; i++) {
          assertThat(ServiceTests.get(http, app, "/feed?userId=" + i + "&first=10").statusCode())
              .isEqualTo(200);
        }
        assertThat(shadow.mode().awaitIdle(60, TimeUnit.SECONDS)).isTrue();
        shadow.refresh(); // a point now, rather than at the next scheduled refresh
      }
      final String dom = dumpDom("http://127.0.0.1:" + app.port() + "/?user=4");
      final List<FeedShadow.Point> series = shadow.series();
      assertThat(dom).contains("data-state=\"plotted\"");
      final Matcher plotted = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
      assertThat(plotted.find()).isTrue();
      final int points = Integer.parseInt(plotted.group(1));
      // two refreshes after traffic, and any scheduled ones since (the page reads the series later)
      assertThat(points).isBetween(2, series.size());
      for (String metric : List.of("overlap@10", "rbo", "jaccard", "psi")) {
        final List<String> drawn = new ArrayList<>();
        final Matcher circle = Pattern.compile(
            "data-metric=\"" + Pattern.quote(metric) + "\" data-value=\"([0-9.]+)\"").matcher(dom);
        while (circle.find()) {
          drawn.add(circle.group(1));
        }
        final List<String> expected = series.subList(0, points).stream()
            .map(p -> String.format(Locale.ROOT, "%.4f", p.metrics().get(metric))).toList();
        assertThat(drawn).as(metric + " points drawn, as the service computed them").isEqualTo(expected);
      }
      // below it, the same similarities over each window alone (no PSI)
      assertThat(dom).containsPattern("id=\"shadow-window-plot\"[^>]* data-points=\"" + points + "\"");
      for (String metric : List.of("overlap@10", "rbo", "jaccard", "psi")) {
        final List<String> drawn = new ArrayList<>();
        final Matcher circle = Pattern.compile("data-window-metric=\"" + Pattern.quote(metric)
            + "\" data-value=\"([0-9.]+)\"").matcher(dom);
        while (circle.find()) {
          drawn.add(circle.group(1));
        }
        final List<String> expected = series.subList(0, points).stream()
            .filter(p -> p.window().containsKey(metric))
            .map(p -> String.format(Locale.ROOT, "%.4f", p.window().get(metric))).toList();
        assertThat(drawn).as(metric + " window points drawn, as the service computed them")
            .isEqualTo(expected);
        assertThat(drawn.isEmpty()).as(metric + " has no window values").isEqualTo(metric.equals("psi"));
      }
      // the candidate differs: its pages are not all identical to the live ones
      assertThat(series.get(points - 1).metrics().get("jaccard")).isLessThan(1.0);
      assertThat(series.get(points - 1).completed()).isGreaterThanOrEqualTo(40 - shadow.mode().dropped())
          .isPositive();
    }
  }

  @Test
  void pageShowsTheServicesErrorForAnUnknownUser() throws Exception {
    final CorpusWorld world = CorpusWorld.build(
        CorpusWorld.options().posts(500).users(20).seed(5).nowMillis(NOW).clock(() -> NOW));
    try (FeedApp app = FeedApp.start(world, null, new FeedApp.Http("127.0.0.1", 0, 8, 1_000))) {
      final String dom = dumpDom("http://127.0.0.1:" + app.port() + "/?user=25");
      assertThat(dom).contains("data-state=\"error\"").contains("unknown user 25: users are 0 to 19")
          .doesNotContain("data-post-id");
    }
  }

  /** The DOM after the page's scripts ran (virtual time lets the fetch finish before the dump). */
  private String dumpDom(String url) throws IOException, InterruptedException {
    final String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : null;
    assertThat(chromium).as("Debian's chromium is required (apt-get install chromium); .ci/run installs it").isNotNull();
    final Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
        "--virtual-time-budget=15000", "--dump-dom", url)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    final String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish");
    }
    assertThat(p.exitValue()).as("chromium exit status").isZero();
    return dom;
  }
}
