package dev.trawl.cli;

import dev.trawl.examples.feed.HomeFeedVariant;
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
 * <p>The <b>demo corpus</b> is generated from a seed: {@code communities} centres in {@code dimension}
 * dimensions, each post near the centre of its community (spread 0.6 per component, as the demo
 * command), {@value #AUTHORS_PER_COMMUNITY} authors per community, one post a minute-ish up to
 * {@link #NOW} (ids in publication order), every 97th post taken down, 50 trending posts. The index is
 * built on one thread, so the same spec gives the same graph and the same pages on every run.
 *
 * <p>A <b>snapshot corpus</b> loads the index; metadata is synthesised from the ids (author {@code id
 * % 1000}, community {@code id % 40}) and creation times from the insertion order (ordinal), since a
 * snapshot holds no feed metadata.
 *
 * <p>Immutable once built; the pipelines built over it are thread-safe.
 */
final class ShadowCorpus {
  /** The demo's "now": fixed, so recorded requests and generated posts agree on every run. */
  static final long NOW = 1_700_000_000_000L;
  static final int AUTHORS_PER_COMMUNITY = 25;
  private static final int RECENT = 4_096;
  private static final int TRENDING = 50;
  private static final float SPREAD = 0.6f;

  private final FeedConfig.CorpusSpec spec;
  private final VectorIndex index;
  private final ItemMetadata attributes;
  private final RecentItems recent = new RecentItems(RECENT);
  private final long[] trending;
  private final LongPredicate takenDown = id -> id % 97 == 13;
  /** Demo only: community centres, to draw users' interests from. */
  private final float[][] centres;
  private final long[] communityOf;

  private ShadowCorpus(FeedConfig.CorpusSpec spec, VectorIndex index, ItemMetadata attributes,
      long[] orderedIds, float[][] centres, long[] communityOf, long seed) {
    this.spec = spec;
    this.index = index;
    this.attributes = attributes;
    this.centres = centres;
    this.communityOf = communityOf;
    for (int i = Math.max(0, orderedIds.length - RECENT); i < orderedIds.length; i++) {
      final long id = orderedIds[i];
      recent.append(id, attributes.author(id), attributes.community(id), attributes.createdAt(id));
    }
    final Random random = new Random(seed ^ 0x7E4D);
    trending = new long[Math.min(TRENDING, orderedIds.length)];
    for (int i = 0; i < trending.length; i++) {
      trending[i] = orderedIds[random.nextInt(orderedIds.length)];
    }
  }

  /** Builds or loads the corpus of {@code spec}; progress goes to {@code err}. */
  static ShadowCorpus of(FeedConfig.CorpusSpec spec, PrintWriter err) {
    return spec.isDemo() ? demo(spec, err) : snapshot(spec, err);
  }

  private static ShadowCorpus demo(FeedConfig.CorpusSpec spec, PrintWriter err) {
    final int n = spec.posts();
    final int dim = spec.dimension();
    final Random random = new Random(spec.seed());
    final float[][] centres = new float[spec.communities()][dim];
    for (float[] c : centres) {
      for (int d = 0; d < dim; d++) {
        c[d] = (float) random.nextGaussian();
      }
    }
    final float[][] vectors = new float[n][dim];
    final long[] community = new long[n];
    final long[] author = new long[n];
    for (int id = 0; id < n; id++) {
      final int c = random.nextInt(centres.length);
      community[id] = c;
      author[id] = (long) c * AUTHORS_PER_COMMUNITY + random.nextInt(AUTHORS_PER_COMMUNITY);
      for (int d = 0; d < dim; d++) {
        vectors[id][d] = centres[c][d] + SPREAD * (float) random.nextGaussian();
      }
    }
    err.printf(Locale.ROOT, "building the %s%n", spec.describe());
    err.flush();
    final VectorIndex index;
    try (Progress bar = Progress.start(err, "indexing", n, null)) {
      index = Indexing.build(Indexing.of(vectors, "demo corpus"), null,
          new Indexing.Params(Metric.COSINE, 16, 100, spec.seed(), 1), bar);
    }
    // one post every spacing ms, the last one a minute before NOW: ids are in publication order
    final long spacing = Math.max(1, 7L * 24 * 3_600_000 / n);
    final ItemMetadata attributes = new ItemMetadata() {
      @Override
      public long author(long id) {
        return id >= 0 && id < n ? author[(int) id] : CandidateBatch.UNKNOWN;
      }

      @Override
      public long community(long id) {
        return id >= 0 && id < n ? community[(int) id] : CandidateBatch.UNKNOWN;
      }

      @Override
      public long createdAt(long id) {
        return id >= 0 && id < n ? NOW - 60_000 - (n - 1 - id) * spacing : CandidateBatch.UNKNOWN;
      }
    };
    final long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    return new ShadowCorpus(spec, index, attributes, ids, centres, community, spec.seed());
  }

  private static ShadowCorpus snapshot(FeedConfig.CorpusSpec spec, PrintWriter err) {
    final Snapshots.Loaded loaded = Snapshots.load(spec.snapshot());
    final VectorIndex index = loaded.index();
    err.printf(Locale.ROOT, "loaded %s (%,d items, %d dims) in %.3f s%n", spec.snapshot(), index.size(),
        index.dimension(), loaded.seconds());
    err.flush();
    final int ordinals = index.graph().size();
    final List<Long> live = new ArrayList<>();
    for (int ord = 0; ord < ordinals; ord++) {
      final long id = index.idOf(ord);
      if (index.contains(id) && index.ordinalOf(id) == ord) {
        live.add(id);
      }
    }
    if (live.isEmpty()) {
      throw new CliError(spec.snapshot() + ": the index is empty");
    }
    final long[] ids = new long[live.size()];
    final Long2LongHashMap created = new Long2LongHashMap(ids.length * 2, 0.65f, CandidateBatch.UNKNOWN);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = live.get(i);
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
    return new ShadowCorpus(spec, index, attributes, ids, null, null, 42);
  }

  VectorIndex index() {
    return index;
  }

  FeedConfig.CorpusSpec spec() {
    return spec;
  }

  /** A new pipeline instance of {@code variant} over this corpus. */
  Pipeline pipeline(HomeFeedVariant variant) {
    final CandidateSource trendingSource = HomeFeedVariant.trendingList(trending);
    return variant.build(index, recent, attributes, takenDown, trendingSource);
  }

  /**
   * Seeded demo requests: each user has a home community (interest vector near its centre, spread
   * 0.4), follows it and one other, has seen 8 recent posts of the communities it follows and 8 posts
   * anywhere, and blocks 3 authors of its home community.
   *
   * @throws CliError if this is not a demo corpus
   */
  List<RequestRecord> demoRequests(int count, long seed) {
    if (centres == null) {
      throw new CliError("demo requests need a demo corpus (corpus = demo), not " + spec.describe());
    }
    final Random random = new Random(seed);
    final int dim = spec.dimension();
    final int n = spec.posts();
    final float[] vector = new float[dim];
    final List<RequestRecord> out = new ArrayList<>(count);
    for (int u = 0; u < count; u++) {
      final int home = random.nextInt(centres.length);
      final int other = random.nextInt(centres.length);
      for (int d = 0; d < dim; d++) {
        vector[d] = centres[home][d] + 0.4f * (float) random.nextGaussian();
      }
      final RequestRecord r = new RequestRecord().userId(u).nowMillis(NOW)
          .seed(seed * 1_000_003L + u).vector(vector, dim);
      r.addFollowedCommunity(home);
      if (other != home) {
        r.addFollowedCommunity(other);
      }
      final int recentFrom = Math.max(0, n - RECENT);
      int seen = 0;
      for (int attempt = 0; attempt < 2_000 && seen < 8; attempt++) {
        final int id = recentFrom + random.nextInt(n - recentFrom);
        if (communityOf[id] == home || communityOf[id] == other) {
          r.addSeen(id);
          seen++;
        }
      }
      for (int i = 0; i < 8; i++) {
        r.addSeen(random.nextInt(n));
      }
      for (int i = 0; i < 3; i++) {
        r.addBlockedAuthor((long) home * AUTHORS_PER_COMMUNITY + random.nextInt(AUTHORS_PER_COMMUNITY));
      }
      out.add(r);
    }
    return out;
  }
}
