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
    /** The stage ran and returned. */
    RAN,
    /** A gate or the deadline skipped the stage. */
    SKIPPED,
    /** The optional stage threw; the request went on without it. */
    FAILED_OPEN,
    /** The request stopped waiting for the stage at its timeout or the deadline. */
    TIMED_OUT,
    /** The required stage threw; the request failed. */
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

    /** {@return the stage's name} */
    public String stage() {
      return stage;
    }

    /** {@return the stage's kind} */
    public StageKind kind() {
      return kind;
    }

    /** {@return how the stage ended} */
    public Outcome outcome() {
      return outcome;
    }

    /** {@return the candidate ids before the stage (for a source: empty)} */
    public long[] idsIn() {
      return in.clone();
    }

    /** {@return the candidate ids after the stage (for a source: the ids it returned)} */
    public long[] idsOut() {
      return out.clone();
    }

    /** {@return the failure message, or {@code null} when the stage did not fail} */
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

  /** {@return the steps in execution order (an unmodifiable list)} */
  public List<Step> steps() {
    return Collections.unmodifiableList(steps);
  }

  /**
   * The step of the stage called {@code name}.
   *
   * @param name a stage's name
   * @return its step
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
