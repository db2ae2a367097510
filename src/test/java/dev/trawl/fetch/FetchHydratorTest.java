package dev.trawl.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineException;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.WorkerPool;
import dev.trawl.pipeline.testkit.Allocations;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FetchHydratorTest {
  static final Feature LIKES = Feature.candidate("likes", -1f);
  static final Feature QUALITY = Feature.candidate("quality", -2f);
  static final Feature AUTHOR_SCORE = Feature.candidate("author_score", -3f);
  static final Feature USER_AGE = Feature.query("user_age", 0f);

  private final InMemoryStore posts = new InMemoryStore();
  private final InMemoryStore authors = new InMemoryStore();

  @AfterEach
  void stop() {
    posts.close();
    authors.close();
  }

  /** One request's input ids and, after execute, the hydrated columns in batch order. */
  static final class Request {
    long[] ids;
    final long[] rowIds = new long[4096];
    final float[][] columns = new float[3][4096];
    int rows;

    Request ids(long... ids) {
      this.ids = ids;
      return this;
    }
  }

  private static long[] range(long from, int n) {
    final long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = from + i;
    }
    return ids;
  }

  private static void fill(InMemoryStore store, long from, int n, int width) {
    for (long k = from; k < from + n; k++) {
      final float[] r = new float[width];
      for (int j = 0; j < width; j++) {
        r[j] = k * 10 + j;
      }
      store.records.put(k, r);
    }
  }

  private static NearCache cache(int width) {
    return NearCache.builder(width).maxBytes(4 << 20).negativeTtl(1, TimeUnit.HOURS).build();
  }

  private static Pipeline pipeline(FetchHydrator hydrator, Feature... captured) {
    return pipeline(hydrator, StageOptions.defaults(), captured);
  }

  private static Pipeline pipeline(FetchHydrator hydrator, StageOptions options, Feature... captured) {
    return Pipeline.builder("fetch-test").sourcesOnCallerThread().pageSize(4096)
        .timeout(5, TimeUnit.SECONDS).threadsPerBlockingStage(8)
        .source("ids", (ctx, sink) -> {
          final Request r = ctx.attachment();
          for (long id : r.ids) {
            sink.add(id, 1f);
          }
        }, StageOptions.defaults().expectedCandidates(2048))
        .hydrator("fetch", hydrator, options)
        .scorer("capture", (ctx, batch) -> capture(ctx.attachment(), batch, captured),
            StageOptions.defaults().reads(captured))
        .build();
  }

  private static void capture(Request r, CandidateBatch batch, Feature[] features) {
    r.rows = batch.size();
    for (int row = 0; row < batch.size(); row++) {
      r.rowIds[row] = batch.id(row);
      for (int f = 0; f < features.length; f++) {
        r.columns[f][row] = batch.featureColumn(features[f])[row];
      }
    }
  }

  private static boolean run(Pipeline p, RequestContext ctx, PipelineResult page, Request r) {
    ctx.reset().attachment(r);
    p.execute(ctx, page);
    // the stage marks the request through its context; the page carries the marks
    return page.degradedMarks() > 0;
  }

  @Test
  void aBatchIsFetchedInOneStoreCallThenServedFromTheNearCache() {
    fill(posts, 0, 300, 2);
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY)
        .nearCache(cache(2)).build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).build(),
        LIKES, QUALITY);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final Request r = new Request().ids(range(0, 200));
    assertThat(run(p, ctx, page, r)).isFalse();
    assertValues(r, 2);
    assertThat(posts.calls.get()).isEqualTo(1);
    assertThat(posts.keysRead.get()).isEqualTo(200);

    // the second request overlaps the first by 100 keys: only the other 100 go to the store
    r.ids(range(100, 200));
    assertThat(run(p, ctx, page, r)).isFalse();
    assertValues(r, 2);
    assertThat(posts.calls.get()).isEqualTo(2);
    assertThat(posts.keysRead.get()).isEqualTo(300);
    final FetchStats s = fetch.stats();
    assertThat(s.lookups()).isEqualTo(400);
    assertThat(s.cacheHits()).isEqualTo(100);
    assertThat(s.claimed()).isEqualTo(300);
    assertThat(s.found()).isEqualTo(300);
    assertThat(s.storeCalls()).isEqualTo(2);
  }

  private static void assertValues(Request r, int width) {
    assertThat(r.rows).isEqualTo(r.ids.length);
    for (int row = 0; row < r.rows; row++) {
      for (int j = 0; j < width; j++) {
        assertThat(r.columns[j][row]).as("row " + row + " feature " + j)
            .isEqualTo(r.rowIds[row] * 10f + j);
      }
    }
  }

  @Test
  void twoStoresAreReadConcurrentlyNotOneAfterTheOther() {
    fill(posts, 0, 50, 2);
    fill(authors, 0, 50, 1);
    // the post store answers only once the author store's read has started: if the stage waited for
    // the posts before starting the authors, the posts would miss the stage deadline
    final CountDownLatch authorsStarted = new CountDownLatch(1);
    posts.holdAnswers = authorsStarted;
    authors.onFetch = authorsStarted::countDown;
    final FeatureFetch postFetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY).build();
    final FeatureFetch authorFetch = FeatureFetch.builder("authors", authors).features(AUTHOR_SCORE)
        .build();
    final FetchHydrator h = FetchHydrator.builder().fetch(postFetch).fetch(authorFetch)
        .timeout(3, TimeUnit.SECONDS).build();
    final Pipeline p = pipeline(h, LIKES, QUALITY, AUTHOR_SCORE);
    final Request r = new Request().ids(range(0, 50));
    assertThat(run(p, p.newContext(), new PipelineResult(), r)).as("degraded").isFalse();
    for (int row = 0; row < r.rows; row++) {
      assertThat(r.columns[0][row]).isEqualTo(r.rowIds[row] * 10f);
      assertThat(r.columns[2][row]).isEqualTo(r.rowIds[row] * 10f);
    }
    assertThat(postFetch.stats().timedOutKeys()).isZero();
  }

  @Test
  void aStoreThatNeverAnswersLeavesDefaultsKeepsHitsAndSetsTheDegradedFlag() {
    fill(posts, 0, 100, 2);
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY)
        .nearCache(cache(2)).build();
    final FetchHydrator h = FetchHydrator.builder().fetch(fetch).timeout(300, TimeUnit.MILLISECONDS)
        .build();
    final Pipeline p = pipeline(h, LIKES, QUALITY);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final Request r = new Request().ids(range(0, 50));
    assertThat(run(p, ctx, page, r)).isFalse();
    posts.neverAnswer = true;
    r.ids(range(25, 50)); // 25 cached, 25 never answered
    final long start = System.nanoTime();
    assertThat(run(p, ctx, page, r)).as("degraded").isTrue();
    final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    for (int row = 0; row < r.rows; row++) {
      final long id = r.rowIds[row];
      if (id < 50) {
        assertThat(r.columns[0][row]).isEqualTo(id * 10f);
      } else {
        assertThat(r.columns[0][row]).isEqualTo(LIKES.defaultValue());
        assertThat(r.columns[1][row]).isEqualTo(QUALITY.defaultValue());
      }
    }
    assertThat(page.degraded()).isTrue();
    assertThat(page.degradedMarks()).isEqualTo(ctx.markedDegraded()).isEqualTo(1);
    assertThat(page.failedOpenStages()).as("the stage did not throw").isZero();
    assertThat(fetch.stats().timedOutKeys()).isEqualTo(25);
    assertThat(h.degradedRequests()).isEqualTo(1);
    assertThat(tookMs).as("request time with a 300 ms fetch deadline").isLessThan(2000);
  }

  @Test
  void aMissWaitDefersColdKeysWithoutDegradingAndTheirReadFillsTheCache() throws Exception {
    fill(posts, 0, 100, 2);
    final NearCache cache = cache(2);
    final CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(1).build();
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY)
        .nearCache(cache).breaker(breaker).build();
    final FetchHydrator h = FetchHydrator.builder().fetch(fetch).timeout(5, TimeUnit.SECONDS)
        .missWait(20, TimeUnit.MILLISECONDS).build();
    final Pipeline p = pipeline(h, LIKES, QUALITY);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final Request r = new Request().ids(range(0, 50));
    final CountDownLatch hold = new CountDownLatch(1);
    posts.holdAnswers = hold;

    assertThat(run(p, ctx, page, r)).as("degraded").isFalse();
    assertThat(page.degraded()).isFalse();
    for (int row = 0; row < r.rows; row++) {
      assertThat(r.columns[0][row]).isEqualTo(LIKES.defaultValue());
      assertThat(r.columns[1][row]).isEqualTo(QUALITY.defaultValue());
    }
    assertThat(fetch.stats().deferredKeys()).isEqualTo(50);
    assertThat(fetch.stats().timedOutKeys()).isZero();
    assertThat(h.degradedRequests()).isZero();
    assertThat(breaker.state()).as("a deferred read is not a slow store").isEqualTo(CircuitBreaker.State.CLOSED);

    // the read goes on: once the store answers, the cache holds every key and the next request hits
    hold.countDown();
    final float[] row = new float[2];
    for (int i = 0; i < 500 && cache.get(49, System.nanoTime(), row, 0) != NearCache.HIT; i++) {
      Thread.sleep(10);
    }
    assertThat(run(p, ctx, page, r)).isFalse();
    assertValues(r, 2);
    assertThat(posts.calls.get()).as("no second read of the deferred keys").isEqualTo(1);
    assertThat(fetch.stats().cacheHits()).isEqualTo(50);
    assertThat(fetch.stats().deferredKeys()).isEqualTo(50);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aStoreFailingWithinTheMissWaitStillDegradesTheRequest() {
    posts.failing = true;
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES).build();
    final FetchHydrator h = FetchHydrator.builder().fetch(fetch).missWait(5, TimeUnit.SECONDS).build();
    final Pipeline p = pipeline(h, LIKES);
    final PipelineResult page = new PipelineResult();
    assertThat(run(p, p.newContext(), page, new Request().ids(range(0, 10)))).isTrue();
    assertThat(page.degraded()).isTrue();
    assertThat(fetch.stats().failedKeys()).isEqualTo(10);
    assertThat(fetch.stats().deferredKeys()).isZero();
    assertThatThrownBy(() -> FetchHydrator.builder().missWait(-1, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("miss wait");
  }

  @Test
  void failStageModeHandsTheDecisionToThePipelinePolicy() {
    posts.failing = true;
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES).build();
    final FetchHydrator h = FetchHydrator.builder().fetch(fetch)
        .onFailure(FetchHydrator.OnFailure.FAIL_STAGE).build();
    final Request r = new Request().ids(range(0, 10));

    final Pipeline open = pipeline(h, StageOptions.failOpen(), LIKES);
    final PipelineResult page = new PipelineResult();
    run(open, open.newContext(), page, r);
    assertThat(page.degraded()).isTrue();
    assertThat(page.failedOpenStages()).isEqualTo(1);
    assertThat(page.degradedMarks()).as("marked before it threw").isEqualTo(1);
    for (int row = 0; row < r.rows; row++) {
      assertThat(r.columns[0][row]).isEqualTo(LIKES.defaultValue());
    }

    final Pipeline closed = pipeline(h, StageOptions.failClosed(), LIKES);
    assertThatThrownBy(() -> run(closed, closed.newContext(), new PipelineResult(), r))
        .isInstanceOf(PipelineException.class)
        .satisfies(e -> assertThat(((PipelineException) e).kind())
            .isEqualTo(PipelineException.Kind.STAGE_FAILURE))
        .hasRootCauseInstanceOf(FetchException.class)
        .hasStackTraceContaining("store down");
  }

  @Test
  void consecutiveStoreFailuresOpenTheBreakerAndLaterRequestsDoNotCallTheStore() {
    posts.failing = true;
    final CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(3)
        .openFor(1, TimeUnit.HOURS).build();
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES).breaker(breaker)
        .build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).build(),
        LIKES);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (int i = 0; i < 6; i++) {
      final Request r = new Request().ids(range(i * 100, 10));
      assertThat(run(p, ctx, page, r)).as("request " + i + " degraded").isTrue();
      assertThat(r.columns[0][0]).isEqualTo(LIKES.defaultValue());
    }
    assertThat(posts.calls.get()).isEqualTo(3);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    final FetchStats s = fetch.stats();
    assertThat(s.failedKeys()).isEqualTo(30);
    assertThat(s.refusedKeys()).isEqualTo(30);
    assertThat(fetch.inFlightKeys()).isZero();
  }

  @Test
  void concurrentRequestsForTheSameKeysShareOneStoreRead() throws Exception {
    fill(posts, 0, 40, 2);
    final CountDownLatch release = new CountDownLatch(1);
    posts.holdAnswers = release;
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY)
        .nearCache(cache(2)).build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).timeout(5, TimeUnit.SECONDS)
        .build(), LIKES, QUALITY);
    final int threads = 8;
    final Thread[] ts = new Thread[threads];
    final Request[] requests = new Request[threads];
    final boolean[] degraded = new boolean[threads];
    final AtomicReference<Throwable> error = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      final int id = t;
      requests[t] = new Request().ids(range(0, 40));
      ts[t] = new Thread(() -> {
        try {
          degraded[id] = run(p, p.newContext(), new PipelineResult(), requests[id]);
        } catch (Throwable e) {
          error.set(e);
        }
      });
      ts[t].start();
    }
    // every request has either claimed the 40 keys or joined them before the store answers
    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (fetch.stats().coalesced() < (threads - 1) * 40L && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    release.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertThat(error.get()).isNull();
    assertThat(posts.calls.get()).isEqualTo(1);
    assertThat(posts.keysRead.get()).isEqualTo(40);
    assertThat(fetch.stats().coalesced()).isEqualTo((threads - 1) * 40L);
    for (int t = 0; t < threads; t++) {
      assertThat(degraded[t]).isFalse();
      assertValues(requests[t], 2);
    }
  }

  @Test
  void absentAndMalformedKeysGetDefaultsAreCountedAndAreNotFetchedAgain() {
    fill(posts, 0, 10, 1);
    posts.records.remove(3L);
    posts.malformed.add(5L);
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES).nearCache(cache(1))
        .build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).build(),
        LIKES);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (int round = 0; round < 2; round++) {
      final Request r = new Request().ids(range(0, 10));
      assertThat(run(p, ctx, page, r)).as("absent and malformed values do not degrade").isFalse();
      for (int row = 0; row < r.rows; row++) {
        final long id = r.rowIds[row];
        assertThat(r.columns[0][row]).isEqualTo(id == 3 || id == 5 ? LIKES.defaultValue() : id * 10f);
      }
    }
    final FetchStats s = fetch.stats();
    assertThat(s.absent()).isEqualTo(1);
    assertThat(s.malformed()).isEqualTo(1);
    assertThat(s.negativeHits()).isEqualTo(2);
    assertThat(posts.calls.get()).isEqualTo(1);
  }

  @Test
  void aFetcherThatThrowsDegradesTheRequestInsteadOfFailingIt() {
    posts.throwInFetch = true;
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES).build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).build(),
        LIKES);
    final Request r = new Request().ids(range(0, 5));
    final PipelineResult page = new PipelineResult();
    assertThat(run(p, p.newContext(), page, r)).isTrue();
    assertThat(page.degraded()).isTrue();
    assertThat(page.failedOpenStages()).as("the stage did not throw").isZero();
    assertThat(fetch.stats().fetcherErrors()).isEqualTo(1);
    assertThat(fetch.stats().failedKeys()).isEqualTo(5);
    assertThat(fetch.lastFailure()).hasMessage("store client bug");
    assertThat(fetch.inFlightKeys()).isZero();
  }

  /**
   * 0 bytes over a window of 2,000 warm requests after {@link Allocations#steadyStateBytes}'s warm-up,
   * on every thread that works in it: the request thread, the stage pool that runs the hydrator and
   * the scorer (both may block), and the near caches' maintenance thread that replays the hits. The
   * store's own thread is idle: no store call is made in the window. Beside it, a positive control
   * (the same requests plus one object every 25) must fail the same check.
   */
  @Test
  void aWarmRequestServedFromTheNearCacheAllocatesNothing() {
    fill(posts, 0, 1000, 2);
    final FeatureFetch fetch = FeatureFetch.builder("posts", posts).features(LIKES, QUALITY)
        .nearCache(cache(2)).build();
    final Pipeline p = pipeline(FetchHydrator.builder().fetch(fetch).build(),
        LIKES, QUALITY);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final Request r = new Request().ids(range(0, 1000));
    run(p, ctx, page, r);
    final Runnable warm = () -> run(p, ctx, page, r);
    final long[] threads = LongStream.concat(
        LongStream.of(WorkerPool.sharedForBlockingStages().threadIds()),
        LongStream.of(NearCacheTest.maintenanceThread(warm))).toArray();
    assertThat(Allocations.steadyStateBytes(2_000, warm, threads))
        .as("bytes over 2,000 warm requests of 1,000 candidates, on every thread").isZero();
    assertThat(posts.calls.get()).as("store calls: every warm key is a hit").isEqualTo(1);
    assertValues(r, 2);
    assertThat(Allocations.total(2_000, Allocations.allocatingEvery(25, warm), threads))
        .as("positive control, one object every 25 requests").isPositive();
  }

  @Test
  void buildRejectsMisconfiguration() {
    assertThatThrownBy(() -> FetchHydrator.builder().build()).hasMessageContaining("at least one fetch");
    assertThatThrownBy(() -> FeatureFetch.builder("x", posts).features(LIKES).nearCache(cache(2)).build())
        .hasMessageContaining("1 features but its near cache holds records of 2");
    assertThatThrownBy(() -> FeatureFetch.builder("x", posts).features(USER_AGE))
        .hasMessageContaining("not a candidate feature");
    final FeatureFetch a = FeatureFetch.builder("a", posts).features(LIKES).build();
    final FeatureFetch b = FeatureFetch.builder("b", authors).features(LIKES).build();
    assertThatThrownBy(() -> FetchHydrator.builder().fetch(a).fetch(b).build())
        .hasMessageContaining("fetched by two fetches");
  }
}
