package dev.trawl.cli;

import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.shadow.RequestRecord;
import dev.trawl.vector.Metric;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongPredicate;
import org.agrona.collections.Long2LongHashMap;

/**
 * The posts a {@code trawl shadow} configuration runs over: an index, post metadata (author,
 * community, creation time), the ring of recent posts, a trending list and the taken-down set.
 *
 * <p>The <b>demo corpus</b> is {@code trawl demo}'s {@link FeedCorpus} (communities with a topic
 * each, authors who mostly post at home, posts over the last two days, a few taken down, an
 * engagement-ranked trending list of 200), generated from the seed; the index is built on one
 * thread, so the same spec gives the same graph and the same pages on every run.
 *
 * <p>A <b>snapshot corpus</b> loads the index; metadata is synthesised from the ids (author {@code id
 * % 1000}, community {@code id % 40}), set as the loaded index's attributes (the request filter
 * excludes blocked authors and muted communities by them), and creation times from the insertion
 * order (ordinal), since a snapshot holds no feed metadata.
 *
 * <p>Immutable once built; the pipelines built over it are thread-safe.
 */
final class ShadowCorpus {
  /** The demo's "now" ({@code trawl demo}'s): fixed, so requests and posts agree on every run. */
  static final long NOW = DemoCommand.NOW_MILLIS;
  private static final int RECENT = 4_096;
  private static final int TRENDING = 200;
  private static final int SEEN_PER_USER = 16;

  private final FeedConfig.CorpusSpec spec;
  private final VectorIndex index;
  private final ItemMetadata attributes;
  private final RecentItems recent = new RecentItems(RECENT);
  private final CandidateSource trending;
  private final LongPredicate takenDown;
  /** Demo only: the generated feed, to draw users from. */
  private final FeedCorpus feed;

  private ShadowCorpus(FeedConfig.CorpusSpec spec, VectorIndex index, ItemMetadata attributes,
      long[] orderedIds, CandidateSource trending, LongPredicate takenDown, FeedCorpus feed) {
    this.spec = spec;
    this.index = index;
    this.attributes = attributes;
    this.trending = trending;
    this.takenDown = takenDown;
    this.feed = feed;
    for (int i = Math.max(0, orderedIds.length - RECENT); i < orderedIds.length; i++) {
      final long id = orderedIds[i];
      recent.append(id, attributes.author(id), attributes.community(id), attributes.createdAt(id));
    }
  }

  /** Builds or loads the corpus of {@code spec}; progress goes to {@code err}. */
  static ShadowCorpus of(FeedConfig.CorpusSpec spec, PrintWriter err) {
    return spec.isDemo() ? demo(spec, err) : snapshot(spec, err);
  }

  private static ShadowCorpus demo(FeedConfig.CorpusSpec spec, PrintWriter err) {
    final FeedCorpus feed =
        new FeedCorpus(spec.posts(), spec.dimension(), spec.communities(), NOW, spec.seed());
    err.printf(Locale.ROOT, "building the %s%n", spec.describe());
    err.flush();
    final Indexing.Rows rows = new Indexing.Rows() {
      @Override
      public int count() {
        return feed.posts();
      }

      @Override
      public int dimension() {
        return feed.dimension;
      }

      @Override
      public void read(int row, float[] out) {
        feed.embedding(row, out);
      }

      @Override
      public String name() {
        return "demo corpus";
      }

      @Override
      public boolean attributes(int row, ItemAttributes attributes) {
        // the request filter excludes blocked authors and muted communities by these
        attributes.author(feed.author(row)).community(feed.community(row)).flags(feed.flags(row));
        return true;
      }
    };
    final VectorIndex index;
    try (Progress bar = Progress.start(err, "indexing", feed.posts(), null)) {
      index = Indexing.build(rows, null, new Indexing.Params(Metric.COSINE, 16, 100, spec.seed(), 1), bar);
    }
    final long[] ids = new long[feed.posts()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i; // FeedCorpus ids are in publication order
    }
    return new ShadowCorpus(spec, index, feed, ids, feed.trending(TRENDING), feed::isTakenDown, feed);
  }

