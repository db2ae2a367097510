package dev.trawl.examples.load;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * A load run second by second, by the second each request was <em>due</em> (counted from the start
 * of the run, warm-up included): requests sent, answered OK, errors, degraded answers, and the p50
 * and p99 latency from the intended send time. Charging a request to the second it was due keeps a
 * stall where it happened: every request due during it is slow in that second, however late it was
 * answered. Requests due after the last second are not kept.
 *
 * <p><b>Thread-safety:</b> safe for concurrent recording and reading (methods synchronize on this).
 * <b>Allocation:</b> the constructor allocates one histogram (2 significant digits) per second;
 * recording allocates nothing.
 */
public final class LoadSeries {
  /** Header of {@link #writeCsv}. */
  public static final String CSV_HEADER = "second,sent,ok,errors,degraded,p50_ms,p99_ms";

  private final long[] sent;
  private final long[] ok;
  private final long[] errors;
  private final long[] degraded;
  private final Histogram[] latency;

  /**
   * A series of {@code seconds} seconds.
   *
   * @throws IllegalArgumentException if {@code seconds} is not positive
   */
  public LoadSeries(int seconds) {
    if (seconds < 1) {
      throw new IllegalArgumentException("a series needs at least one second, got " + seconds);
    }
    sent = new long[seconds];
    ok = new long[seconds];
    errors = new long[seconds];
    degraded = new long[seconds];
    latency = new Histogram[seconds];
    for (int s = 0; s < seconds; s++) {
      latency[s] = new Histogram(OpenLoopLoad.MAX_LATENCY_NANOS, 2);
    }
  }

  /** Seconds kept. */
  public int seconds() {
    return sent.length;
  }

  /** Counts a request due in {@code second} as sent. */
  synchronized void countSent(int second) {
    if (second < sent.length) {
      sent[second]++;
    }
  }

  /** Records the outcome ({@link OpenLoopLoad.Completion#OK} ...) of a request due in {@code second}. */
  synchronized void finished(int second, int outcome, long latencyNanos) {
    if (second >= sent.length) {
      return;
    }
    switch (outcome) {
      case OpenLoopLoad.Completion.OK -> ok[second]++;
      case OpenLoopLoad.Completion.DEGRADED -> degraded[second]++;
      default -> errors[second]++;
    }
    latency[second].recordValue(Math.min(Math.max(latencyNanos, 0), OpenLoopLoad.MAX_LATENCY_NANOS));
  }

  /** Requests due in {@code second}. */
  public synchronized long sent(int second) {
    return sent[second];
  }

  /** Answered OK and complete in {@code second}. */
  public synchronized long ok(int second) {
    return ok[second];
  }

  /** Errors (failed, timed out, non-200) in {@code second}. */
  public synchronized long errors(int second) {
    return errors[second];
  }

  /** Answered, marked degraded, in {@code second}. */
  public synchronized long degraded(int second) {
    return degraded[second];
  }

  /** Latency at {@code percentile} of the requests due in {@code second}, in milliseconds (0 if none). */
  public synchronized double millisAt(int second, double percentile) {
    return latency[second].getTotalCount() == 0 ? 0 : latency[second].getValueAtPercentile(percentile) / 1e6;
  }

  /** Writes {@link #CSV_HEADER} and one line per second. */
  public synchronized void writeCsv(Writer out) throws IOException {
    out.write(CSV_HEADER);
    out.write('\n');
    for (int s = 0; s < sent.length; s++) {
      out.write(String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%.3f,%.3f%n", s, sent[s], ok[s], errors[s],
          degraded[s], millisAt(s, 50), millisAt(s, 99)));
    }
  }
}
