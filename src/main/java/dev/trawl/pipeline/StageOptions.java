package dev.trawl.pipeline;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * How the pipeline treats one stage: its failure policy, its soft timeout (sources), a gate, the
 * number of candidates to pre-size for (sources), and extra feature declarations for stages written
 * as lambdas. Immutable; every method returns a new value.
 *
 * <pre>{@code
 * StageOptions.failOpen().timeout(20, TimeUnit.MILLISECONDS).expectedCandidates(1000)
 * }</pre>
 *
 * <p>Defaults: sources, hydrators and side effects fail open (optional); rules, scorers and
 * selectors fail closed (required). A source's default timeout is the request deadline.
 * <b>Thread-safe.</b> Allocates only when built.
 */
public final class StageOptions {
  /** What a failure of the stage does to the request. */
  public enum Policy {
    /** Fail open for sources, hydrators and side effects; fail closed for the rest. */
    DEFAULT,
    /** The stage is optional: on failure it contributes nothing and the request goes on, degraded. */
    FAIL_OPEN,
    /** The stage is required: on failure the request fails with an error naming the stage. */
    FAIL_CLOSED
  }

  private static final StageOptions DEFAULTS =
      new StageOptions(Policy.DEFAULT, Long.MAX_VALUE, null, 1024, Stage.NONE, Stage.NONE);

  private final Policy policy;
  private final long timeoutNanos;
  private final Gate gate;
  private final int expectedCandidates;
  private final Feature[] reads;
  private final Feature[] writes;

  private StageOptions(
      Policy policy, long timeoutNanos, Gate gate, int expected, Feature[] reads, Feature[] writes) {
    this.policy = policy;
    this.timeoutNanos = timeoutNanos;
    this.gate = gate;
    this.expectedCandidates = expected;
    this.reads = reads;
    this.writes = writes;
  }

  /** {@return new options: the default policy, no timeout beyond the request deadline, no gate} */
  public static StageOptions defaults() {
    return DEFAULTS;
  }

  /** {@return new default options with the stage optional} */
  public static StageOptions failOpen() {
    return DEFAULTS.policy(Policy.FAIL_OPEN);
  }

  /** {@return new default options with the stage required} */
  public static StageOptions failClosed() {
    return DEFAULTS.policy(Policy.FAIL_CLOSED);
  }

  /**
   * Sets the failure policy.
   *
   * @param policy what a failure does to the request
   * @return new options with that change (these are immutable)
   */
  public StageOptions policy(Policy policy) {
    if (policy == null) {
      throw new NullPointerException("policy is null");
    }
    return new StageOptions(policy, timeoutNanos, gate, expectedCandidates, reads, writes);
  }

  /**
   * Soft timeout for a source: the pipeline stops waiting for it after this long (counted from the
   * start of the source phase) and discards whatever it returns later. Ignored for other stages,
   * which are bounded by the request deadline instead.
   *
   * @param amount the timeout in {@code unit}s, positive
   * @param unit the unit of {@code amount}
   * @return new options with that change (these are immutable)
   * @throws IllegalArgumentException if {@code amount <= 0}
   */
  public StageOptions timeout(long amount, TimeUnit unit) {
    if (amount <= 0) {
      throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
    }
    return new StageOptions(policy, unit.toNanos(amount), gate, expectedCandidates, reads, writes);
  }

  /**
   * Runs the stage only for requests the gate accepts (skips are counted, not failures).
   *
   * @param gate decides per request whether the stage runs
   * @return new options with that change (these are immutable)
   */
  public StageOptions when(Gate gate) {
    if (gate == null) {
      throw new NullPointerException("gate is null");
    }
    return new StageOptions(policy, timeoutNanos, gate, expectedCandidates, reads, writes);
  }

  /**
   * How many candidates a source usually returns, to pre-size its sink (it still grows on demand).
   *
   * @param count the usual number of candidates, positive
   * @return new options with that change (these are immutable)
   * @throws IllegalArgumentException if not positive
   */
  public StageOptions expectedCandidates(int count) {
    if (count <= 0) {
      throw new IllegalArgumentException("expectedCandidates must be positive, got " + count);
    }
    return new StageOptions(policy, timeoutNanos, gate, count, reads, writes);
  }

  /**
   * Declares features read, in addition to {@link Stage#reads()} (for lambda stages).
   *
   * @param features features the stage reads
   * @return new options with that change (these are immutable)
   */
  public StageOptions reads(Feature... features) {
    return new StageOptions(policy, timeoutNanos, gate, expectedCandidates, concat(reads, features), writes);
  }

  /**
   * Declares features written, in addition to {@link Stage#writes()} (for lambda stages).
   *
   * @param features features the stage writes
   * @return new options with that change (these are immutable)
   */
  public StageOptions writes(Feature... features) {
    return new StageOptions(policy, timeoutNanos, gate, expectedCandidates, reads, concat(writes, features));
  }

  private static Feature[] concat(Feature[] a, Feature[] b) {
    for (Feature f : b) {
      if (f == null) {
        throw new NullPointerException("feature list contains null");
      }
    }
    final Feature[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** {@return the failure policy} */
  public Policy policy() {
    return policy;
  }

  /** {@return the soft timeout in nanoseconds, {@link Long#MAX_VALUE} when none} */
  public long timeoutNanos() {
    return timeoutNanos;
  }

  /** {@return the gate, or {@code null} when the stage always runs} */
  public Gate gate() {
    return gate;
  }

  /** {@return the candidates a source usually returns (its sink's first size)} */
  public int expectedCandidates() {
    return expectedCandidates;
  }

  Feature[] extraReads() {
    return reads;
  }

  Feature[] extraWrites() {
    return writes;
  }
}
