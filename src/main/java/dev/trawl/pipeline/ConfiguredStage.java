package dev.trawl.pipeline;

import java.util.Arrays;

/**
 * One stage as the pipeline runs it: the user's {@link Stage} with its name, kind, options, whether a
 * failure fails the request, its position (which is also the index of its scratch in every context),
 * its declared reads and writes (the stage's own plus its options' extra ones) and its live metrics.
 * Immutable once built (the metrics record concurrently, see {@link StageMetrics}).
 */
final class ConfiguredStage {
  final String name;
  final StageKind kind;
  final Stage stage;
  final StageOptions options;
  final boolean required;
  /** Runs on the pipeline's stage pool, abandoned at the deadline (a non-source that may block). */
  final boolean blocking;
  final int index;
  final Feature[] reads;
  final Feature[] writes;
  final StageMetrics metrics;

  ConfiguredStage(String name, StageKind kind, Stage stage, StageOptions options, int index) {
    this.name = name;
    this.kind = kind;
    this.stage = stage;
    this.options = options;
    this.index = index;
    this.required = options.policy() == StageOptions.Policy.FAIL_CLOSED
        || (options.policy() == StageOptions.Policy.DEFAULT && requiredByDefault(kind));
    this.blocking = kind != StageKind.SOURCE && stage.mayBlock();
    this.reads = concat(stage.reads(), options.extraReads());
    this.writes = concat(stage.writes(), options.extraWrites());
    this.metrics = new StageMetrics(name, kind);
  }

  private static boolean requiredByDefault(StageKind kind) {
    return kind == StageKind.RULE || kind == StageKind.SCORER || kind == StageKind.SELECTOR;
  }

  private static Feature[] concat(Feature[] a, Feature[] b) {
    final Feature[] x = a == null ? Stage.NONE : a;
    final Feature[] out = Arrays.copyOf(x, x.length + b.length);
    System.arraycopy(b, 0, out, x.length, b.length);
    return out;
  }

  /** "rule 'taken-down'": the kind and name, for error messages. */
  String describe() {
    return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " '" + name + "'";
  }
}
