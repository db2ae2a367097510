package dev.trawl.pipeline.testkit;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import java.util.Arrays;

/**
 * A source of hand-made candidates, for tests: returns the same rows, in the order added, on every
 * request.
 *
 * <pre>{@code
 * Candidates posts = Candidates.builder()
 *     .add(1, 0.9f, 100, 7, nowMillis)    // id, score, author, community, createdAt
 *     .add(2, 0.8f, 100, 7, nowMillis)
 *     .build();
 * }</pre>
 *
 * <p>If every row was added with author, community and creation time, the source declares it writes
 * them (so stages reading them validate); rows added with {@link Builder#add(long, float)} leave them
 * {@link CandidateBatch#UNKNOWN}. Immutable and thread-safe; a fetch allocates nothing.
 */
public final class Candidates implements CandidateSource {
  private final long[] ids;
  private final float[] scores;
  private final long[] authors;
  private final long[] communities;
  private final long[] createdAt;
  private final boolean complete;

  private Candidates(Builder b) {
    this.ids = Arrays.copyOf(b.ids, b.size);
    this.scores = Arrays.copyOf(b.scores, b.size);
    this.authors = Arrays.copyOf(b.authors, b.size);
    this.communities = Arrays.copyOf(b.communities, b.size);
    this.createdAt = Arrays.copyOf(b.createdAt, b.size);
    this.complete = b.complete;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Candidates with the given ids and scores decreasing from 1 in steps of 0.01, nothing else. */
  public static Candidates ofIds(long... ids) {
    final Builder b = builder();
    for (int i = 0; i < ids.length; i++) {
      b.add(ids[i], 1f - 0.01f * i);
    }
    return b.build();
  }

  public int size() {
    return ids.length;
  }

  @Override
  public Feature[] writes() {
    return complete && ids.length > 0
        ? new Feature[] {Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT} : NONE;
  }

  @Override
  public void fetch(RequestContext ctx, CandidateSink out) {
    for (int i = 0; i < ids.length; i++) {
      final int row = out.add(ids[i], scores[i]);
      out.setAuthor(row, authors[i]);
      out.setCommunity(row, communities[i]);
      out.setCreatedAt(row, createdAt[i]);
    }
  }

  /** Collects rows. Not thread-safe. */
  public static final class Builder {
    private long[] ids = new long[16];
    private float[] scores = new float[16];
    private long[] authors = new long[16];
    private long[] communities = new long[16];
    private long[] createdAt = new long[16];
    private int size;
    private boolean complete = true;

    /** A candidate with only an id and a score. */
    public Builder add(long id, float score) {
      complete = false;
      return row(id, score, CandidateBatch.UNKNOWN, CandidateBatch.UNKNOWN, CandidateBatch.UNKNOWN);
    }

    /** A candidate with author, community and creation time (epoch ms). */
    public Builder add(long id, float score, long author, long community, long createdAtMillis) {
      return row(id, score, author, community, createdAtMillis);
    }

    private Builder row(long id, float score, long author, long community, long created) {
      if (size == ids.length) {
        final int c = size * 2;
        ids = Arrays.copyOf(ids, c);
        scores = Arrays.copyOf(scores, c);
        authors = Arrays.copyOf(authors, c);
        communities = Arrays.copyOf(communities, c);
        createdAt = Arrays.copyOf(createdAt, c);
      }
      ids[size] = id;
      scores[size] = score;
      authors[size] = author;
      communities[size] = community;
      createdAt[size] = created;
      size++;
      return this;
    }

    public Candidates build() {
      return new Candidates(this);
    }
  }
}
