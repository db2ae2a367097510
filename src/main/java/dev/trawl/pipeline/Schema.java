package dev.trawl.pipeline;

import java.util.Arrays;
import java.util.List;

/**
 * The column layout a pipeline fixed at build time: which candidate features are columns and at
 * which index, which query features exist, and the source names. Immutable, shared by the pipeline's
 * contexts; lookups are two array reads.
 */
final class Schema {
  final Feature[] candidateFeatures;
  final Feature[] queryFeatures;
  final String[] sourceNames;
  private final int[] columnOfSlot;

  Schema(List<Feature> candidate, List<Feature> query, String[] sourceNames) {
    this.candidateFeatures = candidate.toArray(new Feature[0]);
    this.queryFeatures = query.toArray(new Feature[0]);
    this.sourceNames = sourceNames;
    int maxSlot = -1;
    for (Feature f : candidateFeatures) {
      maxSlot = Math.max(maxSlot, f.slot());
    }
    for (Feature f : queryFeatures) {
      maxSlot = Math.max(maxSlot, f.slot());
    }
    columnOfSlot = new int[maxSlot + 1];
    Arrays.fill(columnOfSlot, -1);
    for (int i = 0; i < candidateFeatures.length; i++) {
      columnOfSlot[candidateFeatures[i].slot()] = i;
    }
    for (int i = 0; i < queryFeatures.length; i++) {
      columnOfSlot[queryFeatures[i].slot()] = i;
    }
  }

  /** Column of a candidate feature; throws naming the feature when the pipeline does not have it. */
  int candidateColumn(Feature f) {
    final int slot = f.slot();
    final int c = slot < columnOfSlot.length ? columnOfSlot[slot] : -1;
    if (c < 0 || f.kind() != Feature.Kind.CANDIDATE) {
      throw new IllegalArgumentException(
          f + " is not a candidate feature of this pipeline; declare it in a stage's writes()");
    }
    return c;
  }

  int queryIndex(Feature f) {
    final int slot = f.slot();
    final int c = slot < columnOfSlot.length ? columnOfSlot[slot] : -1;
    if (c < 0 || f.kind() != Feature.Kind.QUERY) {
      throw new IllegalArgumentException(
          f + " is not a query feature of this pipeline; declare it with Builder.input or a query hydrator");
    }
    return c;
  }
}
