package dev.trawl.examples.service;

import dev.trawl.cli.FeedCorpus;
import dev.trawl.examples.feed.HomeFeedPipeline;
import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.index.WriteOutcome;
import dev.trawl.kafka.EventFormat;
import dev.trawl.kafka.PostEvent;
import dev.trawl.kafka.PostEventListener;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Everything the feed service serves from: a seeded synthetic corpus ({@link FeedCorpus}: posts,
 * authors, communities, users), the index of its posts, the ring of recent posts, the metadata of
 * posts that arrived later through the stream, and the home-feed pipeline over all of them.
 *
 * <p>Posts streamed in (see {@link #listener()}) are written into the same index by the Kafka
 * connector; this class keeps what the index does not hold in a form the pipeline reads (author,
 * community, creation time) so the pipeline can hydrate and rank them, and appends them to the recent
 * ring so the fresh source sees them at once. Their creation times outlive a restart in a
 * {@link StreamedPostTimes} file beside the snapshot.
 *
 * <p><b>Thread-safety:</b> immutable after {@link #build} apart from the streamed-post state, which
 * is safe for one or more applying threads beside any number of serving threads. <b>Allocation:</b>
 * metadata lookups of corpus posts allocate nothing; lookups of streamed posts go through a concurrent
 * map with boxed keys (one small allocation per lookup), which is the price of an unbounded id space.
 */
public final class CorpusWorld implements ItemMetadata {
  /** Recent posts the fresh source scans. */
  static final int RECENT_CAPACITY = 4_096;

  /** Seen posts per user, drawn by the corpus from the user's favourite community. */
  static final int SEEN_PER_USER = 30;

  private final FeedCorpus corpus;
  private final VectorIndex index;
  private final RecentItems recent;
  private final int users;
  private final ConcurrentHashMap<Long, long[]> streamed = new ConcurrentHashMap<>();
  private final AtomicLong streamedApplied = new AtomicLong();
  private final CandidateSource trending;
  private final UnaryOperator<HomeFeedVariant> stages;
  private final boolean userStateInStore;
  private final Pipeline pipeline;
  private final LongSupplier clock;

  private CorpusWorld(Options o, FeedCorpus corpus, VectorIndex index) {
    this.corpus = corpus;
    this.index = index;
    this.users = o.users;
    this.clock = o.clock;
    this.recent = new RecentItems(RECENT_CAPACITY);
    for (int id = Math.max(0, corpus.posts() - RECENT_CAPACITY); id < corpus.posts(); id++) {
      recent.append(id, corpus.author(id), corpus.community(id), corpus.createdAt(id));
    }
    if (o.index != null) {
      restoreStreamed(o.streamedCreatedAt);
    }
    this.trending = o.trending != null ? o.trending : corpus.trending(200);
    this.stages = o.stages;
    this.userStateInStore = o.userStateInStore;
    this.pipeline = pipeline(HomeFeedPipeline.live());
  }

  /**
   * Posts a loaded snapshot holds beyond the corpus arrived through the stream before it was
   * written: their author and community are in the index's attributes, their creation time in
   * {@code createdAt} (read from the {@link StreamedPostTimes} file beside the snapshot). Those with a
   * known time go back into the recent ring, oldest first, so the fresh source sees them as before
   * the restart; a post without one (no times file, or one from another cut of the stream) ranks as
   * a post of unknown age and stays out of the ring.
   */
  private void restoreStreamed(Map<Long, Long> createdAt) {
    final ItemAttributes a = new ItemAttributes();
    final List<long[]> timed = new ArrayList<>();
    for (long id : index.ids()) {
      if (!inCorpus(id)) {
        index.attributes(id, a);
        final Long time = createdAt.get(id);
        final long[] post = {known(a.author()), known(a.community()),
            time == null ? CandidateBatch.UNKNOWN : time};
        streamed.put(id, post);
        if (time != null) {
          timed.add(new long[] {id, post[0], post[1], time});
        }
      }
    }
    timed.sort(Comparator.comparingLong((long[] p) -> p[3]).thenComparingLong(p -> p[0]));
    for (int i = Math.max(0, timed.size() - RECENT_CAPACITY); i < timed.size(); i++) {
      final long[] p = timed.get(i);
      recent.append(p[0], p[1], p[2], p[3]);
    }
  }

  /**
   * The creation time of every streamed post this world knows one for (a copy), for the
   * {@link StreamedPostTimes} file written beside a snapshot. Call once nothing applies events.
   */
  public Map<Long, Long> streamedCreatedAt() {
    final Map<Long, Long> times = new HashMap<>();
    streamed.forEach((id, post) -> {
      if (post[2] != CandidateBatch.UNKNOWN) {
        times.put(id, post[2]);
      }
    });
    return times;
  }

  private static long known(long attribute) {
    return attribute == ItemAttributes.NONE ? CandidateBatch.UNKNOWN : attribute;
  }

  /** What to build: sizes and seed. Mutable; not thread-safe. */
  public static final class Options {
    int posts = 20_000;
    int users = 1_000;
    int dimension = 64;
    int communities = 40;
    long seed = 7;
    int threads = 1;
    long nowMillis = System.currentTimeMillis();
    CandidateSource trending;
    LongSupplier clock = System::currentTimeMillis;
    VectorIndex index;
    Map<Long, Long> streamedCreatedAt = Map.of();
    UnaryOperator<HomeFeedVariant> stages = UnaryOperator.identity();
    boolean userStateInStore;

    /** Posts in the generated corpus (at least 100). */
    public Options posts(int posts) {
      this.posts = posts;
      return this;
    }

    /** Users that may ask for a feed: ids 0 to users - 1. */
    public Options users(int users) {
      this.users = users;
      return this;
    }

    /** Embedding dimension (at least 2). */
    public Options dimension(int dimension) {
      this.dimension = dimension;
      return this;
    }

    /** Communities (at least 4). */
    public Options communities(int communities) {
      this.communities = communities;
      return this;
    }

    /** Seed of the corpus and of the graph. */
    public Options seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Threads building the index. */
    public Options threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** The corpus's "now" (posts span the two days before it). Default: the wall clock at creation. */
    public Options nowMillis(long nowMillis) {
      this.nowMillis = nowMillis;
      return this;
    }

    /**
     * The time requests are ranked at, epoch milliseconds. Default: the wall clock. Tests fix it so
     * that freshness, and so the ranking, does not move between two calls.
     */
    public Options clock(LongSupplier clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Serves from {@code loaded} (a snapshot of an earlier run with the same corpus options) instead
     * of building the index: the build is skipped, and posts the snapshot holds beyond the corpus
     * are taken as streamed ones. Its dimension must be {@link #dimension} and its metric cosine.
     */
    public Options index(VectorIndex loaded) {
      this.index = loaded;
      return this;
    }

    /**
     * With {@link #index}: the creation times of the streamed posts the snapshot holds (from
     * {@link StreamedPostTimes#read}); posts not in it rank as posts of unknown age. Kept.
     */
    public Options streamedCreatedAt(Map<Long, Long> createdAt) {
      this.streamedCreatedAt = createdAt;
      return this;
    }

    /**
     * Adds stages to the feed's definition, applied to the live settings and to every variant built
     * with {@link CorpusWorld#pipeline(HomeFeedVariant)} (e.g. Redis-backed user state and features).
     * With {@code userStateInStore}, a stage of {@code stages} reads the users' seen posts and blocks,
     * so the service does not fill them from the corpus.
     */
    public Options stages(UnaryOperator<HomeFeedVariant> stages, boolean userStateInStore) {
      this.stages = stages;
      this.userStateInStore = userStateInStore;
      return this;
    }

    /** Replaces the trending source (tests use one that fails to show the degraded flag). */
    Options trending(CandidateSource trending) {
      this.trending = trending;
      return this;
    }
  }

  /** New options with the defaults (20,000 posts, 1,000 users, 64 dimensions, 40 communities). */
  public static Options options() {
    return new Options();
  }

  /**
   * Generates the corpus and builds its index.
   *
   * @throws IllegalArgumentException for sizes the corpus cannot be built with
   */
  public static CorpusWorld build(Options o) throws InterruptedException {
    if (o.posts < 100 || o.users < 1 || o.dimension < 2 || o.communities < 4 || o.threads < 1) {
      throw new IllegalArgumentException(
          "need posts >= 100, users >= 1, dimension >= 2, communities >= 4 and threads >= 1");
    }
    final FeedCorpus corpus = new FeedCorpus(o.posts, o.dimension, o.communities, o.nowMillis, o.seed);
    if (o.index != null) {
      if (o.index.dimension() != o.dimension || o.index.metric() != Metric.COSINE) {
        throw new IllegalArgumentException("the snapshot holds a " + o.index.dimension() + "-dimensional "
            + o.index.metric() + " index; the corpus needs " + o.dimension + " dimensions, COSINE");
      }
      return new CorpusWorld(o, corpus, o.index);
    }
    final VectorIndex index =
        VectorIndex.builder(o.dimension, Metric.COSINE).m(16).efConstruction(100).seed(o.seed).build();
    // posts are split by stride over the threads; the index takes concurrent adds
    final AtomicInteger next = new AtomicInteger();
    final Thread[] workers = new Thread[o.threads];
    final Throwable[] failure = new Throwable[1];
    for (int t = 0; t < workers.length; t++) {
      workers[t] =
          new Thread(
              () -> {
                final float[] v = new float[o.dimension];
                final ItemAttributes attributes = new ItemAttributes();
                try {
                  for (int id = next.getAndIncrement(); id < o.posts; id = next.getAndIncrement()) {
                    corpus.embedding(id, v);
                    index.add(id, v, attributes.clear().author(corpus.author(id))
                        .community(corpus.community(id)).flags(corpus.flags(id)));
                  }
                } catch (Throwable e) {
                  synchronized (failure) {
                    failure[0] = e;
                  }
                }
              },
              "trawl-world-build-" + t);
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException("building the index failed", failure[0]);
    }
    return new CorpusWorld(o, corpus, index);
  }

  /** The index (shared with the stream consumer, which writes streamed posts into it). */
  public VectorIndex index() {
    return index;
  }

  /** The ring of recent posts the fresh source scans. */
  RecentItems recent() {
    return recent;
  }

  /** The home-feed pipeline over this world; shared by all serving threads. */
  public Pipeline pipeline() {
    return pipeline;
  }

  /**
   * Builds {@code variant} over this world's data, with the stages the options added (for shadow
   * lanes: the same data and stores, another definition of the feed).
   */
  public Pipeline pipeline(HomeFeedVariant variant) {
    return stages.apply(variant).build(index, recent, this, corpus::isTakenDown, trending);
  }

  /** Whether a stage reads the users' seen posts and blocks from a store (the service adds none). */
  public boolean userStateInStore() {
    return userStateInStore;
  }

  /** The generated corpus. */
  public FeedCorpus corpus() {
    return corpus;
  }

  /** Now, as requests are ranked: epoch milliseconds from the configured clock. */
  public long nowMillis() {
    return clock.getAsLong();
  }

  /** Users: ids 0 to {@code users() - 1}. */
  public int users() {
    return users;
  }

  /** User {@code id} (allocates: the corpus derives the user from the seed). */
  public FeedCorpus.User user(int id) {
    return corpus.user(id, SEEN_PER_USER);
  }

  /** Posts streamed in and applied since start. */
  public long streamedApplied() {
    return streamedApplied.get();
  }

  /**
   * The hook the Kafka connector calls for every applied event: remembers a streamed post's author,
   * community and creation time and appends it to the recent ring; forgets a removed one.
   */
  public PostEventListener listener() {
    return this::onEvent;
  }

  private void onEvent(PostEvent event, WriteOutcome outcome) {
    if (outcome != WriteOutcome.APPLIED) {
      return;
    }
    final long id = event.id();
    if (event.op() == EventFormat.REMOVE) {
      streamed.remove(id);
      return;
    }
    final ItemAttributes a = event.attributes();
    final long author = known(a.author());
    final long community = known(a.community());
    streamed.put(id, new long[] {author, community, event.createdAt()});
    recent.append(id, author, community, event.createdAt());
    streamedApplied.incrementAndGet();
  }

  private boolean inCorpus(long id) {
    return id >= 0 && id < corpus.posts();
  }

  private long streamedField(long id, int field) {
    final long[] post = streamed.get(id);
    return post == null ? CandidateBatch.UNKNOWN : post[field];
  }

  @Override
  public long author(long id) {
    return inCorpus(id) ? corpus.author(id) : streamedField(id, 0);
  }

  @Override
  public long community(long id) {
    return inCorpus(id) ? corpus.community(id) : streamedField(id, 1);
  }

  @Override
  public long createdAt(long id) {
    return inCorpus(id) ? corpus.createdAt(id) : streamedField(id, 2);
  }
}
