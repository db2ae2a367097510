package dev.trawl.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What one traced request did, stage by stage: outcome and the candidate ids in and out. Switched on
 * for one request with {@link RequestContext#traceNextRequest()} and read from
 * {@link PipelineResult#trace()}. A traced request allocates (copies of the id columns); an untraced
 * one pays one branch per stage. Immutable once the request has returned.
 */
public final class Trace {
  /** How a stage ended. */
  public enum Outcome {
    RAN,
    SKIPPED,
    FAILED_OPEN,
    TIMED_OUT,
    FAILED
  }

  /** One stage of a traced request. */
  public static final class Step {
    private final String stage;
    private final StageKind kind;
    private final Outcome outcome;
    private final long[] in;
    private final long[] out;
    private final String error;

    Step(String stage, StageKind kind, Outcome outcome, long[] in, long[] out, String error) {
      this.stage = stage;
      this.kind = kind;
      this.outcome = outcome;
      this.in = in;
      this.out = out;
      this.error = error;
    }

    /** The stage's name. */
    public String stage() {
      return stage;
    }

    /** The stage's kind. */
    public StageKind kind() {
      return kind;
    }

    /** How the stage ended. */
    public Outcome outcome() {
      return outcome;
    }

    /** Candidate ids before the stage (for a source: empty). */
    public long[] idsIn() {
      return in.clone();
    }

    /** Candidate ids after the stage (for a source: the ids it returned). */
    public long[] idsOut() {
      return out.clone();
    }

    /** The failure message, or {@code null}. */
    public String error() {
      return error;
    }

    @Override
    public String toString() {
      return stage + " (" + kind + ") " + outcome + ": " + in.length + " -> " + out.length
          + (error == null ? "" : " [" + error + "]") + " out=" + Arrays.toString(out.length > 20
              ? Arrays.copyOf(out, 20) : out) + (out.length > 20 ? "..." : "");
    }
  }

  private final List<Step> steps = new ArrayList<>();

  void add(Step step) {
    steps.add(step);
  }

  /** The steps in execution order. */
  public List<Step> steps() {
    return Collections.unmodifiableList(steps);
  }

  /**
   * The step of the stage called {@code name}.
   *
   * @throws IllegalArgumentException if the stage did not appear in this request
   */
  public Step step(String name) {
    for (Step s : steps) {
      if (s.stage.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no step named '" + name + "' in this trace");
  }

  @Override
  public String toString() {
    final StringBuilder b = new StringBuilder("Trace");
    for (Step s : steps) {
      b.append("\n  ").append(s);
    }
    return b.toString();
  }
}
