package dev.trawl.pipeline.testkit;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.RecentItems;

/**
 * Stand-ins for the host-side services a feed pipeline reads (post metadata, a trending list, a
 * feature store), derived from the ids by arithmetic, so tests, benchmarks and examples can run a
 * realistic pipeline over a generated corpus without a database. Every value is a pure function of
 * its inputs: the same ids give the same feed on every run.
 *
 * <p>The returned objects are immutable and thread-safe; their methods allocate nothing, so they can
 * sit on a request path that an allocation test measures. The factory methods allocate.
 */
public final class SyntheticFeed {
  private SyntheticFeed() {}

  /**
   * Post metadata derived from the id: author {@code id % authors}, community
   * {@code id % communities}, created {@code (id % ageCycle) * ageStepMillis} before {@code nowMillis}.
   *
   * @throws IllegalArgumentException if {@code authors}, {@code communities} or {@code ageCycle} is not
   *     positive, or {@code ageStepMillis} is negative
   */
  public static ItemMetadata metadata(
      long authors, long communities, long nowMillis, long ageCycle, long ageStepMillis) {
    if (authors <= 0 || communities <= 0 || ageCycle <= 0 || ageStepMillis < 0) {
      throw new IllegalArgumentException(
          "authors, communities and ageCycle must be positive and ageStepMillis >= 0, got "
              + authors + ", " + communities + ", " + ageCycle + ", " + ageStepMillis);
    }
    return new IdDerivedMetadata(authors, communities, nowMillis, ageCycle, ageStepMillis);
  }

  /**
   * A ring of the newest posts: ids {@code [max(0, items - capacity), items)}, one every
   * {@code intervalMillis} up to {@code nowMillis}, with authors and communities from {@code metadata}.
   */
  public static RecentItems recentItems(
      ItemMetadata metadata, long items, int capacity, long nowMillis, long intervalMillis) {
    final RecentItems recent = new RecentItems(capacity);
    for (long id = Math.max(0, items - capacity); id < items; id++) {
      recent.append(id, metadata.author(id), metadata.community(id),
          nowMillis - (items - id) * intervalMillis);
    }
    return recent;
  }

  /**
   * A trending list of {@code size} ids out of {@code [0, items)} that rotates with the user: it starts
   * at {@code userId * 7919 % items} and steps by {@code stride}; scores fall from 1 by rank.
   *
   * @throws IllegalArgumentException if {@code size} or {@code items} is not positive
   */
  public static CandidateSource rotatingTrending(int size, long items, long stride) {
    if (size <= 0 || items <= 0) {
      throw new IllegalArgumentException(
          "size and items must be positive, got " + size + " and " + items);
    }
    return new RotatingTrending(size, items, stride);
  }

  /**
   * A hydrator writing {@code feature} = how much the user likes the candidate's author:
   * {@code ((author ^ userId) & mask) / mask}, a stand-in for a feature-store lookup.
   *
   * @param mask {@code 2^n - 1}, the number of affinity levels minus one
   * @throws IllegalArgumentException unless {@code mask} is {@code 2^n - 1} with {@code n >= 1}
   */
  public static CandidateHydrator authorAffinity(Feature feature, int mask) {
    if (mask <= 0 || (mask & (mask + 1)) != 0) {
      throw new IllegalArgumentException("mask must be 2^n - 1, got " + mask);
    }
    return new AuthorAffinity(feature, mask);
  }

  private record IdDerivedMetadata(
      long authors, long communities, long nowMillis, long ageCycle, long ageStepMillis)
      implements ItemMetadata {
    @Override
    public long author(long id) {
      return id % authors;
    }

    @Override
    public long community(long id) {
      return id % communities;
    }

    @Override
    public long createdAt(long id) {
      return nowMillis - (id % ageCycle) * ageStepMillis;
    }
  }

  private record RotatingTrending(int size, long items, long stride) implements CandidateSource {
    @Override
    public void fetch(RequestContext ctx, CandidateSink out) {
      final long start = Math.floorMod(ctx.userId() * 7919L, items);
      for (int i = 0; i < size; i++) {
        out.add(Math.floorMod(start + i * stride, items), 1f - i / (float) size);
      }
    }
  }

  private record AuthorAffinity(Feature feature, int mask) implements CandidateHydrator {
    /** Never blocks (computation over in-memory data): runs on the request thread. */
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public Feature[] reads() {
      return new Feature[] {Feature.AUTHOR};
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {feature};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float[] affinity = batch.featureColumn(feature);
      final long user = ctx.userId();
      for (int r = 0, n = batch.size(); r < n; r++) {
        affinity[r] = ((batch.author(r) ^ user) & mask) / (float) mask;
      }
    }
  }
}
