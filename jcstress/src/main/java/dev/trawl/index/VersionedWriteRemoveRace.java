package dev.trawl.index;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.vector.Metric;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IJ_Result;

/**
 * Versioned writes race on one live id (version 1): an upsert at version 2 against a removal at
 * version 3 (two actors, so that the quick mode's two CPUs run it). Whatever the interleaving, the
 * newest write wins: the id ends absent, its version 3. Results: (live at the end ? 1 : 0, version
 * at the end).
 */
@JCStressTest
@Description("VectorIndex: versioned upsert(v2) vs remove(v3) on one id")
@Outcome(id = "0, 3", expect = Expect.ACCEPTABLE, desc = "the removal, the newest write, wins")
@Outcome(expect = Expect.FORBIDDEN, desc = "an older write won")
@State
public class VersionedWriteRemoveRace {
  private static final float[] V1 = {1f, 0f};
  private static final float[] V2 = {0f, 1f};
  private final VectorIndex index =
      VectorIndex.builder(2, Metric.L2).expectedItems(4).removalMemory(16).build();

  public VersionedWriteRemoveRace() {
    index.upsert(5, 1, V1, (ItemAttributes) null);
  }

  @Actor
  public void upsertAtVersion2() {
    index.upsert(5, 2, V2, (ItemAttributes) null);
  }

  @Actor
  public void removeAtVersion3() {
    index.remove(5, 3);
  }

  @Arbiter
  public void end(IJ_Result r) {
    r.r1 = index.contains(5) ? 1 : 0;
    r.r2 = index.version(5);
  }
}
