package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.IdSet;
import dev.trawl.pipeline.RequestContext;

/**
 * The newest items from {@link RecentItems}, optionally only from the communities the user follows
 * ({@link RequestContext#followedCommunities()}), no older than a maximum age. It does not exclude
 * anything else: apply the request's filter to its candidates with {@link RequestFilterHydrator#rule()}.
 * The source score is the item's freshness, {@code 0.5^(age / halfLife)}, in {@code (0, 1]}. Fills
 * author, community and creation time.
 *
 * <p><b>Thread-safe and immutable.</b> A fetch allocates nothing (the scan's visitor is a constant
 * and its state is the sink).
 */
public final class RecencySource implements CandidateSource {
  private static final RecentItems.Visitor<Scan> VISITOR = RecencySource::visit;

  private final RecentItems items;
  private final int limit;
  private final long maxAgeMillis;
  private final double halfLifeMillis;
  private final boolean followedOnly;

  /**
   * @param limit most candidates to return
   * @param maxAgeMillis oldest item age to return
   * @param halfLifeMillis age at which the source score halves
   * @param followedOnly whether to keep only items of followed communities
   * @param items the host's ring of recent items, shared with its writers
   * @throws IllegalArgumentException if a number is not positive
   */
  public RecencySource(RecentItems items, int limit, long maxAgeMillis, long halfLifeMillis,
      boolean followedOnly) {
    if (items == null) {
      throw new NullPointerException("items is null");
    }
    if (limit <= 0 || maxAgeMillis <= 0 || halfLifeMillis <= 0) {
      throw new IllegalArgumentException("limit, maxAgeMillis and halfLifeMillis must be positive, got "
          + limit + ", " + maxAgeMillis + ", " + halfLifeMillis);
    }
    this.items = items;
    this.limit = limit;
    this.maxAgeMillis = maxAgeMillis;
    this.halfLifeMillis = halfLifeMillis;
    this.followedOnly = followedOnly;
  }

  @Override
  public Feature[] writes() {
    return new Feature[] {Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT};
  }

  @Override
  public Object newScratch() {
    return new Scan();
  }

  @Override
  public void fetch(RequestContext ctx, CandidateSink out) {
    final Scan scan = out.scratch();
    scan.source = this;
    scan.ctx = ctx;
    scan.out = out;
    try {
      items.scanNewestFirst(scan, VISITOR);
    } finally {
      scan.ctx = null;
      scan.out = null;
    }
  }

  private static boolean visit(Scan scan, long id, long author, long community, long created) {
    final RecencySource src = scan.source;
    final RequestContext ctx = scan.ctx;
    final long age = ctx.nowMillis() - created;
    if (age > src.maxAgeMillis) {
      return false; // items are appended in creation order: everything older follows
    }
    final IdSet followed = ctx.followedCommunities();
    if (src.followedOnly && !followed.contains(community)) {
      return true;
    }
    final CandidateSink out = scan.out;
    final int row = out.add(id, (float) Math.pow(0.5, Math.max(0, age) / src.halfLifeMillis));
    out.setAuthor(row, author);
    out.setCommunity(row, community);
    out.setCreatedAt(row, created);
    return out.size() < src.limit;
  }

  /** Per-context scan state, passed to the constant visitor. */
  private static final class Scan {
    RecencySource source;
    RequestContext ctx;
    CandidateSink out;
  }
}
