package dev.trawl.examples.service;

import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.shadow.MetricRow;
import dev.trawl.shadow.PipelineLane;
import dev.trawl.shadow.PipelineShadow;
import dev.trawl.shadow.ShadowMode;
import dev.trawl.shadow.ShadowReport;
import dev.trawl.shadow.ShadowSchema;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A variant of the feed run beside the live one on a sampled fraction of requests ({@link
 * ShadowMode}): after the live page is built, the request is offered here; sampled ones are copied
 * and run through the candidate on a shadow worker, and the two pages are compared. The sample rate
 * can be changed while serving ({@code POST /admin/shadow-rate}); the comparison is exported as
 * metrics, refreshed every few seconds: {@code trawl_shadow_agreement{metric=...}} (overlap, RBO,
 * Jaccard, Kendall's tau: similarity, 1 = the same page; mean rank shift), {@code
 * trawl_shadow_flagged} (metrics whose verdict is a change beyond the noise), and the counts of
 * sampled, completed, dropped and failed candidate runs. Each refresh also appends a point to
 * {@link #series()} (the last {@link #SERIES_POINTS}), with the comparison since start and over the
 * pages compared since the point before, which the service's page plots.
 *
 * <p>The live answer never depends on the candidate: {@link #offer} never blocks or throws, a slow
 * candidate only causes drops, and a throwing one is counted as a failed run.
 *
 * <p><b>Thread-safety:</b> {@link #offer} and {@link #sampleRate(double)} from any thread. <b>Allocation:</b>
 * {@link #offer} allocates nothing; the metrics refresh (off the request path) does.
 */
public final class FeedShadow implements AutoCloseable {
  private static final long REFRESH_SECONDS = 5;
  /** Refreshes the series keeps: half an hour at one every 5 s. */
  static final int SERIES_POINTS = 360;

  private final ShadowMode<RequestContext, PipelineResult> mode;
  private final ScheduledExecutorService refresher;
  private volatile MultiGauge agreement;
  private volatile int flagged;
  private final ArrayDeque<Point> series = new ArrayDeque<>(); // guarded by itself
  // the previous point's pages compared and metrics, for the next window (guarded by this)
  private long previousPages;
  private Map<String, Double> previous = Map.of();

  /**
   * The comparison at one refresh: when it was taken (epoch milliseconds), the candidate runs
   * compared since start, and two sets of metrics.
   *
   * @param metrics over every run since start: the agreement ones (similarity of the candidate's
   *     pages to the live ones, 1 = the same; {@code overlap@10}, {@code jaccard}, {@code rbo},
   *     {@code kendall_tau}; {@code mean_rank_shift} in places) and {@code psi}, the population
   *     stability index of the two score distributions (0 = the same)
   * @param window the agreement metrics over the pages compared since the previous point alone, so a
   *     change shows within one refresh instead of being diluted by the history; empty when no page
   *     was compared in between. Derived from the cumulative means ({@code (sum now - sum before) /
   *     (pages now - pages before)}): exact for the metrics every compared page has (overlap,
   *     Jaccard, RBO), close for Kendall's tau, which a page with fewer than two posts in common
   *     lacks. PSI does not decompose this way and is not in it.
   */
  public record Point(long epochMillis, long completed, Map<String, Double> metrics,
      Map<String, Double> window) {}

  FeedShadow(ShadowMode<RequestContext, PipelineResult> mode) {
    this.mode = mode;
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      final Thread t = new Thread(r, "trawl-shadow-metrics");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The live pipeline of {@code world} against {@code candidate} built over the same world, sampled
   * at {@code rate}.
   *
   * @throws IllegalArgumentException for a rate outside 0..1
   */
  public static FeedShadow of(CorpusWorld world, HomeFeedVariant candidate, double rate) {
    checkRate(rate);
    final Pipeline live = world.pipeline();
    final Pipeline variant = world.pipeline(candidate.name("candidate"));
    final ShadowSchema schema = PipelineShadow.schema(live, variant);
    return new FeedShadow(ShadowMode.builder(schema, PipelineShadow.recorder(live, schema),
            PipelineLane.live(variant, schema))
        .title("home feed: live vs candidate").sampleRate(rate).queueCapacity(64).workers(1).build());
  }

  /** Offers a request the live pipeline answered in {@code nanos}; never blocks, never throws. */
  void offer(RequestContext ctx, PipelineResult result, long nanos) {
    mode.offer(ctx, result, nanos);
  }

  /**
   * Samples from now on this fraction of requests.
   *
   * @throws IllegalArgumentException for a rate outside 0..1 (the rate is then unchanged)
   */
  public void sampleRate(double rate) {
    checkRate(rate);
    mode.sampleRate(rate);
  }

  /** The current sample rate. */
  public double sampleRate() {
    return mode.sampleRate();
  }

  /** The shadow driver: counts and the comparison report. */
  public ShadowMode<RequestContext, PipelineResult> mode() {
    return mode;
  }

  private static void checkRate(double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("the shadow rate must be between 0 and 1, got " + rate);
    }
  }

  /** Registers the shadow's meters and starts refreshing the comparison ones. */
  void bind(MeterRegistry meters) {
    Gauge.builder("trawl.shadow.sample.rate", this, FeedShadow::sampleRate)
        .description("fraction of requests run through the candidate").register(meters);
    FunctionCounter.builder("trawl.shadow.sampled", mode, ShadowMode::sampled)
        .description("requests sampled for the candidate").register(meters);
    FunctionCounter.builder("trawl.shadow.completed", mode, ShadowMode::completed)
        .description("candidate runs compared").register(meters);
    FunctionCounter.builder("trawl.shadow.dropped", mode, ShadowMode::dropped)
        .description("sampled requests dropped: every shadow job was busy").register(meters);
    FunctionCounter.builder("trawl.shadow.candidate.failures", mode, ShadowMode::candidateFailures)
        .description("candidate runs that threw").register(meters);
    Gauge.builder("trawl.shadow.flagged", this, s -> s.flagged)
        .description("report metrics whose verdict is a change beyond the noise").register(meters);
    agreement = MultiGauge.builder("trawl.shadow.agreement")
        .description("how alike the candidate's pages are to the live ones, since start").register(meters);
    refresher.scheduleWithFixedDelay(this::refresh, REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
  }

  /** Recomputes the report and republishes the comparison meters. Called by one thread at a time. */
  synchronized void refresh() {
    try {
      final ShadowReport report = mode.report();
      final List<MultiGauge.Row<?>> rows = new ArrayList<>();
      for (MetricRow row : report.rows()) {
        if (row.group().equals("agreement") && !Double.isNaN(row.candidate())) {
          rows.add(MultiGauge.Row.of(Tags.of("metric", row.name()), row.candidate()));
        }
      }
      final MultiGauge meters = agreement;
      if (meters != null) { // null until bound to a registry
        meters.register(rows, true);
      }
      flagged = report.flagged().size();
      final long pages = report.pagesCompared();
      if (pages > 0) {
        final Map<String, Double> metrics = plotted(report);
        append(new Point(System.currentTimeMillis(), mode.completed(), metrics,
            window(previous, previousPages, metrics, pages)));
        previous = metrics;
        previousPages = pages;
      }
    } catch (RuntimeException e) {
      // a report that cannot be computed leaves the previous values; serving is unaffected
    }
  }

  /** The metrics a point keeps, finite ones only (JSON has no NaN); RBO without its parameter. */
  private static Map<String, Double> plotted(ShadowReport report) {
    final Map<String, Double> values = new LinkedHashMap<>();
    for (MetricRow row : report.rows()) {
      final boolean agreement = row.group().equals("agreement");
      final double value = agreement ? row.candidate() : row.delta();
      if ((agreement || row.name().equals("score_psi")) && Double.isFinite(value)) {
        final String name = row.name();
        values.put(name.startsWith("rbo") ? "rbo" : name.equals("score_psi") ? "psi" : name, value);
      }
    }
    return values;
  }

  /** The agreement means over the pages compared between two points (see {@link Point#window}). */
  static Map<String, Double> window(Map<String, Double> before, long pagesBefore,
      Map<String, Double> now, long pagesNow) {
    final Map<String, Double> window = new LinkedHashMap<>();
    final long pages = pagesNow - pagesBefore;
    if (pages <= 0) {
      return window;
    }
    for (Map.Entry<String, Double> e : now.entrySet()) {
      if (e.getKey().equals("psi")) {
        continue;
      }
      final Double was = before.get(e.getKey());
      final double sumBefore = was == null ? 0 : was * pagesBefore;
      final double value = (e.getValue() * pagesNow - sumBefore) / pages;
      if (Double.isFinite(value)) {
        window.put(e.getKey(), value);
      }
    }
    return window;
  }

  private void append(Point point) {
    synchronized (series) {
      if (series.size() == SERIES_POINTS) {
        series.removeFirst();
      }
      series.addLast(point);
    }
  }

  /** {@return the comparison at each refresh, oldest first (a copy)} */
  public List<Point> series() {
    synchronized (series) {
      return List.copyOf(series);
    }
  }

  /** Stops the refresher and the shadow workers. */
  @Override
  public void close() {
    refresher.shutdownNow();
    mode.close();
  }
}
