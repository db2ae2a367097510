package dev.trawl.cli;

import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.ItemMetadata;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded synthetic feed: communities with a topic each (a centre in embedding space, some far more
 * popular than others), authors who mostly post in their home community, posts spread over a week with
 * an embedding near their community's topic, published over the last two days, a few flagged NSFW and a few taken down by moderation,
 * and users who like one or two communities, follow them, have seen some of their posts and block an
 * author. Everything derives from the seed, so the same seed gives the same corpus on every JVM.
 *
 * <p>Serves as the pipeline's {@link ItemMetadata} lookup: immutable after construction, so
 * thread-safe, and lookups allocate nothing.
 */
public final class FeedCorpus implements ItemMetadata {
  /** Flag bit of posts marked not safe for work (indexed as an attribute). */
  static final int NSFW = 0;

  private static final long SPAN_MILLIS = 2L * 24 * 3600 * 1000;
  private static final int AUTHORS_PER_COMMUNITY = 25;

  /** Embedding dimension. */
  public final int dimension;
  /** Communities. */
  public final int communities;
  /** The corpus's "now". */
  public final long nowMillis;
  private final long seed;
  private final float[][] topics;
  private final double[] popularity; // cumulative community weights
  private final int[] community;
  private final int[] author;
  private final long[] createdAt;
  private final long[] flags;
  private final boolean[] takenDown;
  private final int[][] postsByCommunity;

  /**
   * Generates the corpus.
   *
   * @param posts posts (ids 0 to posts - 1)
   * @param dimension embedding dimension
   * @param communities communities
   * @param nowMillis the corpus's "now": posts are published over the two days before it
   * @param seed everything derives from it
   */
  public FeedCorpus(int posts, int dimension, int communities, long nowMillis, long seed) {
    this.dimension = dimension;
    this.communities = communities;
    this.nowMillis = nowMillis;
    this.seed = seed;
    final SplittableRandom random = new SplittableRandom(seed);
    topics = new float[communities][dimension];
    for (float[] topic : topics) {
      for (int d = 0; d < dimension; d++) {
        topic[d] = (float) gaussian(random);
      }
    }
    popularity = new double[communities];
    double total = 0;
    for (int c = 0; c < communities; c++) {
      total += 1.0 / Math.pow(c + 1, 0.8); // a few big communities, a long tail of small ones
      popularity[c] = total;
    }
    for (int c = 0; c < communities; c++) {
      popularity[c] /= total;
    }
    community = new int[posts];
    author = new int[posts];
    createdAt = new long[posts];
    flags = new long[posts];
    takenDown = new boolean[posts];
    final int[] perCommunity = new int[communities];
    for (int id = 0; id < posts; id++) {
      final int c = pickCommunity(random);
      community[id] = c;
      perCommunity[c]++;
      // most authors post at home; one post in five comes from anywhere
      author[id] =
          random.nextInt(5) == 0
              ? random.nextInt(communities * AUTHORS_PER_COMMUNITY)
              : c * AUTHORS_PER_COMMUNITY + random.nextInt(AUTHORS_PER_COMMUNITY);
      // ids are in publication order over the last two days
      createdAt[id] = nowMillis - SPAN_MILLIS + (id * SPAN_MILLIS) / posts;
      flags[id] = random.nextInt(33) == 0 ? 1L << NSFW : 0L;
      takenDown[id] = random.nextInt(300) == 0;
    }
    postsByCommunity = new int[communities][];
    for (int c = 0; c < communities; c++) {
      postsByCommunity[c] = new int[perCommunity[c]];
    }
    Arrays.fill(perCommunity, 0);
    for (int id = 0; id < posts; id++) {
      postsByCommunity[community[id]][perCommunity[community[id]]++] = id;
    }
  }

  /** Posts in the corpus. */
  public int posts() {
    return community.length;
  }

  int authors() {
    return communities * AUTHORS_PER_COMMUNITY;
  }

