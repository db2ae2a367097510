package dev.trawl.pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named column of the {@link CandidateBatch} or a named per-request scalar of the
 * {@link RequestContext}: the unit in which stages declare what they read and write, so that
 * {@link PipelineBuilder#build()} can check that every value a stage reads was written by an earlier
 * stage.
 *
 * <p>Built-in columns ({@link #AUTHOR}, {@link #COMMUNITY}, {@link #CREATED_AT}, {@link #SCORE},
 * {@link #SOURCE_SCORE}) have typed accessors on the batch. User features are
 * {@code float}s with a declared default, created once and kept as {@code static final} constants:
 *
 * <pre>{@code
 * static final Feature AFFINITY = Feature.candidate("author_affinity", 0f);
 * static final Feature USER_ACTIVITY = Feature.query("user_activity", 0.5f);
 * }</pre>
 *
 * <p>Features compare by identity: two features with the same name are different features, and a
 * pipeline refuses to be built with both (names must be unique). <b>Immutable and thread-safe.</b>
 * Creating a feature allocates; using one on the request path does not.
 */
public final class Feature {
  /** Whether the feature is a candidate column, a per-request scalar or a built-in column. */
  public enum Kind {
    /** A {@code float} column of the candidate batch, one value per candidate. */
    CANDIDATE,
    /** A {@code float} scalar of the request context, one value per request. */
    QUERY,
    /** A built-in column with its own typed accessor on {@link CandidateBatch}. */
    BUILT_IN
  }

  private static final AtomicInteger NEXT_NUMBER = new AtomicInteger();

  /** Author id of each candidate ({@code long}). */
  public static final Feature AUTHOR = new Feature("author", Kind.BUILT_IN, 0f);
  /** Community id of each candidate ({@code long}). */
  public static final Feature COMMUNITY = new Feature("community", Kind.BUILT_IN, 0f);
  /** Creation time of each candidate, epoch milliseconds ({@code long}). */
  public static final Feature CREATED_AT = new Feature("created_at", Kind.BUILT_IN, 0f);
  /**
   * The ranking score ({@code float}). Starts as the source score, so it is always written once the
   * sources have run; scorers overwrite it.
   */
  public static final Feature SCORE = new Feature("score", Kind.BUILT_IN, 0f);
  /** The score the source gave the candidate, e.g. vector similarity ({@code float}). */
  public static final Feature SOURCE_SCORE = new Feature("source_score", Kind.BUILT_IN, 0f);

  private final String name;
  private final Kind kind;
  private final float defaultValue;
  private final int number;

  private Feature(String name, Kind kind, float defaultValue) {
    this.name = name;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.number = NEXT_NUMBER.getAndIncrement();
  }

  /**
   * A {@code float} candidate column. Every candidate starts with {@code defaultValue}, which is also
   * what an optional hydrator that fails leaves behind.
   *
   * @param name the column's name, unique within a pipeline
   * @param defaultValue the starting value, not NaN
   * @return a new feature; keep it as a constant
   * @throws IllegalArgumentException if the name is blank or the default is NaN
   */
  public static Feature candidate(String name, float defaultValue) {
    return new Feature(checkName(name), Kind.CANDIDATE, checkDefault(name, defaultValue));
  }

  /**
   * A {@code float} per-request scalar, set by the host or by a {@link QueryHydrator}, reset to
   * {@code defaultValue} at the start of every request.
   *
   * @param name the scalar's name, unique within a pipeline
   * @param defaultValue the starting value, not NaN
   * @return a new feature; keep it as a constant
   * @throws IllegalArgumentException if the name is blank or the default is NaN
   */
  public static Feature query(String name, float defaultValue) {
    return new Feature(checkName(name), Kind.QUERY, checkDefault(name, defaultValue));
  }

  private static String checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("feature name must be non-blank, got '" + name + "'");
    }
    return name;
  }

  private static float checkDefault(String name, float value) {
    if (Float.isNaN(value)) {
      throw new IllegalArgumentException("feature '" + name + "' default must not be NaN");
    }
    return value;
  }

  /** {@return the feature's name (unique within a pipeline)} */
  public String name() {
    return name;
  }

  /** {@return whether the feature is a candidate column, a query scalar or a built-in column} */
  public Kind kind() {
    return kind;
  }

  /** {@return the value every candidate (or request) starts with; 0 for built-in columns} */
  public float defaultValue() {
    return defaultValue;
  }

  /** A process-wide dense number, used by pipelines to map features to columns without hashing. */
  int number() {
    return number;
  }

  @Override
  public String toString() {
    return kind == Kind.BUILT_IN ? name : kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
  }
}
