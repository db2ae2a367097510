package dev.trawl.examples.service;

import dev.trawl.cli.FeedCorpus;
import dev.trawl.pipeline.MetricsSnapshot;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.RequestStats;
import dev.trawl.pipeline.StageStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The home feed as a plain Java call, shared by the GraphQL and JSON endpoints: {@link #feed} ranks
 * the user's feed through the world's pipeline and returns the requested slice of it.
 *
 * <p>Pagination: one request ranks a page of {@link #RANKED} posts; {@code first} and the opaque
 * {@code after} cursor slice it. A cursor is the position after the last post returned, so a client
 * walks the ranked list page by page; posts streamed in between two calls may move later posts
 * (the list is ranked again on every call, as a feed that stays fresh is).
 *
 * <p>Errors: a request the service cannot answer (an unknown user, {@code first} outside 1..{@link
 * #MAX_FIRST}, a malformed cursor) throws {@link BadFeedRequest} whose message says what is wrong;
 * the endpoints turn it into a client error. A stage that fails or runs out of time does not fail the
 * request: the page comes back with {@link Page#degraded()} set.
 *
 * <p><b>Thread-safety:</b> safe for any number of threads; each thread keeps its own request context
 * and result (thread-local), as the pipeline requires. <b>Allocation:</b> the pipeline itself
 * allocates nothing; building the returned {@link Page} and the user's request inputs does.
 */
public final class FeedService {
  /** Posts ranked per request (the pipeline's page), which pagination slices. */
  public static final int RANKED = 50;

  /** Largest {@code first}: a page holds at most this many posts. */
  public static final int MAX_FIRST = RANKED;

  private static final String CURSOR_PREFIX = "offset:";

  private final CorpusWorld world;
  private final Pipeline pipeline;
  private final ThreadLocal<Slot> slots;
  private final Timer[] stageTimers;
  private final Counter degraded;
  private final FeedShadow shadow;
  private final StageHealth health;

  /** One thread's reusable request state. */
  private static final class Slot {
    final RequestContext ctx;
    final PipelineResult result = new PipelineResult();

    Slot(Pipeline pipeline) {
      ctx = pipeline.newContext();
    }
  }

  /** The service over {@code world}, recording stage latencies and degraded pages in {@code meters}. */
  public FeedService(CorpusWorld world, MeterRegistry meters) {
    this(world, meters, null);
  }

  /**
   * As {@link #FeedService(CorpusWorld, MeterRegistry)}, offering every answered request to {@code
   * shadow} (null: none).
   */
  public FeedService(CorpusWorld world, MeterRegistry meters, FeedShadow shadow) {
    this.world = world;
    this.shadow = shadow;
    this.pipeline = world.pipeline();
    this.slots = ThreadLocal.withInitial(() -> new Slot(pipeline));
    final RequestStats shape = pipeline.newContext().lastRequest();
    this.stageTimers = new Timer[shape.stageCount()];
    for (int s = 0; s < stageTimers.length; s++) {
      stageTimers[s] =
          Timer.builder("trawl.pipeline.stage")
              .description("latency of one pipeline stage per request")
              .tag("stage", shape.stageName(s))
              .publishPercentiles(0.5, 0.99)
              .register(meters);
    }
    this.degraded =
        Counter.builder("trawl.feed.degraded")
            .description("pages served with a stage failed or timed out")
            .register(meters);
    // meters hold their object weakly: the service keeps it
    this.health = new StageHealth(pipeline);
    for (int s = 0; s < shape.stageCount(); s++) {
      final String stage = shape.stageName(s);
      health.counter(meters, stage, "trawl.pipeline.stage.hung",
          "calls abandoned at their timeout or the deadline while still running", st -> st.hung());
      health.counter(meters, stage, "trawl.pipeline.stage.rejected",
          "calls refused without running (the stage's hung calls at their limit, or a full pool)",
          st -> st.rejected());
      health.counter(meters, stage, "trawl.pipeline.stage.timeouts",
          "calls that ran out of their time budget", st -> st.timeouts());
      health.counter(meters, stage, "trawl.pipeline.stage.skipped",
          "calls skipped (the request deadline had passed, or a gate was closed)", st -> st.skipped());
      Gauge.builder("trawl.pipeline.stage.still.hung", health, h -> h.stats(stage).stillHung())
          .description("abandoned calls whose work has not returned yet")
          .tag("stage", stage).register(meters);
    }
  }

  /**
   * The pipeline's per-stage failure counts for the metrics endpoint, from one snapshot per scrape:
   * a snapshot copies every stage's latency histograms, so each meter does not take its own.
   */
  private static final class StageHealth {
    private static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private final Pipeline pipeline;
    private MetricsSnapshot last;
    private long takenAt;

    StageHealth(Pipeline pipeline) {
      this.pipeline = pipeline;
    }

    synchronized StageStats stats(String stage) {
      final long now = System.nanoTime();
      if (last == null || now - takenAt > MAX_AGE_NANOS) {
        last = pipeline.metrics();
        takenAt = now;
      }
      return last.stage(stage);
    }

    void counter(MeterRegistry meters, String stage, String name, String description,
        ToDoubleFunction<StageStats> count) {
      FunctionCounter.builder(name, this, h -> count.applyAsDouble(h.stats(stage)))
          .description(description).tag("stage", stage).register(meters);
    }
  }

  /** A client error: the request names something that does not exist or asks for too much. */
  public static final class BadFeedRequest extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadFeedRequest(String message) {
      super(message);
    }
  }

  /** One post of a page. */
  public record Post(long id, String source, float score, long author, long community, long createdAt) {}

  /** Time one stage took in the request. */
  public record StageTiming(String stage, double micros) {}

  /**
   * A page: its posts, the cursor after the last one ({@code null} when the ranked list is
   * exhausted), whether any stage failed or timed out, and how long each stage took.
   */
  public record Page(
      List<Post> posts, String endCursor, boolean hasNextPage, boolean degraded,
      double totalMicros, List<StageTiming> timings) {}

  /** The shadow variant, or null without one. */
  public FeedShadow shadow() {
    return shadow;
  }

  /** The world this service serves. */
  public CorpusWorld world() {
    return world;
  }

  /**
   * The home feed of {@code userId}: up to {@code first} posts after {@code after} (null for the
   * start).
   *
   * @throws BadFeedRequest for an unknown user, {@code first} outside 1..{@link #MAX_FIRST} or a
   *     cursor this service did not hand out
   */
  public Page feed(long userId, int first, String after) {
    if (userId < 0 || userId >= world.users()) {
      throw new BadFeedRequest(
          "unknown user " + userId + ": users are 0 to " + (world.users() - 1));
    }
    if (first < 1 || first > MAX_FIRST) {
      throw new BadFeedRequest("first must be between 1 and " + MAX_FIRST + ", got " + first);
    }
    final int offset = after == null ? 0 : decodeCursor(after);
    final FeedCorpus.User user = world.user((int) userId);
    final Slot slot = slots.get();
    final RequestContext ctx = slot.ctx;
    ctx.reset().userId(userId).nowMillis(world.nowMillis()).seed(userId)
        .queryVector(user.interest());
    ctx.followedCommunities().add(user.primary());
    ctx.followedCommunities().add(user.secondary());
    if (!world.userStateInStore()) {
      for (long id : user.seen()) {
        ctx.seenIds().add(id);
      }
      ctx.blockedAuthors().add(user.blockedAuthor());
    }
    final PipelineResult r = slot.result;
    pipeline.execute(ctx, r);
    final RequestStats stats = ctx.lastRequest();
    if (shadow != null) {
      shadow.offer(ctx, r, stats.totalNanos());
    }

    final int end = Math.min(r.size(), offset + first);
    final List<Post> posts = new ArrayList<>(Math.max(0, end - offset));
    for (int i = offset; i < end; i++) {
      posts.add(new Post(r.id(i), r.sourceName(i), r.score(i), r.author(i), r.community(i),
          r.createdAt(i)));
    }
    final List<StageTiming> timings = new ArrayList<>(stats.stageCount());
    for (int s = 0; s < stats.stageCount(); s++) {
      final long nanos = stats.nanos(s);
      if (nanos != RequestStats.NOT_RUN) {
        stageTimers[s].record(nanos, TimeUnit.NANOSECONDS);
        timings.add(new StageTiming(stats.stageName(s), nanos / 1e3));
      }
    }
    if (r.degraded()) {
      degraded.increment();
    }
    final boolean more = end < r.size();
    return new Page(posts, end > offset ? encodeCursor(end) : after, more, r.degraded(),
        stats.totalNanos() / 1e3, timings);
  }

  static String encodeCursor(int offset) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((CURSOR_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
  }

  private static int decodeCursor(String cursor) {
    final String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadFeedRequest("malformed cursor '" + cursor + "': pass a page's endCursor");
    }
    if (text.startsWith(CURSOR_PREFIX)) {
      try {
        final int offset = Integer.parseInt(text.substring(CURSOR_PREFIX.length()));
        if (offset >= 0 && offset <= RANKED) {
          return offset;
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new BadFeedRequest("malformed cursor '" + cursor + "': pass a page's endCursor");
  }
}
