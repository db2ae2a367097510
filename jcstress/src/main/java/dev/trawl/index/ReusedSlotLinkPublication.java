package dev.trawl.index;

import dev.trawl.hnsw.HnswGraph;
import dev.trawl.vector.Metric;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A node's link list rewritten to name a reused ordinal, against a reader that walks the list as a
 * search does: plain loads of the count and the slots, then an acquire load of each named node's
 * state before anything else of it is read.
 *
 * <p>Before the actors start, item 4 (ordinal {@code b}) is removed, and two repair passes unlink it
 * from every list, unpublish it and put it on the free list. The writer adds item 9, which reuses
 * ordinal {@code b}, and links it into the list of item 3's node ({@code a}): the count of
 * {@code a}'s list grows by one and the new last slot names {@code b}. Count and slot are plain
 * stores, so the reader may see the new count beside the slot's old value, or the slot's new value
 * before {@code b}'s state: the Java memory model orders neither for it.
 *
 * <p>Why no forbidden outcome can happen (the happens-before chain). The writer's program order is:
 * (1) the id table maps ordinal {@code b} to id 9 ({@code idOf(b) = 9}), (2) {@code b}'s vector
 * (9, 9) and its own link list are written, (3) {@code b}'s state is set with a release store, and
 * only then (4) {@code a}'s slot and count are written. The reader does (5) plain loads of
 * {@code a}'s count and slots, (6) for every slot naming an ordinal below the graph's size, an
 * acquire load of that ordinal's state, and (7) only if it is published, loads of its id, vector and
 * links. If (6) reads the value stored by (3), the release store synchronizes-with the acquire load,
 * so (1) and (2) happen-before (7): the reader sees id 9, the complete vector and {@code b}'s list,
 * whatever (5) saw. If (6) reads 0 (unpublished: the free list's value, set before the actors
 * started, which happens-before both actors), the reader skips the slot. A stale slot value names an
 * ordinal some writer stored before the actors started (or 0, the pages' initial value), whose state
 * the reader validates the same way; the test checks those nodes too. The reader never uses what
 * (5) saw beyond choosing which states to validate, so the racy pair of count and slot can cost a
 * detour, never a wrong vector or id. In the running index the same holds for a walk that started
 * before the reclaim, because {@code OrdinalReclaimer} unpublishes and frees {@code b} only after
 * every walk pinned before the removal's claim has ended (see {@code dev.trawl.hnsw}'s package
 * documentation).
 *
 * <p>Results: (1 if the reader saw {@code a}'s new count, else 0; what it found for {@code b}: 0 not
 * named, 1 named but not published yet, 2 published and complete, 3 published but incomplete; 1 if a
 * published node of the list had a vector or list not of its id, else 0).
 */
@JCStressTest
@Description("HNSW links: a list rewritten to name a reused ordinal vs a reader walking the list")
@Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE, desc = "the list before the write")
@Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE_INTERESTING,
    desc = "new count beside the slot's old value: validated, a detour at most")
@Outcome(id = "1, 1, 0", expect = Expect.ACCEPTABLE_INTERESTING,
    desc = "the reused ordinal named before its state is visible: skipped")
@Outcome(id = "1, 2, 0", expect = Expect.ACCEPTABLE, desc = "the reused ordinal, complete in its new life")
@Outcome(expect = Expect.FORBIDDEN,
    desc = "a published node read with a vector, id or list not of its current life")
@State
public class ReusedSlotLinkPublication {
  private static final int NEW_ID = 9;
  private final VectorIndex index = VectorIndex.builder(2, Metric.L2).m(4).expectedItems(8).build();
  private final HnswGraph graph = index.graph();
  private final int a;
  private final int b;
  private final int oldCount;
  private final float[] out = new float[2];

  public ReusedSlotLinkPublication() {
    for (int id = 1; id <= 4; id++) {
      index.add(id, vectorOf(id));
    }
    b = index.ordinalOf(4);
    index.remove(4);
    index.repair();
    index.repair();
    if (graph.isPublished(b) || graph.reclaimer().freeCount() != 1) {
      throw new IllegalStateException("setup: ordinal " + b + " was not freed");
    }
    a = index.ordinalOf(3); // the new item's nearest: the writer links it into a's list
    oldCount = graph.linkPage(a, 0)[graph.linkBase(a, 0)];
  }

  private static float[] vectorOf(long id) {
    return new float[] {id, id};
  }

  @Actor
  public void writer() {
    index.add(NEW_ID, vectorOf(NEW_ID));
  }

  @Actor
  public void reader(III_Result r) {
    final int[] links = graph.linkPage(a, 0);
    final int base = graph.linkBase(a, 0);
    final int count = Math.min(links[base], graph.maxDegree(0));
    final int limit = graph.size();
    r.r1 = count > oldCount ? 1 : 0;
    for (int i = 1; i <= count; i++) {
      final int node = links[base + i];
      if (node >= limit) {
        continue;
      }
      final boolean published = graph.isPublished(node);
      final boolean complete = published && isOfItsId(node);
      if (node == b) {
        r.r2 = !published ? 1 : complete ? 2 : 3;
      } else if (published && !complete) {
        r.r3 = 1;
      }
    }
  }

  /** The node's id, vector and own list belong to one life: the vector is its id's, its list non-empty. */
  private boolean isOfItsId(int node) {
    final long id = index.idOf(node);
    graph.vectors().get(node, out);
    final float[] expected = vectorOf(id);
    if (out[0] != expected[0] || out[1] != expected[1]) {
      return false;
    }
    final int[] links = graph.linkPage(node, 0);
    final int count = links[graph.linkBase(node, 0)];
    return count >= 1 && count <= graph.maxDegree(0);
  }
}
