package dev.trawl.shadow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The names both runs of a comparison are reported under: candidate sources, filters and stages,
 * each given a dense slot. Two pipelines are aligned by <em>name</em>, so a candidate may add or drop
 * a source or filter: the schema is the union of both, and a run records {@code -1}/{@code NaN} for
 * what it does not have.
 *
 * <p><b>Immutable and thread-safe</b> once built. <b>Allocation:</b> lookups by name are meant for
 * set-up; records and comparisons use the int slots.
 */
public final class ShadowSchema {
  private final String[] sources;
  private final String[] filters;
  private final String[] stages;

  private ShadowSchema(Builder b) {
    sources = b.sources.toArray(new String[0]);
    filters = b.filters.toArray(new String[0]);
    stages = b.stages.toArray(new String[0]);
  }

  public static Builder builder() {
    return new Builder();
  }

  public int sourceCount() {
    return sources.length;
  }

  public int filterCount() {
    return filters.length;
  }

  public int stageCount() {
    return stages.length;
  }

  public String sourceName(int slot) {
    return sources[slot];
  }

  public String filterName(int slot) {
    return filters[slot];
  }

  public String stageName(int slot) {
    return stages[slot];
  }

  /** Slot of source {@code name}, or {@code -1}. */
  public int sourceSlot(String name) {
    return indexOf(sources, name);
  }

  /** Slot of filter {@code name}, or {@code -1}. */
  public int filterSlot(String name) {
    return indexOf(filters, name);
  }

  /** Slot of stage {@code name}, or {@code -1}. */
  public int stageSlot(String name) {
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
    return "ShadowSchema{sources=" + Arrays.toString(sources) + ", filters=" + Arrays.toString(filters)
        + ", stages=" + Arrays.toString(stages) + "}";
  }

  /** Collects names; adding a name twice keeps one slot (so both pipelines' names can be added). */
  public static final class Builder {
    private final List<String> sources = new ArrayList<>();
    private final List<String> filters = new ArrayList<>();
    private final List<String> stages = new ArrayList<>();

    private Builder() {}

    public Builder source(String... names) {
      return add(sources, "source", names);
    }

    public Builder filter(String... names) {
      return add(filters, "filter", names);
    }

    public Builder stage(String... names) {
      return add(stages, "stage", names);
    }

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
