package dev.trawl.fetch;

import dev.trawl.collect.StripedCounters;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.NanoClock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One store's candidate features, as a {@link FetchHydrator} fetches them: which {@link Feature}
 * columns a record fills (in record order), the {@link Fetcher} that reads records from the store,
 * the {@link NearCache} in front of it (optional), the {@link CircuitBreaker} guarding it (optional),
 * and the table of keys in flight that coalesces concurrent misses of one key into one store read.
 *
 * <pre>{@code
 * FeatureFetch postFeatures = FeatureFetch.builder("post-features", redisFetcher)
 *     .features(LIKES, REPLIES, QUALITY, ...)     // record field i fills feature i
 *     .nearCache(cache)                           // width must equal the number of features
 *     .breaker(breaker)
 *     .kinds(id -> id > freshPostIds ? 1 : 0)     // the near cache's ttl kind per key
 *     .build();
 * }</pre>
 *
 * <p>A fetch is <b>shared</b>: one per store, used by every request thread and by any number of
 * hydrators (its in-flight table is what makes coalescing work across them). <b>Thread-safe.</b>
 * Counters are striped by thread ({@link StripedCounters}) and allocate nothing when updated;
 * {@link #stats()} allocates its snapshot.
 */
public final class FeatureFetch {
  /** The near-cache kind (time to live class) of a key; must be thread-safe and allocation-free. */
  @FunctionalInterface
  public interface KindFunction {
    /** Every key is kind 0. */
    KindFunction SINGLE = key -> 0;

    /**
     * The kind of {@code key}.
     *
     * @param key an item key
     * @return its kind, {@code 0 <= kind < NearCache.MAX_KINDS}
     */
    int kindOf(long key);
  }

  private final String name;
  private final Fetcher fetcher;
  private final Feature[] features;
  final NearCache cache;
  final CircuitBreaker breaker;
  private final KindFunction kinds;
  final NanoClock clock;
  final InFlight inFlight;
  volatile Throwable lastFailure;

  private final StripedCounters counters = new StripedCounters(15);
  final StripedCounters.Counter lookups = counters.newCounter();
  final StripedCounters.Counter cacheHits = counters.newCounter();
  final StripedCounters.Counter negativeHits = counters.newCounter();
  final StripedCounters.Counter coalesced = counters.newCounter();
  final StripedCounters.Counter claimed = counters.newCounter();
  final StripedCounters.Counter storeCalls = counters.newCounter();
  final StripedCounters.Counter found = counters.newCounter();
  final StripedCounters.Counter absent = counters.newCounter();
  final StripedCounters.Counter malformed = counters.newCounter();
  final StripedCounters.Counter failedKeys = counters.newCounter();
  final StripedCounters.Counter timedOutKeys = counters.newCounter();
  final StripedCounters.Counter deferredKeys = counters.newCounter();
  final StripedCounters.Counter refusedKeys = counters.newCounter();
  final StripedCounters.Counter staleReplaced = counters.newCounter();
  final StripedCounters.Counter fetcherErrors = counters.newCounter();

  private FeatureFetch(Builder b) {
    this.name = b.name;
    this.fetcher = b.fetcher;
    this.features = b.features;
    this.cache = b.cache;
    this.breaker = b.breaker;
    this.kinds = b.kinds;
    this.clock = b.clock;
    this.inFlight = new InFlight(b.maxInFlightNanos);
  }

  /**
   * Starts a builder for the store read by {@code fetcher}, called {@code name} in counters and
   * errors.
   *
   * @param name the store's name in counters and errors
   * @param fetcher the store's reader; thread-safe, kept
   * @return a new builder
   */
  public static Builder builder(String name, Fetcher fetcher) {
    return new Builder(name, fetcher);
  }

  /** {@return the name given to the builder} */
  public String name() {
    return name;
  }

  /** {@return the floats per record: the number of features} */
  public int width() {
    return features.length;
  }

  /** {@return a new copy of the features a record fills, in record order} */
  public Feature[] features() {
    return features.clone();
  }

  Feature feature(int i) {
    return features[i];
  }

  Fetcher fetcher() {
    return fetcher;
  }

  /** {@return the near cache, or {@code null} when the fetch has none} */
  public NearCache nearCache() {
    return cache;
  }

  /** {@return the circuit breaker, or {@code null} when the fetch has none} */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * {@return the most recent failure a fetcher reported through {@link FetchCall#fail}, or {@code
   * null}}
   */
  public Throwable lastFailure() {
    return lastFailure;
  }

  int kindOf(long key) {
    return kinds.kindOf(key);
  }

  /** {@return the keys in flight right now (takes every stripe lock; for tests and diagnostics)} */
  public int inFlightKeys() {
    return inFlight.size();
  }

  void countPublished(int foundKeys, int absentKeys, int malformedKeys, int failed) {
    if (foundKeys > 0) {
      found.add(foundKeys);
    }
    if (absentKeys > 0) {
      absent.add(absentKeys);
    }
    if (malformedKeys > 0) {
      malformed.add(malformedKeys);
    }
    if (failed > 0) {
      failedKeys.add(failed);
    }
  }

  /** {@return a new snapshot of the counters (allocates)} */
  public FetchStats stats() {
    return new FetchStats(lookups.sum(), cacheHits.sum(), negativeHits.sum(), coalesced.sum(),
        claimed.sum(), storeCalls.sum(), found.sum(), absent.sum(), malformed.sum(),
        failedKeys.sum(), timedOutKeys.sum(), deferredKeys.sum(), refusedKeys.sum(), staleReplaced.sum(),
        fetcherErrors.sum());
  }

  @Override
  public String toString() {
    return "FeatureFetch[" + name + ", " + features.length + " features, cache=" + (cache != null)
        + ", breaker=" + (breaker != null) + "]";
  }

  /** Configures a {@link FeatureFetch}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Fetcher fetcher;
    private Feature[] features;
    private NearCache cache;
    private CircuitBreaker breaker;
    private KindFunction kinds = KindFunction.SINGLE;
    private NanoClock clock = NanoClock.SYSTEM;
    private long maxInFlightNanos = TimeUnit.SECONDS.toNanos(10);

    private Builder(String name, Fetcher fetcher) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("fetch name must be non-blank");
      }
      this.name = name;
      this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    }

    /**
     * The candidate features a record fills, in record order (required, at least one, all
     * {@link Feature.Kind#CANDIDATE}, no repeats).
     *
     * @param features the features, copied
     * @return this builder, for chaining
     */
    public Builder features(Feature... features) {
      if (features.length == 0) {
        throw new IllegalArgumentException("fetch '" + name + "' needs at least one feature");
      }
      for (int i = 0; i < features.length; i++) {
        final Feature f = Objects.requireNonNull(features[i], "feature " + i);
        if (f.kind() != Feature.Kind.CANDIDATE) {
          throw new IllegalArgumentException(f + " is not a candidate feature (Feature.candidate)");
        }
        for (int j = 0; j < i; j++) {
          if (features[j] == f) {
            throw new IllegalArgumentException(f + " is listed twice");
          }
        }
      }
      this.features = features.clone();
      return this;
    }

    /**
     * The near cache in front of the store; its width must equal the number of features.
     *
     * @param cache the cache, kept (it may be shared by fetches of the same record layout)
     * @return this builder, for chaining
     */
    public Builder nearCache(NearCache cache) {
      this.cache = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /**
     * The breaker guarding the store.
     *
     * @param breaker the breaker, kept
     * @return this builder, for chaining
     */
    public Builder breaker(CircuitBreaker breaker) {
      this.breaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /**
     * The near-cache kind of each key (default: every key kind 0).
     *
     * @param kinds the key-to-kind function, kept
     * @return this builder, for chaining
     */
    public Builder kinds(KindFunction kinds) {
      this.kinds = Objects.requireNonNull(kinds, "kinds");
      return this;
    }

    /**
     * The clock near-cache times are taken from (default {@link NanoClock#SYSTEM}).
     *
     * @param clock the clock; kept
     * @return this builder, for chaining
     */
    public Builder clock(NanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How long a claimed key may stay unanswered before a later request presumes its fetcher lost the
     * call and fetches it again (default 10 s; a fetcher with a command timeout never gets there).
     *
     * @param amount the duration in {@code unit}s, positive
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxInFlight(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("maxInFlight must be positive, got " + amount + " " + unit);
      }
      this.maxInFlightNanos = unit.toNanos(amount);
      return this;
    }

    /**
     * Builds the fetch.
     *
     * @return a new, thread-safe fetch
     * @throws IllegalStateException if no features were given
     * @throws IllegalArgumentException if the near cache's width differs from the feature count
     */
    public FeatureFetch build() {
      if (features == null) {
        throw new IllegalStateException("fetch '" + name + "' has no features; call features(...)");
      }
      if (cache != null && cache.width() != features.length) {
        throw new IllegalArgumentException("fetch '" + name + "' has " + features.length
            + " features but its near cache holds records of " + cache.width() + " floats");
      }
      return new FeatureFetch(this);
    }
  }
}