  private static ShadowCorpus snapshot(FeedConfig.CorpusSpec spec, PrintWriter err) {
    final Snapshots.Loaded loaded = Snapshots.load(spec.snapshot());
    final VectorIndex index = loaded.index();
    err.printf(Locale.ROOT, "loaded %s (%,d items, %d dims) in %.3f s%n", spec.snapshot(), index.size(),
        index.dimension(), loaded.seconds());
    err.flush();
    final long[] ids = index.ids();
    if (ids.length == 0) {
      throw new CliError(spec.snapshot() + ": the index is empty");
    }
    final Long2LongHashMap created = new Long2LongHashMap(ids.length * 2, 0.65f, CandidateBatch.UNKNOWN);
    for (int i = 0; i < ids.length; i++) {
      created.put(ids[i], NOW - 60_000L * (ids.length - i));
    }
    final ItemMetadata attributes = new ItemMetadata() {
      @Override
      public long author(long id) {
        return Math.floorMod(id, 1_000L);
      }

      @Override
      public long community(long id) {
        return Math.floorMod(id, 40L);
      }

      @Override
      public long createdAt(long id) {
        return created.get(id);
      }
    };
    // the request filter excludes blocked authors and muted communities by the index's attributes:
    // give every post the synthesised ones
    final ItemAttributes indexed = new ItemAttributes();
    for (long id : ids) {
      indexed.clear().author(attributes.author(id)).community(attributes.community(id));
      index.setAttributes(id, indexed);
    }
    final Random random = new Random(42);
    final long[] trendingIds = new long[Math.min(TRENDING, ids.length)];
    for (int i = 0; i < trendingIds.length; i++) {
      trendingIds[i] = ids[random.nextInt(ids.length)];
    }
    return new ShadowCorpus(spec, index, attributes, ids, HomeFeedVariant.trendingList(trendingIds),
        id -> id % 97 == 13, null);
  }

  VectorIndex index() {
    return index;
  }

  FeedConfig.CorpusSpec spec() {
    return spec;
  }

  /** A new pipeline instance of {@code variant} over this corpus. */
  Pipeline pipeline(HomeFeedVariant variant) {
    return variant.build(index, recent, attributes, takenDown, trending);
  }

  /**
   * Seeded demo requests: {@link FeedCorpus#user} users (interest 70/30 in two communities, which they
   * follow; {@value #SEEN_PER_USER} seen posts of the first; one blocked author of it), user ids
   * drawn from {@code seed}.
   *
   * @throws CliError if this is not a demo corpus
   */
  List<RequestRecord> demoRequests(int count, long seed) {
    return demoRequests(count, seed, -1);
  }

  /**
   * Demo requests of users drawn with {@code seed}; with {@code community >= 0} only users whose primary
   * community it is (a shifted population, for drift demos).
   */
  List<RequestRecord> demoRequests(int count, long seed, int community) {
    if (feed == null) {
      throw new CliError("demo requests need a demo corpus (corpus = demo), not " + spec.describe());
    }
    final Random random = new Random(seed);
    final List<RequestRecord> out = new ArrayList<>(count);
    int attempts = 0;
    for (int u = 0; u < count; u++) {
      FeedCorpus.User user = feed.user(random.nextInt(1 << 30), SEEN_PER_USER);
      while (community >= 0 && user.primary() != community) {
        if (++attempts > 1000 * count) {
          throw new CliError("no demo user has primary community " + community);
        }
        user = feed.user(random.nextInt(1 << 30), SEEN_PER_USER);
      }
      final RequestRecord r = new RequestRecord().userId(user.id()).nowMillis(NOW)
          .seed(seed * 1_000_003L + u).vector(user.interest(), user.interest().length);
      r.addFollowedCommunity(user.primary()).addFollowedCommunity(user.secondary());
      for (long id : user.seen()) {
        r.addSeen(id);
      }
      r.addBlockedAuthor(user.blockedAuthor());
      out.add(r);
    }
    return out;
  }
}
