package dev.trawl.examples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The generator's schedule and latency accounting, on a fake clock: counts, never wall time. */
class OpenLoopLoadTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  /** A clock that only moves when told to: sleeping jumps to the deadline, a stalling target adds time. */
  static final class FakeClock implements OpenLoopLoad.Clock {
    long now = 5 * S; // not zero, so that offsets and absolute times differ

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepUntil(long deadlineNanos) {
      now = Math.max(now, deadlineNanos);
    }
  }

  @Test
  void sendsRateTimesDurationRequestsAtExactIntervalsAndRecordsOnlyTheMeasuredWindow() throws Exception {
    final FakeClock clock = new FakeClock();
    final long start = clock.now;
    final List<Long> intended = new ArrayList<>();
    final List<Long> sentAt = new ArrayList<>();
    final OpenLoopLoad.Result r = new OpenLoopLoad(clock, 1000, 2 * S, S / 2, 16)
        .run((seq, due, done) -> {
          assertThat(seq).isEqualTo(intended.size());
          intended.add(due);
          sentAt.add(clock.now);
          done.complete(due, true);
        });
    assertThat(r.sent()).isEqualTo(2500);
    assertThat(r.measured()).isEqualTo(2000);
    assertThat(r.latency().getTotalCount()).isEqualTo(2000);
    assertThat(r.errors()).isZero();
    for (int i = 0; i < intended.size(); i++) {
      assertThat(intended.get(i)).isEqualTo(start + i * MS);
      assertThat(sentAt.get(i)).isEqualTo(intended.get(i)); // nothing stalled: sent on time
    }
    assertThat(r.latency().getMaxValue()).isZero();
    assertThat(r.maxSendLagNanos()).isZero();
  }

  @Test
  void scheduleWithAFractionalIntervalDoesNotDrift() throws Exception {
    final FakeClock clock = new FakeClock();
    final long start = clock.now;
    final List<Long> intended = new ArrayList<>();
    final OpenLoopLoad.Result r = new OpenLoopLoad(clock, 7, 10 * S, 0, 1)
        .run((seq, due, done) -> {
          intended.add(due);
          done.complete(due, true);
        });
    assertThat(r.sent()).isEqualTo(70);
    assertThat(intended.get(1) - start).isEqualTo(142_857_143L); // round(1e9 / 7)
    // computed from the start, not by adding a rounded interval 69 times (that would be off by 69 * 0.43 ns)
    assertThat(intended.get(69) - start).isEqualTo(Math.round(69e9 / 7));
  }

  @Test
  void aStallIsChargedToEveryRequestScheduledDuringItNotJustTheOneThatStalled() throws Exception {
    final FakeClock clock = new FakeClock();
    final OpenLoopLoad.Result r = new OpenLoopLoad(clock, 1000, S, 0, 1)
        .run((seq, due, done) -> {
          if (seq == 500) {
            clock.now += 100 * MS; // the target stalls for 100 ms on this request
          }
          done.complete(due, true);
        });
    final Histogram h = r.latency();
    assertThat(h.getTotalCount()).isEqualTo(1000);
    // request 500 took 100 ms; 501..599 were due during the stall and waited 99..1 ms for it
    assertThat(h.getMaxValue()).isEqualTo(h.highestEquivalentValue(100 * MS));
    assertThat(countAtLeast(h, 1)).isEqualTo(100);
    assertThat(countAtLeast(h, 50 * MS)).isEqualTo(51);
    // a closed-loop client would have recorded one slow request; here the p95 is already slow
    assertThat(h.getValueAtPercentile(95)).isGreaterThanOrEqualTo(50 * MS - MS);
    assertThat(r.maxSendLagNanos()).isEqualTo(99 * MS);
  }

  @Test
  void countsFailedRequestsAndTargetExceptionsAsErrors() throws Exception {
    final FakeClock clock = new FakeClock();
    final OpenLoopLoad.Result r = new OpenLoopLoad(clock, 100, S, 0, 4)
        .run((seq, due, done) -> {
          if (seq % 10 == 3) {
            throw new IllegalStateException("connection refused");
          }
          done.complete(due, seq % 10 != 7);
        });
    assertThat(r.measured()).isEqualTo(100);
    assertThat(r.errors()).isEqualTo(20);
    assertThat(r.latency().getTotalCount()).isEqualTo(100);
  }

  @Test
  void theSeriesChargesEachRequestToTheSecondItWasDue() throws Exception {
    final FakeClock clock = new FakeClock();
    final OpenLoopLoad.Result r = new OpenLoopLoad(clock, 100, 2 * S, S, 1)
        .run((seq, due, done) -> {
          if (seq == 150) {
            clock.now += 200 * MS; // a stall in the middle of second 1
          }
          final boolean faulty = seq >= 100 && seq < 200;
          done.complete(due, faulty && seq % 4 == 0 ? OpenLoopLoad.Completion.ERROR
              : faulty && seq % 4 == 1 ? OpenLoopLoad.Completion.DEGRADED : OpenLoopLoad.Completion.OK);
        });
    final LoadSeries series = r.series();
    assertThat(series.seconds()).isEqualTo(3); // warm-up second included
    for (int s = 0; s < 3; s++) {
      assertThat(series.sent(s)).isEqualTo(100);
      assertThat(series.ok(s) + series.errors(s) + series.degraded(s)).isEqualTo(100);
    }
    assertThat(series.errors(1)).isEqualTo(25);
    assertThat(series.degraded(1)).isEqualTo(25);
    assertThat(series.ok(0)).isEqualTo(100);
    assertThat(series.ok(2)).isEqualTo(100);
    // the 20 requests due during the stall (1.50 s to 1.69 s) were late: only second 1 is slow
    assertThat(series.millisAt(1, 99)).isGreaterThanOrEqualTo(190);
    assertThat(series.millisAt(1, 50)).isZero();
    assertThat(series.millisAt(0, 99)).isZero();
    assertThat(series.millisAt(2, 99)).isZero();
    // the summary counts the measured window (seconds 1 and 2)
    assertThat(r.errors()).isEqualTo(25);
    assertThat(r.degraded()).isEqualTo(25);

    final java.io.StringWriter csv = new java.io.StringWriter();
    series.writeCsv(csv);
    assertThat(csv.toString().split("\n")).hasSize(4).startsWith(LoadSeries.CSV_HEADER);
    assertThat(csv.toString()).contains("\n1,100,50,25,25,0.000,");
  }

  @Test
  void rejectsImpossibleSettings() {
    final FakeClock clock = new FakeClock();
    assertThatThrownBy(() -> new OpenLoopLoad(clock, 0, S, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
    assertThatThrownBy(() -> new OpenLoopLoad(clock, 10, 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
    assertThatThrownBy(() -> new OpenLoopLoad(clock, 10, S, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight");
  }

  private static long countAtLeast(Histogram h, long nanos) {
    return h.getTotalCount() - h.getCountBetweenValues(0, h.lowestEquivalentValue(nanos) - 1);
  }
}
