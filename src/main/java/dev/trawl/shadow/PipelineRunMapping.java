package dev.trawl.shadow;

import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestStats;
import dev.trawl.pipeline.StageKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one pipeline's sources, stages and rules go in a {@link ShadowSchema}, resolved once at
 * set-up, and the copy of one request's page and per-stage figures into a {@link RunRecord} with
 * them. A stage or rule the schema does not name (a side effect, say) is left out.
 *
 * <p>Immutable and thread-safe. <b>Allocation:</b> the constructor allocates; {@link #copy} does not.
 */
final class PipelineRunMapping {
  private final String pipeline;
  private final String[] names;
  private final int[] sources;
  private final int[] stages;
  private final int[] rules;

  /** @throws IllegalArgumentException if a source of {@code pipeline} is not in {@code schema} */
  PipelineRunMapping(Pipeline pipeline, ShadowSchema schema) {
    this.pipeline = pipeline.name();
    final List<String> sourceNames = pipeline.sourceNames();
    sources = new int[sourceNames.size()];
    final List<String> missing = new ArrayList<>();
    for (int i = 0; i < sources.length; i++) {
      sources[i] = schema.sourceIndex(sourceNames.get(i));
      if (sources[i] < 0) {
        missing.add(sourceNames.get(i));
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("sources " + missing + " of pipeline '" + pipeline.name()
          + "' are not in the shadow schema " + schema + "; build it with PipelineShadow.schema(...)");
    }
    names = pipeline.stageNames().toArray(new String[0]);
    final List<StageKind> kinds = pipeline.stageKinds();
    stages = new int[names.length];
    rules = new int[names.length];
    for (int i = 0; i < stages.length; i++) {
      stages[i] = schema.stageIndex(names[i]);
      rules[i] = kinds.get(i) == StageKind.RULE ? schema.ruleIndex(names[i]) : -1;
    }
  }

  private void checkStages(RequestStats stats) {
    boolean same = stats.stageCount() == names.length;
    for (int i = 0; same && i < names.length; i++) {
      same = names[i].equals(stats.stageName(i));
    }
    if (!same) {
      final String[] theirs = new String[stats.stageCount()];
      for (int i = 0; i < theirs.length; i++) {
        theirs[i] = stats.stageName(i);
      }
      throw new IllegalArgumentException("the request's stages " + java.util.Arrays.toString(theirs)
          + " are not those of pipeline '" + pipeline + "' " + java.util.Arrays.toString(names)
          + "; pass a context of that pipeline");
    }
  }

  private void copyPage(PipelineResult result, RunRecord out) {
    final int n = result.size();
    for (int i = 0; i < n; i++) {
      out.addItem(result.id(i), sources[result.source(i)], result.author(i), result.community(i),
          result.score(i));
    }
    out.timedOutStages(result.timedOutSources());
  }

  /**
   * Copies the page and, from {@code stats} (the same request's {@link RequestStats}), each stage's
   * latency and each rule's funnel. Allocation-free.
   *
   * @throws IllegalArgumentException if {@code stats} do not have this pipeline's stages (the
   *     context belongs to another pipeline); nothing is copied then
   */
  void copy(PipelineResult result, RequestStats stats, RunRecord out) {
    checkStages(stats);
    copyPage(result, out);
    for (int i = 0; i < stages.length; i++) {
      final long nanos = stats.nanos(i);
      if (stages[i] >= 0 && nanos != RequestStats.NOT_RUN) {
        out.stageNanos(stages[i], nanos);
      }
      final int in = stats.in(i);
      if (rules[i] >= 0 && in != RequestStats.NOT_RUN) {
        out.ruleCounts(rules[i], in, stats.removed(i));
      }
    }
  }
}
