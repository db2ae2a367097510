package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayOrderTest {
  private static final int REQUESTS = 600;
  private static final ShadowSchema SCHEMA = ShadowSchema.builder().source("ann").build();

  /** Shared by the lanes of one replay: which lane ran in which slot, and who ran first. */
  static final class Trace {
    final List<String> runs = new ArrayList<>();
    boolean someoneRan;
  }

  /**
   * A lane that logs its runs and pays an order effect: the first run of a request takes 300 µs (cold
   * caches), later ones 100 µs.
   */
  record OrderLane(String name, Trace trace) implements ShadowLane<RequestRecord, long[]> {
    @Override
    public long[] newState() {
      return new long[1];
    }

    @Override
    public void capture(RequestRecord request, long[] state) {
      state[0] = request.userId();
      trace.someoneRan = false;
    }

    @Override
    public void run(long[] state, long seedSalt, RunRecord out) {
      out.addItem(state[0], 0, 1, 1, 1f);
      out.totalNanos(trace.someoneRan ? 100_000 : 300_000);
      trace.someoneRan = true;
      trace.runs.add(name);
    }
  }

  private static List<RequestRecord> requests() {
    final List<RequestRecord> out = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      out.add(new RequestRecord().userId(i).pageSize(1));
    }
    return out;
  }

  private static ShadowReport replay(Trace trace, ShadowReplay.Builder options) {
    return options
        .baseline(new OrderLane("A", trace))
        .candidate(new OrderLane("B", trace))
        .noiseFloor(new OrderLane("R", trace))
        .build()
        .run(requests());
  }

  /** The run order of each request, e.g. "BAR". */
  private static List<String> orders(Trace trace) {
    final List<String> out = new ArrayList<>();
    for (int i = 0; i < trace.runs.size(); i += 3) {
      out.add(trace.runs.get(i) + trace.runs.get(i + 1) + trace.runs.get(i + 2));
    }
    return out;
  }

  @Test
  void everyOrderOfTheThreeLanesIsAboutEquallyLikely() {
    final Trace trace = new Trace();
    replay(trace, ShadowReplay.builder(SCHEMA).orderSeed(42));
    final List<String> orders = orders(trace);
    assertThat(orders).hasSize(REQUESTS);
    for (String order : List.of("ABR", "BAR", "ARB", "BRA", "RAB", "RBA")) {
      // expected 100 each; binomial sd ~9.1, so [70, 130] is +-3.3 sd (a fixed order gives 600 and 0)
      assertThat(orders.stream().filter(order::equals).count()).as(order).isBetween(70L, 130L);
    }
  }

  @Test
  void theOrderIsReproducibleFromItsSeedAndDiffersAcrossSeeds() {
    final Trace first = new Trace();
    final Trace again = new Trace();
    final Trace other = new Trace();
    replay(first, ShadowReplay.builder(SCHEMA).orderSeed(7));
    replay(again, ShadowReplay.builder(SCHEMA).orderSeed(7));
    replay(other, ShadowReplay.builder(SCHEMA).orderSeed(8));
    assertThat(orders(again)).isEqualTo(orders(first));
    assertThat(orders(other)).isNotEqualTo(orders(first));
  }

  @Test
  void withoutANoiseFloorBaselineAndCandidateEachRunFirstAboutHalfTheTime() {
    final Trace trace = new Trace();
    ShadowReplay.builder(SCHEMA).orderSeed(3)
        .baseline(new OrderLane("A", trace))
        .candidate(new OrderLane("B", trace))
        .build()
        .run(requests());
    assertThat(trace.runs).hasSize(2 * REQUESTS);
    long baselineFirst = 0;
    for (int i = 0; i < trace.runs.size(); i += 2) {
      baselineFirst += trace.runs.get(i).equals("A") ? 1 : 0;
    }
    // expected 300, sd ~12.2
    assertThat(baselineFirst).isBetween(260L, 340L);
  }

  @Test
  void randomisedOrderRemovesTheFirstRunPenaltyThatAFixedOrderPutsOnTheBaseline() {
    final ShadowReport fixed = replay(new Trace(), ShadowReplay.builder(SCHEMA).fixedOrder());
    final ShadowReport random = replay(new Trace(), ShadowReplay.builder(SCHEMA).orderSeed(42));
    // fixed order: the baseline always pays the 200 µs penalty, so the candidate looks 200 µs faster
    assertThat(fixed.row("latency_mean_us").delta()).isEqualTo(-200.0);
    // and the A/A re-run, also after the baseline, shows the same bias: a floor that hides real changes
    assertThat(fixed.row("latency_mean_us").noise()).isEqualTo(-200.0);
    // randomised: each side pays it a third of the time; the mean difference is sampling noise only
    // (per-request differences are -200, 0 or +200 µs: standard error ~6.7 µs over 600 requests)
    assertThat(Math.abs(random.row("latency_mean_us").delta())).isLessThan(25.0);
    assertThat(random.row("latency_mean_us").flagged()).isFalse();
  }
}
