package dev.trawl.fetch;

import dev.trawl.collect.StripedCounters;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.NanoClock;
import dev.trawl.pipeline.RequestContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A candidate hydrator that fetches the features of the whole batch from one or more stores at once,
 * asynchronously, through near caches, within its own deadline.
 *
 * <pre>{@code
 * FetchHydrator features = FetchHydrator.builder()
 *     .fetch(postFeatures)             // a FeatureFetch: Redis, near cache, breaker
 *     .fetch(authorStats)              // a second store: its read overlaps the first one's
 *     .timeout(15, TimeUnit.MILLISECONDS)
 *     .build();
 * pipeline = Pipeline.builder("home") ... .hydrator("features", features) ...
 * pipeline.execute(ctx, page);
 * if (page.degraded()) { ... }         // some key was not fetched in time: defaults were served
 * }</pre>
 *
 * <h2>One request</h2>
 * <ol>
 *   <li>For each fetch, every candidate id is looked up in the near cache: hits are written into the
 *       feature columns, negative hits and misses get the features' defaults.
 *   <li>Each miss is claimed or joined in the fetch's in-flight table: a key another request is
 *       already fetching is waited for, not fetched again (coalescing). The keys this request claimed
 *       go to the store as one {@link FetchCall}, unless the fetch's circuit breaker is open.
 *   <li>Every fetch's call is started before any is awaited, so reads from two stores overlap: the
 *       stage takes as long as the slowest store, not the sum.
 *   <li>The request thread parks until every key it waits for is published or the stage deadline
 *       passes: {@code min(request deadline, start + timeout)}. It never waits longer. With a
 *       {@link Builder#missWait miss wait}, it stops at that instead and defers the keys still out.
 * </ol>
 *
 * <h2>Failures</h2>
 * A key that timed out, failed, or was refused by an open breaker keeps its defaults, and the request
 * is <i>degraded</i>: the stage calls {@link RequestContext#markDegraded()}, so the page is
 * {@link dev.trawl.pipeline.PipelineResult#degraded()} (and later stages can ask
 * {@link RequestContext#markedDegraded()}), and counts it. What else happens is
 * the {@link OnFailure} setting:
 * <ul>
 *   <li>{@link OnFailure#WRITE_DEFAULTS} (default): the stage returns normally, keeping every value it
 *       did get; only the missing ones are defaults.
 *   <li>{@link OnFailure#FAIL_STAGE}: the stage throws {@link FetchException} after the deadline; the
 *       pipeline's {@link dev.trawl.pipeline.StageOptions.Policy} decides: fail-open (the default
 *       for hydrators) resets every declared column to its default and marks the page
 *       {@link dev.trawl.pipeline.PipelineResult#degraded()}; fail-closed fails the request.
 * </ul>
 * Store errors never reach the host as exceptions in {@code WRITE_DEFAULTS} mode; a store that keeps
 * failing or stalling opens the breaker, after which requests stop waiting for it at all.
 *
 * <p><b>Thread-safety:</b> immutable and shared by every request thread; per-request state is in the
 * context's scratch. <b>Allocation:</b> none when every key is a near-cache hit (the warm hit path);
 * a request with misses allocates its {@link FetchCall}, one small in-flight entry per claimed key,
 * and whatever the store client allocates.
 */
public final class FetchHydrator implements CandidateHydrator {
  /** What the stage does when some keys could not be fetched in time. */
  public enum OnFailure {
    /** Keep what was fetched, defaults for the rest, mark the request degraded; never throw. */
    WRITE_DEFAULTS,
    /** Mark the request degraded, then throw {@link FetchException}: the stage's pipeline policy decides. */
    FAIL_STAGE
  }

  private final FeatureFetch[] fetches;
  private final long timeoutNanos;
  /** How long a request waits for misses before deferring them; negative: until the stage deadline. */
  private final long missWaitNanos;
  private final OnFailure onFailure;
  private final NanoClock clock;
  private final Feature[] writes;
  private final StripedCounters counters = new StripedCounters(2);
  private final StripedCounters.Counter requests = counters.newCounter();
  private final StripedCounters.Counter degradedRequests = counters.newCounter();

  private FetchHydrator(Builder b) {
    this.fetches = b.fetches.toArray(new FeatureFetch[0]);
    this.timeoutNanos = b.timeoutNanos;
    this.missWaitNanos = b.missWaitNanos;
    this.onFailure = b.onFailure;
    this.clock = b.clock;
    final List<Feature> all = new ArrayList<>();
    for (FeatureFetch f : fetches) {
      for (Feature x : f.features()) {
        if (all.contains(x)) {
          throw new IllegalArgumentException(x + " is fetched by two fetches of one hydrator");
        }
        all.add(x);
      }
    }
    this.writes = all.toArray(new Feature[0]);
  }

  /** {@return a new builder with no fetch yet (timeout 50 ms, defaults written on failure)} */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Feature[] writes() {
    return writes.clone();
  }

  @Override
  public Object newScratch() {
    return new Scratch(fetches);
  }

  /** {@return the requests this stage ran} */
  public long requests() {
    return requests.sum();
  }

  /**
   * {@return the requests this stage served degraded (some key timed out, failed or was refused)}
   */
  public long degradedRequests() {
    return degradedRequests.sum();
  }

  @Override
  public void hydrate(RequestContext ctx, CandidateBatch batch) {
    final Scratch s = ctx.scratch();
    final long start = clock.nanoTime();
    final long end = start + timeoutNanos;
    final long deadline = Math.min(ctx.deadlineNanos(), end < start ? Long.MAX_VALUE : end);
    final int n = batch.size();
    s.ensure(n);
    final Thread self = Thread.currentThread();
    int waiting = 0;
    for (int g = 0; g < fetches.length; g++) {
      waiting += begin(fetches[g], s.groups[g], batch, n, start, self);
    }
    // with a miss wait shorter than the deadline, keys still out when it passes are deferred, not late
    final long missDeadline = missWaitNanos < 0 ? deadline : Math.min(deadline, start + missWaitNanos);
    if (waiting > 0) {
      await(s, missDeadline, self);
    }
    final boolean defer = missDeadline != deadline && !self.isInterrupted();
    boolean degraded = false;
    for (int g = 0; g < fetches.length; g++) {
      degraded |= finish(fetches[g], s.groups[g], defer);
    }
    requests.increment();
    if (degraded) {
      ctx.markDegraded();
      degradedRequests.increment();
      if (onFailure == OnFailure.FAIL_STAGE) {
        throw new FetchException(describeFailure(s));
      }
    }
  }

  /**
   * Serves what the near cache has, claims or joins the misses, starts this request's store call.
   * Returns the number of keys to wait for.
   */
  private static int begin(FeatureFetch f, Group gs, CandidateBatch batch, int n, long now,
      Thread self) {
    final int w = f.width();
    final float[][] cols = gs.columns;
    for (int j = 0; j < w; j++) {
      cols[j] = batch.featureColumn(f.feature(j));
    }
    final float[] defaults = gs.defaults;
    final float[] row = gs.row;
    final long[] ids = batch.ids();
    final NearCache cache = f.cache;
    final int[] missRows = gs.missRows;
    gs.waitCount = 0;
    gs.failed = 0;
    gs.call = null;
    final byte[] outcomes = gs.outcomes;
    final float[] rows = gs.rows;
    // one batch lookup for every candidate: the probes overlap, hits are recorded after them
    int hits = 0;
    if (cache == null) {
      Arrays.fill(outcomes, 0, n, (byte) NearCache.MISS);
    } else {
      hits = cache.getAll(ids, 0, n, now, rows, outcomes);
    }
    int negative = 0;
    int misses = 0;
    for (int r = 0; r < n; r++) {
      final int found = outcomes[r];
      if (found == NearCache.HIT) {
        final int o = r * w;
        for (int j = 0; j < w; j++) {
          cols[j][r] = rows[o + j];
        }
      } else {
        for (int j = 0; j < w; j++) {
          cols[j][r] = defaults[j];
        }
        if (found == NearCache.ABSENT) {
          negative++;
        } else {
          missRows[misses++] = r;
        }
      }
    }
    f.lookups.add(n);
    if (misses == 0) {
      f.cacheHits.add(hits);
      f.negativeHits.add(negative);
      return 0;
    }
    final FetchCall call = new FetchCall(f, misses);
    final boolean[] cached = gs.found;
    int joined = 0;
    for (int k = 0; k < misses; k++) {
      final int r = missRows[k];
      final InFlight.Pending p = f.inFlight.claimOrJoin(ids[r], now, call, cache, row, cached, f);
      if (p == null) {
        // published between our cache lookup and the claim: a hit after all
        if (cached[0]) {
          for (int j = 0; j < w; j++) {
            cols[j][r] = row[j];
          }
          hits++;
        } else {
          negative++;
        }
        continue;
      }
      if (p.call != call) {
        joined++;
        p.call.addWaiter(self);
      }
      gs.waitPending[gs.waitCount] = p;
      gs.waitRows[gs.waitCount++] = r;
    }
    f.cacheHits.add(hits);
    f.negativeHits.add(negative);
    if (joined > 0) {
      f.coalesced.add(joined);
    }
    final int claimed = call.size();
    if (claimed > 0) {
      if (f.breaker != null && !f.breaker.tryAcquire()) {
        f.refusedKeys.add(claimed);
        call.refuse();
      } else {
        call.addWaiter(self);
        f.storeCalls.increment();
        f.claimed.add(claimed);
        gs.call = call;
        try {
          f.fetcher().fetch(call);
        } catch (RuntimeException | LinkageError | AssertionError e) {
          f.fetcherErrors.increment();
          call.failUnpublished(e);
        }
      }
    }
    return gs.waitCount;
  }

  /** Parks until every awaited key is published or the deadline passes. */
  private void await(Scratch s, long deadline, Thread self) {
    while (true) {
      int left = 0;
      for (int g = 0; g < fetches.length; g++) {
        left += sweep(fetches[g], s.groups[g]);
      }
      if (left == 0) {
        return;
      }
      final long now = clock.nanoTime();
      if (now - deadline >= 0 || self.isInterrupted()) {
        return; // an interrupted thread would not park: stop waiting, keep the flag for the host
      }
      LockSupport.parkNanos(this, deadline - now);
    }
  }

  /** Writes the published keys' answers, drops them from the wait list; returns how many are left. */
  private static int sweep(FeatureFetch f, Group gs) {
    final int w = f.width();
    final float[][] cols = gs.columns;
    final InFlight.Pending[] pending = gs.waitPending;
    final int[] rows = gs.waitRows;
    int count = gs.waitCount;
    for (int k = 0; k < count; ) {
      final InFlight.Pending p = pending[k];
      final int status = p.call.status(p.index);
      if (status == FetchCall.PENDING) {
        k++;
        continue;
      }
      final int r = rows[k];
      if (status == FetchCall.FOUND) {
        final float[] v = p.call.values();
        final int o = p.index * w;
        for (int j = 0; j < w; j++) {
          cols[j][r] = v[o + j];
        }
      } else if (status == FetchCall.FAILED) {
        gs.failed++;
      }
      // absent or malformed: the defaults written by begin() stay
      count--;
      pending[k] = pending[count];
      rows[k] = rows[count];
      pending[count] = null;
    }
    gs.waitCount = count;
    return count;
  }

  /**
   * Accounts for keys still unanswered when the request stopped waiting; returns whether the fetch
   * degraded. Deferred keys (the miss wait passed) keep their defaults without degrading the request,
   * and their call goes on without being reported slow: its own outcome tells the breaker.
   */
  private static boolean finish(FeatureFetch f, Group gs, boolean defer) {
    final int late = gs.waitCount;
    if (late > 0) {
      (defer ? f.deferredKeys : f.timedOutKeys).add(late);
      Arrays.fill(gs.waitPending, 0, late, null);
      gs.waitCount = 0;
    }
    if (gs.call != null) {
      if (!defer) {
        gs.call.tooSlow();
      }
      gs.call = null;
    }
    return (late > 0 && !defer) || gs.failed > 0;
  }

  private String describeFailure(Scratch s) {
    final StringBuilder b = new StringBuilder("fetch degraded:");
    for (int g = 0; g < fetches.length; g++) {
      final FeatureFetch f = fetches[g];
      b.append(' ').append(f.name()).append(" (failed ").append(s.groups[g].failed)
          .append(" keys, last store failure: ").append(f.lastFailure()).append(')');
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return "FetchHydrator" + Arrays.toString(fetches);
  }

  /** Per-context state: one group per fetch. Grows with the largest batch, then is reused. */
  static final class Scratch {
    final Group[] groups;

    Scratch(FeatureFetch[] fetches) {
      groups = new Group[fetches.length];
      for (int g = 0; g < fetches.length; g++) {
        groups[g] = new Group(fetches[g]);
      }
    }

    void ensure(int n) {
      for (Group g : groups) {
        g.ensure(n);
      }
    }
  }

  /** One fetch's part of a request. */
  static final class Group {
    final float[][] columns;
    final float[] defaults;
    final float[] row;
    final boolean[] found = new boolean[1];
    int[] missRows = new int[0];
    byte[] outcomes = new byte[0];
    float[] rows = new float[0];
    int[] waitRows = new int[0];
    InFlight.Pending[] waitPending = new InFlight.Pending[0];
    int waitCount;
    int failed;
    FetchCall call;

    Group(FeatureFetch f) {
      columns = new float[f.width()][];
      defaults = new float[f.width()];
      for (int j = 0; j < defaults.length; j++) {
        defaults[j] = f.feature(j).defaultValue();
      }
      row = new float[f.width()];
    }

    void ensure(int n) {
      if (missRows.length < n) {
        final int c = Math.max(n, missRows.length * 2);
        missRows = new int[c];
        outcomes = new byte[c];
        rows = new float[c * row.length];
        waitRows = new int[c];
        waitPending = new InFlight.Pending[c];
      }
    }
  }

  /** Configures a {@link FetchHydrator}. Not thread-safe. */
  public static final class Builder {
    private final List<FeatureFetch> fetches = new ArrayList<>();
    private long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(50);
    private long missWaitNanos = -1;
    private OnFailure onFailure = OnFailure.WRITE_DEFAULTS;
    private NanoClock clock = NanoClock.SYSTEM;

    private Builder() {}

    /**
     * Adds a store's fetch; all of a request's fetches run concurrently.
     *
     * @param fetch a store's fetch, kept
     * @return this builder, for chaining
     */
    public Builder fetch(FeatureFetch fetch) {
      fetches.add(Objects.requireNonNull(fetch, "fetch"));
      return this;
    }

    /**
     * The stage's own deadline, counted from its start and capped by the request deadline (default
     * 50 ms).
     *
     * @param amount the duration in {@code unit}s, positive
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
      }
      this.timeoutNanos = unit.toNanos(amount);
      return this;
    }

    /**
     * How long a request waits for the keys its near caches do not hold (default: until the stage's
     * deadline). Keys not answered by then are <i>deferred</i>: this request serves their features'
     * defaults, without being marked degraded, and their store read goes on in the background and
     * fills the near cache, so the requests after it hit. Counted in {@link FetchStats#deferredKeys()}.
     * A store read that fails within the wait still degrades the request; one that fails after it is
     * counted by the fetch and its circuit breaker only.
     *
     * <p>For features a page can be ranked without for one request (counts, scores of other models):
     * it bounds the stage's latency by the wait plus the near-cache lookups, whatever the store's
     * round trip, at the price of defaults for the keys that were cold.
     *
     * @param amount the longest wait for misses, 0 for none
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if negative
     */
    public Builder missWait(long amount, TimeUnit unit) {
      if (amount < 0) {
        throw new IllegalArgumentException("miss wait must be >= 0, got " + amount + " " + unit);
      }
      this.missWaitNanos = unit.toNanos(amount);
      return this;
    }

    /**
     * What to do when keys could not be fetched (default {@link OnFailure#WRITE_DEFAULTS}).
     *
     * @param onFailure the policy for keys without an answer
     * @return this builder, for chaining
     */
    public Builder onFailure(OnFailure onFailure) {
      this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
      return this;
    }

    /**
     * The clock deadlines are measured with: the pipeline's clock (default {@link
     * NanoClock#SYSTEM}).
     *
     * @param clock the clock; kept
     * @return this builder, for chaining
     */
    public Builder clock(NanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the stage.
     *
     * @return a new, thread-safe stage
     * @throws IllegalStateException if no fetch was added
     * @throws IllegalArgumentException if two fetches fill the same feature
     */
    public FetchHydrator build() {
      if (fetches.isEmpty()) {
        throw new IllegalStateException("a fetch hydrator needs at least one fetch");
      }
      return new FetchHydrator(this);
    }
  }
}
