package dev.trawl.index;

import dev.trawl.vector.Metric;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A writer adds an item; a reader that finds the id through {@link VectorIndex#ordinalOf} must read
 * the id back from {@link VectorIndex#idOf} (the ordinal's id is written before the id table's
 * release store). The id is mapped before its node is inserted, on purpose (an exclusion composed
 * meanwhile must name the new ordinal), so its vector may not be stored yet: that window is an
 * accepted outcome, reported as interesting, and documented in docs/writes.md.
 * Results: (id visible, ordinal maps back to it, vector complete), each 1 or 0.
 */
@JCStressTest
@Description("VectorIndex: add vs a reader that finds the id and reads its node")
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "not visible yet")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "visible and complete")
@Outcome(id = "1, 1, 0", expect = Expect.ACCEPTABLE_INTERESTING,
    desc = "mapped, node not inserted yet: the documented window of a write in flight")
@Outcome(expect = Expect.FORBIDDEN, desc = "the ordinal does not map back to the id")
@State
public class NodePublication {
  private static final float[] V = {3f, 4f};
  private final VectorIndex index = VectorIndex.builder(2, Metric.L2).expectedItems(8).build();
  private final float[] out = new float[2];

  public NodePublication() {
    index.add(1, new float[] {1f, 1f}); // the entry point exists: the new node is linked, not first
  }

  @Actor
  public void writer() {
    index.add(9, V);
  }

  @Actor
  public void reader(III_Result r) {
    final int ordinal = index.ordinalOf(9);
    if (ordinal < 0) {
      return;
    }
    r.r1 = 1;
    r.r2 = index.idOf(ordinal) == 9 ? 1 : 0;
    index.vector(9, out);
    r.r3 = out[0] == V[0] && out[1] == V[1] ? 1 : 0;
  }
}
