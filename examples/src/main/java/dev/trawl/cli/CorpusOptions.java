package dev.trawl.cli;

import picocli.CommandLine.Option;

/**
 * The options of a generated feed corpus ({@link FeedCorpus}), one copy for every command that
 * generates one ({@code trawl demo}, {@code trawl serve}): used as a picocli {@code @Mixin}, so the
 * flags, their defaults and their help read the same everywhere.
 *
 * <p>Not thread-safe: picocli fills it once while parsing, the command then only reads it.
 */
public final class CorpusOptions {
  @Option(names = "--posts", defaultValue = "20000", description = "Posts in the generated corpus. Default ${DEFAULT-VALUE}.")
  private int posts;

  @Option(names = "--users", defaultValue = "1000", description = "Users (ids 0..N-1). Default ${DEFAULT-VALUE}.")
  private int users;

  @Option(names = "--dimension", defaultValue = "64", description = "Embedding dimension. Default ${DEFAULT-VALUE}.")
  private int dimension;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the corpus. Default ${DEFAULT-VALUE}.")
  private long seed;

  /** {@return the posts of the corpus, ids 0..posts-1} */
  public int posts() {
    return posts;
  }

  /** {@return the users, ids 0..users-1} */
  public int users() {
    return users;
  }

  /** {@return the embedding dimension} */
  public int dimension() {
    return dimension;
  }

  /** {@return the corpus seed: the same seed gives the same corpus} */
  public long seed() {
    return seed;
  }
}
