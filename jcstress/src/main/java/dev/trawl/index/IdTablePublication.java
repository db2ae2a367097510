package dev.trawl.index;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIJ_Result;

/**
 * A writer puts a new id into an {@link IdTable} that is one entry short of a rebuild and has no
 * versions column yet, so the put publishes a new table twice (rebuild, then versions) before the
 * slot's release write; a lock-free reader looks the new id and an old one up at the same time. The
 * old id must never disappear, the new one is either absent or complete: its ordinal with its
 * version, never an ordinal beside a missing version.
 */
@JCStressTest
@Description("IdTable: put with rebuild and versions-column publication vs lock-free lookups")
@Outcome(id = "-1, 0, -9223372036854775808", expect = Expect.ACCEPTABLE,
    desc = "the new id is not visible yet")
@Outcome(id = "42, 0, 7", expect = Expect.ACCEPTABLE, desc = "the new id is fully visible")
@Outcome(id = "-1, 0, 7", expect = Expect.ACCEPTABLE,
    desc = "the version (written before the state's release store) is seen, the state not yet")
@Outcome(expect = Expect.FORBIDDEN, desc = "an old id vanished, or an ordinal without its version")
@State
public class IdTablePublication {
  private static final int OLD_IDS = 11; // capacity 16 at most three quarters full: the 12th rebuilds
  private final IdTable table = new IdTable(1, 16);

  public IdTablePublication() {
    for (int i = 0; i < OLD_IDS; i++) {
      table.put(1000 + i, i, VectorIndex.NO_VERSION);
    }
  }

  @Actor
  public void writer() {
    table.put(7, 42, 7);
  }

  @Actor
  public void reader(IIJ_Result r) {
    // the state is read (acquire) before the version: a live ordinal implies its version
    r.r1 = table.ordinalOf(7);
    r.r2 = table.ordinalOf(1000);
    r.r3 = table.version(7);
  }
}
