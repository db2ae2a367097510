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
  private final int[] columnOfNumber;

  Schema(List<Feature> candidate, List<Feature> query, String[] sourceNames) {
    this.candidateFeatures = candidate.toArray(new Feature[0]);
    this.queryFeatures = query.toArray(new Feature[0]);
    this.sourceNames = sourceNames;
    int maxNumber = -1;
    for (Feature f : candidateFeatures) {
      maxNumber = Math.max(maxNumber, f.number());
    }
    for (Feature f : queryFeatures) {
      maxNumber = Math.max(maxNumber, f.number());
    }
    columnOfNumber = new int[maxNumber + 1];
    Arrays.fill(columnOfNumber, -1);
    for (int i = 0; i < candidateFeatures.length; i++) {
      columnOfNumber[candidateFeatures[i].number()] = i;
    }
    for (int i = 0; i < queryFeatures.length; i++) {
      columnOfNumber[queryFeatures[i].number()] = i;
    }
  }

  /** Column of a candidate feature; throws naming the feature when the pipeline does not have it. */
  int candidateColumn(Feature f) {
    final int number = f.number();
    final int c = number < columnOfNumber.length ? columnOfNumber[number] : -1;
    if (c < 0 || f.kind() != Feature.Kind.CANDIDATE) {
      throw new IllegalArgumentException(
          f + " is not a candidate feature of this pipeline; declare it in a stage's writes()");
    }
    return c;
  }

  int queryIndex(Feature f) {
    final int number = f.number();
    final int c = number < columnOfNumber.length ? columnOfNumber[number] : -1;
    if (c < 0 || f.kind() != Feature.Kind.QUERY) {
      throw new IllegalArgumentException(
          f + " is not a query feature of this pipeline; declare it with Builder.input or a query hydrator");
    }
    return c;
  }
}