  /** The embedding of post {@code id}: its community's topic plus noise, from a per-post seed. */
  public void embedding(int id, float[] out) {
    final SplittableRandom random = new SplittableRandom(seed * 31 + id);
    final float[] topic = topics[community[id]];
    for (int d = 0; d < dimension; d++) {
      out[d] = topic[d] + 0.5f * (float) gaussian(random);
    }
  }

  /** Flag bits of post {@code id}. */
  public long flags(int id) {
    return flags[id];
  }

  /** Whether moderation took post {@code id} down (false for ids outside the corpus). */
  public boolean isTakenDown(long id) {
    return id >= 0 && id < takenDown.length && takenDown[(int) id];
  }

  @Override
  public long author(long id) {
    return author[(int) id];
  }

  @Override
  public long community(long id) {
    return community[(int) id];
  }

  @Override
  public long createdAt(long id) {
    return createdAt[(int) id];
  }

  /** One user: the communities they like (the first one more), their seen posts and blocked author. */
  public record User(int id, int primary, int secondary, float[] interest, long[] seen, long blockedAuthor) {}

  /**
   * User {@code id}: likes a primary and a secondary community (70/30), has seen {@code seenCount} posts
   * of the primary one, blocks one of its authors.
   */
  public User user(int id, int seenCount) {
    final SplittableRandom random = new SplittableRandom(seed * 17 + 1_000_003L * id);
    final int primary = pickCommunity(random);
    int secondary = pickCommunity(random);
    if (secondary == primary) {
      secondary = (primary + 1) % communities;
    }
    final float[] interest = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      interest[d] =
          0.7f * topics[primary][d] + 0.3f * topics[secondary][d] + 0.3f * (float) gaussian(random);
    }
    final int[] pool = postsByCommunity[primary];
    final long[] seen = new long[Math.min(seenCount, pool.length)];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = pool[random.nextInt(pool.length)];
    }
    final long blocked = primary * AUTHORS_PER_COMMUNITY + random.nextInt(AUTHORS_PER_COMMUNITY);
    return new User(id, primary, secondary, interest, seen, blocked);
  }

  /**
   * A trending list: {@code count} of the last day's posts with the most (synthetic, seeded)
   * engagement, scored 0.6 down to 0.3, a stand-in for an engagement-ranked list the host refreshes
   * elsewhere.
   */
  public CandidateSource trending(int count) {
    final SplittableRandom random = new SplittableRandom(seed * 13 + 5);
    final long dayAgo = nowMillis - SPAN_MILLIS / 2;
    final long[] packed = new long[posts()];
    int n = 0;
    for (int id = 0; id < posts(); id++) {
      if (createdAt[id] >= dayAgo && !takenDown[id]) {
        // engagement, higher in popular communities; packed high so that sorting ranks by it
        final long engagement = (long) (random.nextDouble() * 1_000_000 / (1 + community[id] * 0.1));
        packed[n++] = (engagement << 32) | id;
      }
    }
    Arrays.sort(packed, 0, n);
    final long[] list = new long[Math.min(count, n)];
    for (int i = 0; i < list.length; i++) {
      list[i] = packed[n - 1 - i] & 0xFFFFFFFFL;
    }
    return (RequestContext ctx, CandidateSink out) -> {
      for (int i = 0; i < list.length; i++) {
        out.add(list[i], 0.6f - 0.3f * i / list.length);
      }
    };
  }

  private int pickCommunity(SplittableRandom random) {
    final double u = random.nextDouble();
    for (int c = 0; c < communities; c++) {
      if (u < popularity[c]) {
        return c;
      }
    }
    return communities - 1;
  }

  private static double gaussian(SplittableRandom random) {
    double u;
    double v;
    double s;
    do {
      u = random.nextDouble() * 2 - 1;
      v = random.nextDouble() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * Math.sqrt(-2 * Math.log(s) / s);
  }
}
