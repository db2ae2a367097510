package dev.trawl.hnsw;

/**
 * A test hook that makes a write throw at a chosen step, to prove that a failed write leaves the index
 * as it was. Disarmed, each step costs one volatile read.
 *
 * <p>The steps are the points of a write at which something can fail (an allocation, a bug in a
 * neighbour selection): every one of them comes before the node is published, which is the write's
 * commit point. What runs after publication (reverse links, the entry point, tidying the replaced
 * item's attribute bits) neither allocates nor calls out, so a write that got there completes.
 *
 * <p>Internal; not part of the API. <b>Thread-safety:</b> arming is global to the JVM and meant for
 * single-threaded tests; {@link #at} is safe from any thread. <b>Allocation:</b> none, except the
 * thrown {@link InjectedFault}.
 */
public final class WriteFaults {
  /** Where a write can be made to fail, in the order a write passes them. */
  public enum Step {
    /** After the ordinal is allocated and the id, attributes and version are recorded. */
    MAPPED,
    /** After the vector is stored in the new ordinal's slot. */
    VECTOR_STORED,
    /** After the new node's own links are written on a level (once per level, top level first). */
    LEVEL_LINKED,
    /** Just before the replaced ordinal is retired and the new node published. */
    BEFORE_PUBLISH
  }

  /** The error an armed step throws. */
  public static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(Step step) {
      super("fault injected at " + step, null, false, false);
    }
  }

  private static volatile Step armed;
  private static volatile int skip;

  private WriteFaults() {}

  /** Makes the {@code (skip + 1)}-th write to pass {@code step} from now throw, once. */
  public static void arm(Step step, int skip) {
    WriteFaults.skip = skip;
    WriteFaults.armed = step;
  }

  /** Disarms the hook. */
  public static void disarm() {
    armed = null;
  }

  /** Throws {@link InjectedFault} when {@code step} is armed and its turn has come. */
  public static void at(Step step) {
    if (armed == step) {
      fire(step);
    }
  }

  private static synchronized void fire(Step step) {
    if (armed != step) {
      return;
    }
    if (skip > 0) {
      skip--;
      return;
    }
    armed = null;
    throw new InjectedFault(step);
  }
}
