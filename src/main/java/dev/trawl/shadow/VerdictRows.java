package dev.trawl.shadow;

import dev.trawl.shadow.metrics.BinnedDistance;
import dev.trawl.shadow.metrics.Distributions;
import dev.trawl.shadow.metrics.QuantileBootstrap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Turns a report's metrics into {@link MetricRow}s with verdicts, shared by {@link ShadowReport} and
 * {@link DriftReport}: collects each metric's tested effect and standard error first, because the
 * Bonferroni level depends on how many are tested, then decides them all under one {@link FlagPolicy}.
 * Not thread-safe; used once per report (allocates).
 */
final class VerdictRows {
  /** A metric before its verdict: the number of tests (Bonferroni's m) is known only at the end. */
  static final class Pending {
    String group;
    String name;
    MetricKind kind;
    double primary;
    double candidate;
    double delta;
    double noise;
    double effect;
    double se = Double.NaN;
    /** KS: the sizes whose critical value is the half-width; PSI: a fixed half-width. */
    long ksA = -1;
    long ksB;
    double fixedHalfWidth = Double.NaN;
    String note = "";
    boolean structural;
  }

  private final List<Pending> pending = new ArrayList<>();
  private int tested;

  /** Metrics tested by the last {@link #decide}. */
  int tested() {
    return tested;
  }

  Pending add(String group, MetricKind kind, String name) {
    final Pending p = new Pending();
    p.group = group;
    p.kind = kind;
    p.name = name;
    pending.add(p);
    return p;
  }

  /** Bonferroni over the metrics that are tested (have an effect and are not structural). */
  List<MetricRow> decide(FlagPolicy policy) {
    int tests = 0;
    for (Pending p : pending) {
      if (!p.structural && !Double.isNaN(p.effect)) {
        tests++;
      }
    }
    this.tested = tests;
    final double fwer = policy.familyWiseErrorRate();
    final double z = Distributions.bonferroniZ(fwer, Math.max(1, tests));
    final List<MetricRow> rows = new ArrayList<>(pending.size());
    for (Pending p : pending) {
      final double e = policy.minEffect(p.kind, p.primary);
      double half;
      if (p.ksA >= 0) {
        half = BinnedDistance.ksCritical(p.ksA, p.ksB, fwer / Math.max(1, tests));
      } else if (!Double.isNaN(p.fixedHalfWidth)) {
        half = p.fixedHalfWidth;
      } else {
        half = z * p.se;
      }
      if (Double.isNaN(half)) {
        half = 0; // no sampling noise measurable (e.g. a constant metric): the interval is the point
      }
      final double lo = p.effect - half;
      final double hi = p.effect + half;
      final Verdict verdict = p.structural ? Verdict.CHANGED : verdict(p.kind, p.effect, lo, hi, e);
      rows.add(new MetricRow(p.group, p.name, p.kind, p.primary, p.candidate, p.delta, p.noise, p.effect,
          p.structural ? Double.NaN : lo, p.structural ? Double.NaN : hi, e, verdict, p.note));
    }
    return rows;
  }

  static Verdict verdict(MetricKind kind, double effect, double lo, double hi, double minEffect) {
    if (Double.isNaN(effect)) {
      return Verdict.INCONCLUSIVE;
    }
    if (kind.isDistance() && effect <= 0) {
      return Verdict.SAME; // no farther from the primary than the primary's own re-run
    }
    final boolean significant = lo > 0 || hi < 0;
    if (significant && Math.abs(effect) > minEffect) {
      if (!kind.lowerIsBetter()) {
        return Verdict.CHANGED;
      }
      return effect > 0 ? Verdict.WORSE : Verdict.BETTER;
    }
    if (significant || (lo >= -minEffect && hi <= minEffect)) {
      return Verdict.SAME;
    }
    return Verdict.INCONCLUSIVE;
  }

  static double bootstrapSe(FlagPolicy policy, Histogram reference, Histogram candidate, double p) {
    final Buckets r = Buckets.of(reference);
    final Buckets c = Buckets.of(candidate);
    return new QuantileBootstrap(policy.bootstrapResamples(), policy.bootstrapSeed())
        .differenceStandardError(r.micros, r.cumulative, r.length, c.micros, c.cumulative, c.length, p);
  }

  /** A histogram's recorded buckets as ascending values (µs) with cumulative counts. */
  private static final class Buckets {
    double[] micros = new double[64];
    long[] cumulative = new long[64];
    int length;

    static Buckets of(Histogram h) {
      final Buckets out = new Buckets();
      long total = 0;
      for (HistogramIterationValue v : h.recordedValues()) {
        if (out.length == out.micros.length) {
          out.micros = Arrays.copyOf(out.micros, out.length * 2);
          out.cumulative = Arrays.copyOf(out.cumulative, out.length * 2);
        }
        total += v.getCountAtValueIteratedTo();
        out.micros[out.length] = h.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0;
        out.cumulative[out.length] = total;
        out.length++;
      }
      return out;
    }
  }

  static double quantileMicros(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }


  /** The rows whose verdict is a change. */
  static List<MetricRow> changed(List<MetricRow> rows) {
    final List<MetricRow> out = new ArrayList<>();
    for (MetricRow r : rows) {
      if (r.flagged()) {
        out.add(r);
      }
    }
    return out;
  }

  /** The row named {@code name}, or {@code null}. */
  static MetricRow find(List<MetricRow> rows, String name) {
    for (MetricRow r : rows) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    return null;
  }

  static long sum(long[] counts) {
    long s = 0;
    for (long c : counts) {
      s += c;
    }
    return s;
  }
}
