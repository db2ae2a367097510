package dev.trawl.shadow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The names both runs of a comparison are reported under: candidate sources, rules and stages,
 * each given a dense index. Two pipelines are aligned by <em>name</em>, so a candidate may add or drop
 * a source or rule: the schema is the union of both, and a run records {@code -1}/{@code NaN} for
 * what it does not have.
 *
 * <p><b>Immutable and thread-safe</b> once built. <b>Allocation:</b> lookups by name are meant for
 * set-up; records and comparisons use the int indexes.
 */
public final class ShadowSchema {
  private final String[] sources;
  private final String[] rules;
  private final String[] stages;

  private ShadowSchema(Builder b) {
    sources = b.sources.toArray(new String[0]);
    rules = b.rules.toArray(new String[0]);
    stages = b.stages.toArray(new String[0]);
  }

  /**
   * {@return a new builder declaring nothing yet}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@return the number of sources}
   */
  public int sourceCount() {
    return sources.length;
  }

  /**
   * {@return the number of rules}
   */
  public int ruleCount() {
    return rules.length;
  }

  /**
   * {@return the number of stages}
   */
  public int stageCount() {
    return stages.length;
  }

  /**
   * The name of source {@code index}.
   *
   * @param index 0 to {@link #sourceCount()} - 1
   * @return its name
   */
  public String sourceName(int index) {
    return sources[index];
  }

  /**
   * The name of rule {@code index}.
   *
   * @param index 0 to {@link #ruleCount()} - 1
   * @return its name
   */
  public String ruleName(int index) {
    return rules[index];
  }

  /**
   * The name of stage {@code index}.
   *
   * @param index 0 to {@link #stageCount()} - 1
   * @return its name
   */
  public String stageName(int index) {
    return stages[index];
  }

  /**
   * Index of source {@code name}, or {@code -1}.
   *
   * @param name a source's name
   * @return its index
   */
  public int sourceIndex(String name) {
    return indexOf(sources, name);
  }

  /**
   * Index of rule {@code name}, or {@code -1}.
   *
   * @param name a rule's name
   * @return its index
   */
  public int ruleIndex(String name) {
    return indexOf(rules, name);
  }

  /**
   * Index of stage {@code name}, or {@code -1}.
   *
   * @param name a stage's name
   * @return its index
   */
  public int stageIndex(String name) {
    return indexOf(stages, name);
  }

  private static int indexOf(String[] names, String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "ShadowSchema{sources=" + Arrays.toString(sources) + ", rules=" + Arrays.toString(rules)
        + ", stages=" + Arrays.toString(stages) + "}";
  }

  /** Collects names; adding a name twice keeps one index (so both pipelines' names can be added). */
  public static final class Builder {
    private final List<String> sources = new ArrayList<>();
    private final List<String> rules = new ArrayList<>();
    private final List<String> stages = new ArrayList<>();

    private Builder() {}

    /**
     * Declares sources.
     *
     * @param names the sources' names, in order
     * @return this builder, for chaining
     */
    public Builder source(String... names) {
      return add(sources, "source", names);
    }

    /**
     * Declares rules.
     *
     * @param names the rules' names, in order
     * @return this builder, for chaining
     */
    public Builder rule(String... names) {
      return add(rules, "rule", names);
    }

    /**
     * Declares stages.
     *
     * @param names the stages' names, in order
     * @return this builder, for chaining
     */
    public Builder stage(String... names) {
      return add(stages, "stage", names);
    }

    /**
     * Builds the schema.
     *
     * @return a new, immutable schema
     */
    public ShadowSchema build() {
      return new ShadowSchema(this);
    }

    private Builder add(List<String> into, String what, String[] names) {
      for (String name : names) {
        if (name == null || name.isEmpty()) {
          throw new IllegalArgumentException(what + " name must be non-empty");
        }
        if (!into.contains(name)) {
          into.add(name);
        }
      }
      return this;
    }
  }
}
