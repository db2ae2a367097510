package dev.trawl.examples.feed;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineBuilder;
import dev.trawl.pipeline.QueryHydrator;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.stages.AttributeHydrator;
import dev.trawl.pipeline.stages.DiversityCap;
import dev.trawl.pipeline.stages.FreshnessDecay;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.MmrDiversity;
import dev.trawl.pipeline.stages.RecencySource;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.RemovedItemsRule;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.stages.VectorSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * The {@link HomeFeedPipeline} with its knobs exposed, so two variants of the same feed can be
 * compared (shadow testing): the interest source's {@code k} and {@code ef}, which sources,
 * exclusions and diversity selectors are on, the scoring weights, the caps, MMR and the page size.
 * Stage names and order are those of {@link HomeFeedPipeline#build}; switching a stage off removes
 * it, nothing else moves.
 *
 * <p>By default the built pipelines run their sources on the calling thread ({@code
 * sourcesOnCallerThread()}), which is what shadow lanes and offline replay want: one request's work
 * stays on one thread. {@link HomeFeedPipeline#build} is this class with the live settings (sources
 * on the pipeline's pool, a 150 ms deadline, per-source timeouts).
 *
 * <p><b>Not thread-safe</b> (a set-up object; setters validate and throw {@link
 * IllegalArgumentException} naming the bad value, leaving the variant unchanged). The pipelines it
 * builds are thread-safe and allocation-free per request, like the home feed's.
 */
public final class HomeFeedVariant {
  /** Source names, in declaration order. */
  public static final List<String> SOURCES = List.of("interest", "fresh", "trending");
  /**
   * What the feed excludes: {@code seen}, {@code blocked} (authors) and {@code muted} (communities)
   * are folded into the request's filter, composed by the {@code exclusions} stage, searched with by
   * the interest source and applied to the other sources' candidates by the {@code excluded} stage
   * (both exist while any of the three is on); {@code taken-down} is a stage of its own.
   */
  public static final List<String> EXCLUSIONS = List.of("seen", "blocked", "muted", "taken-down");
  /** Selectors that may be switched off ({@code rank} and {@code page} always run). */
  public static final List<String> SELECTORS = List.of("author-cap", "community-cap", "mmr");

  private String name = "home-feed";
  private final Set<String> sources = new LinkedHashSet<>(SOURCES);
  private final Set<String> exclusions = new LinkedHashSet<>(EXCLUSIONS);
  private final Set<String> selectors = new LinkedHashSet<>(SELECTORS);
  private int interestK = 500;
  private int interestEf = 600;
  private int freshCount = 300;
  private float sourceWeight = 1f;
  private float affinityWeight = 0.4f;
  private float freshBoost = 0.05f;
  private long freshnessHalfLifeMillis = TimeUnit.DAYS.toMillis(1);
  private int authorCap = 2;
  private int communityCap = 8;
  private float mmrLambda = 0.7f;
  private int mmrPool = 200;
  private int pageSize = 50;
  private long timeoutMillis = 150;
  private final long[] sourceTimeoutMillis = new long[SOURCES.size()];
  private boolean callerThread = true;
  private QueryHydrator userState;
  private CandidateHydrator fetchedFeatures;
  private Feature fetchedFeature;
  private float fetchedWeight;
  private final List<Extra> extras = new ArrayList<>();

  /** A host's hydrator added after the built-in ones. */
  private record Extra(String name, CandidateHydrator stage, StageOptions options) {}

  /** The home feed's settings, except that sources have no timeout of their own. */
  public HomeFeedVariant() {}

  /** A trending source returning {@code ids} in order, with scores falling from 1 (for demos). */
  public static CandidateSource trendingList(long[] ids) {
    return new HomeFeedPipeline.TrendingList(ids);
  }

  public HomeFeedVariant name(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must be non-blank");
    }
    this.name = name;
    return this;
  }

  /** The sources that run, a non-empty subset of {@link #SOURCES}. */
  public HomeFeedVariant sources(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("at least one source must be on; known sources: " + SOURCES);
    }
    replace(sources, names, SOURCES, "source");
    return this;
  }

  /** What the feed excludes, a subset of {@link #EXCLUSIONS}. */
  public HomeFeedVariant exclusions(List<String> names) {
    replace(exclusions, names, EXCLUSIONS, "exclusion");
    return this;
  }

  /** The optional selectors that run, a subset of {@link #SELECTORS}. */
  public HomeFeedVariant selectors(List<String> names) {
    replace(selectors, names, SELECTORS, "selector");
    return this;
  }

  /** Candidates from the interest (vector) source. */
  public HomeFeedVariant interestK(int k) {
    this.interestK = positive(k, "interest k");
    return this;
  }

  /** Beam width of the interest source's graph search (raised to k if smaller). */
  public HomeFeedVariant interestEf(int ef) {
    this.interestEf = positive(ef, "interest ef");
    return this;
  }

  /** Most candidates from the fresh (recency) source. */
  public HomeFeedVariant freshCount(int count) {
    this.freshCount = positive(count, "fresh count");
    return this;
  }

  /** Weight of the source's own score in the weighted scorer. */
  public HomeFeedVariant sourceWeight(float w) {
    this.sourceWeight = finite(w, "source weight");
    return this;
  }

  /** Weight of the author affinity feature in the weighted scorer. */
  public HomeFeedVariant affinityWeight(float w) {
    this.affinityWeight = finite(w, "affinity weight");
    return this;
  }

  /** Score added to every candidate of the fresh source. */
  public HomeFeedVariant freshBoost(float boost) {
    this.freshBoost = finite(boost, "fresh boost");
    return this;
  }

  /** Age at which the freshness decay halves a score. */
  public HomeFeedVariant freshnessHalfLifeMillis(long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException("freshness half-life must be positive, got " + millis + " ms");
    }
    this.freshnessHalfLifeMillis = millis;
    return this;
  }

  public HomeFeedVariant authorCap(int max) {
    this.authorCap = positive(max, "author cap");
    return this;
  }

  public HomeFeedVariant communityCap(int max) {
    this.communityCap = positive(max, "community cap");
    return this;
  }

  /** MMR trade-off in [0, 1]: 1 is pure relevance. */
  public HomeFeedVariant mmrLambda(float lambda) {
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("mmr lambda must be in [0, 1], got " + lambda);
    }
    this.mmrLambda = lambda;
    return this;
  }

  /** Top candidates MMR considers. */
  public HomeFeedVariant mmrPool(int pool) {
    this.mmrPool = positive(pool, "mmr pool");
    return this;
  }

  public HomeFeedVariant pageSize(int size) {
    this.pageSize = positive(size, "page size");
    return this;
  }

  /** Request deadline. */
  public HomeFeedVariant timeoutMillis(long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException("timeout must be positive, got " + millis + " ms");
    }
    this.timeoutMillis = millis;
    return this;
  }

  /** Every source's own timeout; 0 (the default) leaves sources bounded by the request deadline only. */
  public HomeFeedVariant sourceTimeoutMillis(long millis) {
    return sourceTimeoutsMillis(millis, millis, millis);
  }

  /** Per-source timeouts of interest, fresh and trending; 0 = bounded by the request deadline only. */
  public HomeFeedVariant sourceTimeoutsMillis(long interest, long fresh, long trending) {
    final long[] t = {interest, fresh, trending};
    for (long millis : t) {
      if (millis < 0) {
        throw new IllegalArgumentException("source timeout must be >= 0, got " + millis + " ms");
      }
    }
    System.arraycopy(t, 0, sourceTimeoutMillis, 0, t.length);
    return this;
  }

  /**
   * A query hydrator that reads the user's state (seen posts, blocked authors) from the host's store
   * into the request, e.g. {@code UserStateHydrator} over Redis; it runs before the request filter
   * is composed. Without one, the host fills the request's id sets itself.
   */
  public HomeFeedVariant userState(QueryHydrator stage) {
    this.userState = stage;
    return this;
  }

  /**
   * A candidate hydrator that fetches post features from the host's store (e.g. a
   * {@code FetchHydrator} over Redis), and the weight of one of its features in the score.
   */
  public HomeFeedVariant fetchedFeatures(CandidateHydrator hydrator, Feature scored, float weight) {
    this.fetchedFeatures = hydrator;
    this.fetchedFeature = scored;
    this.fetchedWeight = finite(weight, "fetched feature weight");
    return this;
  }

  /**
   * One more candidate hydrator of the host's, run after the built-in hydrators with the default
   * stage options (the service's fault drill adds a stage that can be made to hang this way).
   */
  public HomeFeedVariant extraHydrator(String stageName, CandidateHydrator stage) {
    return extraHydrator(stageName, stage, StageOptions.defaults());
  }

  /**
   * One more candidate hydrator of the host's, run after the built-in hydrators and the extra ones
   * added before it, with {@code options} (say fail-closed: the shadow's fault drill adds a stage
   * whose throws fail the candidate's runs this way).
   */
  public HomeFeedVariant extraHydrator(String stageName, CandidateHydrator stage, StageOptions options) {
    if (stageName == null || stageName.isBlank() || stage == null || options == null) {
      throw new IllegalArgumentException("an extra hydrator needs a non-blank name, a stage and options");
    }
    extras.add(new Extra(stageName, stage, options));
    return this;
  }

  /** Whether sources run on the calling thread (default) or on the pipeline's worker pool. */
  public HomeFeedVariant sourcesOnCallerThread(boolean callerThread) {
    this.callerThread = callerThread;
    return this;
  }

  public int interestEf() {
    return interestEf;
  }

  public List<String> exclusions() {
    return List.copyOf(exclusions);
  }

  public List<String> sources() {
    return List.copyOf(sources);
  }

  /**
   * Builds the variant over the host's data (the arguments of {@link HomeFeedPipeline#build}).
   *
   * @throws IllegalArgumentException if the pipeline does not validate
   */
  public Pipeline build(VectorIndex index, RecentItems recent, ItemMetadata attributes,
      LongPredicate takenDown, CandidateSource trending) {
    final PipelineBuilder b = Pipeline.builder(name)
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .pageSize(pageSize)
        .validIds(index::contains)
        .queryHydrator("activity", HomeFeedPipeline.ACTIVITY,
            StageOptions.defaults().writes(HomeFeedPipeline.USER_ACTIVITY));
    if (userState != null) {
      b.queryHydrator("user-state", userState);
    }
    final boolean excludes =
        exclusions.contains("seen") || exclusions.contains("blocked") || exclusions.contains("muted");
    final RequestFilterHydrator requestFilter = excludes
        ? RequestFilterHydrator.builder(index).excludeSeen(exclusions.contains("seen"))
            .excludeBlockedAuthors(exclusions.contains("blocked"))
            .excludeMutedCommunities(exclusions.contains("muted")).build()
        : null;
    if (excludes) {
      // required: without it the interest source and the excluded stage fail rather than show
      // seen or blocked posts
      b.queryHydrator("exclusions", requestFilter,
          StageOptions.defaults().policy(StageOptions.Policy.FAIL_CLOSED));
    }
    int freshSource = -1;
    int declared = 0;
    if (sources.contains("interest")) {
      final VectorSource.Builder interest = VectorSource.builder(index).k(interestK).ef(interestEf);
      b.source("interest", (excludes ? interest.filter(requestFilter) : interest).build(),
          sourceOptions(0, interestK));
      declared++;
    }
    if (sources.contains("fresh")) {
      b.source("fresh", new RecencySource(recent, freshCount, TimeUnit.DAYS.toMillis(2),
          TimeUnit.HOURS.toMillis(6), true), sourceOptions(1, freshCount));
      freshSource = declared++;
    }
    if (sources.contains("trending")) {
      b.source("trending", trending, sourceOptions(2, 200));
    }
    b.hydrator("attributes", new AttributeHydrator(attributes))
        .hydrator("affinity", new HomeFeedPipeline.AffinityHydrator());
    if (fetchedFeatures != null) {
      b.hydrator("fetched", fetchedFeatures);
    }
    for (Extra e : extras) {
      b.hydrator(e.name(), e.stage(), e.options());
    }
    if (excludes) {
      b.rule("excluded", requestFilter.rule());
    }
    if (exclusions.contains("taken-down")) {
      b.rule("taken-down", RemovedItemsRule.of(takenDown));
    }
    final LinearScorer.Builder weighted = LinearScorer.builder().sourceScore(sourceWeight)
        .weight(HomeFeedPipeline.AUTHOR_AFFINITY, affinityWeight);
    if (fetchedFeatures != null) {
      weighted.weight(fetchedFeature, fetchedWeight);
    }
    if (freshSource >= 0) {
      weighted.sourceBoost(freshSource, freshBoost);
    }
    b.scorer("weighted", weighted.build())
        .scorer("freshness", new FreshnessDecay(freshnessHalfLifeMillis, 0.5f))
        .selector("rank", SortByScore.instance());
    if (selectors.contains("author-cap")) {
      b.selector("author-cap", DiversityCap.perAuthor(authorCap));
    }
    if (selectors.contains("community-cap")) {
      b.selector("community-cap", DiversityCap.perCommunity(communityCap));
    }
    if (selectors.contains("mmr")) {
      b.selector("mmr", new MmrDiversity(index, mmrLambda, mmrPool));
    }
    b.selector("page", Truncate.toPages(1));
    return (callerThread ? b.sourcesOnCallerThread() : b).build();
  }

  private StageOptions sourceOptions(int source, int expected) {
    final StageOptions o = StageOptions.defaults().expectedCandidates(expected);
    final long timeout = sourceTimeoutMillis[source];
    return timeout > 0 ? o.timeout(timeout, TimeUnit.MILLISECONDS) : o;
  }

  private static void replace(Set<String> into, List<String> names, List<String> known, String what) {
    final List<String> unknown = new ArrayList<>();
    for (String n : names) {
      if (!known.contains(n)) {
        unknown.add(n);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown " + what + (unknown.size() > 1 ? "s " : " ") + unknown
          + "; known: " + known);
    }
    into.clear();
    // keep pipeline order whatever order the names came in
    for (String k : known) {
      if (names.contains(k)) {
        into.add(k);
      }
    }
  }

  private static int positive(int v, String what) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
    return v;
  }

  private static float finite(float v, String what) {
    if (!Float.isFinite(v)) {
      throw new IllegalArgumentException(what + " must be finite, got " + v);
    }
    return v;
  }
}
