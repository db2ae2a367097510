package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Produces a {@link StreamPlan} to a topic and checks an index against the plan's end state. */
final class StreamFixture {
  private StreamFixture() {}

  /** Publishes delivered events {@code [from, to)} of {@code plan} and waits for every ack. */
  static void produce(
      String bootstrap, String topic, StreamPlan plan, float[][] rows, int from, int to)
      throws Exception {
    final int dim = rows[0].length;
    final float[] vector = new float[dim];
    final float[] scratch = new float[dim];
    final ItemAttributes attrs = new ItemAttributes();
    final StreamPlan.Rows source = (row, out) -> System.arraycopy(rows[row], 0, out, 0, dim);
    try (PostEventPublisher out = PostEventPublisher.create(bootstrap, topic)) {
      final java.util.List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
      for (int i = from; i < to; i++) {
        if (plan.op(i) == EventFormat.REMOVE) {
          sent.add(out.remove(plan.id(i), plan.version(i)));
        } else {
          plan.vector(i, source, scratch, vector);
          plan.attributes(i, attrs);
          sent.add(out.upsert(plan.id(i), plan.version(i), plan.createdAt(i), attrs, vector));
        }
      }
      out.flush();
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(60, TimeUnit.SECONDS); // every event acknowledged, or the test fails here
      }
    }
  }

  static void produce(String bootstrap, String topic, StreamPlan plan, float[][] rows)
      throws Exception {
    produce(bootstrap, topic, plan, rows, 0, plan.size());
  }

  /** A fresh index holding exactly the plan's live set (added in id order, one thread). */
  static VectorIndex freshBuild(
      StreamPlan plan, float[][] rows, Metric metric, int m, int efConstruction) {
    final int dim = rows[0].length;
    final VectorIndex index =
        VectorIndex.builder(dim, metric).m(m).efConstruction(efConstruction).build();
    final float[] vector = new float[dim];
    final float[] scratch = new float[dim];
    final ItemAttributes attrs = new ItemAttributes();
    final StreamPlan.Rows source = (row, out) -> System.arraycopy(rows[row], 0, out, 0, dim);
    for (long id : plan.liveIds()) {
      final int e = plan.finalEvent(id);
      plan.vector(e, source, scratch, vector);
      plan.attributes(e, attrs);
      index.add(id, vector, attrs);
    }
    return index;
  }

  /**
   * {@code actual} holds exactly the plan's live set, with the final vectors (bit for bit those of
   * {@code expected}, which stores the same vectors), attributes and versions; removed posts are
   * absent with their removal's version.
   */
  static void assertEndState(VectorIndex actual, VectorIndex expected, StreamPlan plan) {
    assertThat(actual.size()).as("live count").isEqualTo(plan.liveCount());
    final int dim = actual.dimension();
    final float[] a = new float[dim];
    final float[] b = new float[dim];
    final ItemAttributes aa = new ItemAttributes();
    final ItemAttributes ba = new ItemAttributes();
    int checked = 0;
    for (long id : plan.mentionedIds()) {
      final int e = plan.finalEvent(id);
      assertThat(actual.version(id)).as("version of %d", id).isEqualTo(plan.version(e));
      if (plan.op(e) == EventFormat.REMOVE) {
        assertThat(actual.contains(id)).as("removed post %d is absent", id).isFalse();
        continue;
      }
      assertThat(actual.contains(id)).as("live post %d is present", id).isTrue();
      actual.vector(id, a);
      expected.vector(id, b);
      assertThat(a).as("vector of %d", id).containsExactly(b);
      actual.attributes(id, aa);
      expected.attributes(id, ba);
      assertThat(new long[] {aa.author(), aa.community(), aa.language(), aa.flags()})
          .as("attributes of %d", id)
          .containsExactly(ba.author(), ba.community(), ba.language(), ba.flags());
      checked++;
    }
    assertThat(checked).isEqualTo(plan.liveCount());
  }

  /** Two indexes hold the same live ids with bit-identical vectors, attributes and versions. */
  static void assertSameLiveSet(VectorIndex actual, VectorIndex reference, StreamPlan plan) {
    assertThat(actual.size()).isEqualTo(reference.size());
    final float[] a = new float[actual.dimension()];
    final float[] b = new float[actual.dimension()];
    for (long id : plan.mentionedIds()) {
      assertThat(actual.contains(id)).as("post %d", id).isEqualTo(reference.contains(id));
      assertThat(actual.version(id)).as("version of %d", id).isEqualTo(reference.version(id));
      if (reference.contains(id)) {
        actual.vector(id, a);
        reference.vector(id, b);
        assertThat(a).as("vector of %d", id).containsExactly(b);
      }
    }
  }

  /** Mean recall@k of {@code index} at {@code ef} against the exact neighbours in {@code truth}. */
  static double recall(VectorIndex index, VectorIndex truth, float[][] queries, int k, int ef) {
    final Searcher searcher = index.newSearcher();
    final Searcher exact = truth.newSearcher();
    final SearchResults got = new SearchResults(k);
    final SearchResults want = new SearchResults(k);
    double sum = 0;
    for (float[] q : queries) {
      exact.searchExact(q, k, want);
      searcher.search(q, k, ef, got);
      final Set<Long> ids = new HashSet<>();
      for (int i = 0; i < want.size(); i++) {
        ids.add(want.id(i));
      }
      int hit = 0;
      for (int i = 0; i < got.size(); i++) {
        hit += ids.contains(got.id(i)) ? 1 : 0;
      }
      sum += hit / (double) k;
    }
    return sum / queries.length;
  }
}
