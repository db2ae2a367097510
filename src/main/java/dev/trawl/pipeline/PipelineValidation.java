package dev.trawl.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks {@link PipelineBuilder#build()} runs before a pipeline exists, in phase order (query
 * hydrators, sources, candidate stages, side effects): unique non-blank names, at least one source,
 * one feature per name, every feature a stage reads written earlier (a built-in column only if every
 * source fills it or a hydrator writes it), and what each kind may write. Every problem is collected,
 * so one build lists them all. Stateless; runs once per build.
 */
final class PipelineValidation {
  private PipelineValidation() {}

  /**
   * Checks the stages of pipeline {@code name} in declaration order and returns the column layout
   * they imply.
   *
   * @throws IllegalArgumentException listing every problem: no source, blank or duplicate stage
   *     names, two features with one name, a stage reading a feature no earlier stage writes, a
   *     stage writing what its kind may not write
   */
  static Schema validate(String name, List<ConfiguredStage> stages, List<Feature> inputs) {
    final List<String> problems = new ArrayList<>();
    final Set<String> names = new LinkedHashSet<>();
    final Map<String, Feature> featureNames = new HashMap<>();
    final List<String> sourceNames = new ArrayList<>();
    for (ConfiguredStage s : stages) {
      if (s.name == null || s.name.isBlank()) {
        problems.add("a " + s.kind + " has a blank name");
      } else if (!names.add(s.name)) {
        problems.add("duplicate stage name '" + s.name + "'");
      }
      if (s.kind == StageKind.SOURCE) {
        sourceNames.add(s.name);
      }
      for (Feature f : s.reads) {
        checkFeatureName(f, featureNames, problems);
      }
      for (Feature f : s.writes) {
        checkFeatureName(f, featureNames, problems);
      }
    }
    for (Feature f : inputs) {
      checkFeatureName(f, featureNames, problems);
    }
    if (sourceNames.isEmpty()) {
      problems.add("a pipeline needs at least one candidate source");
    }
    final Set<Feature> available = new LinkedHashSet<>(inputs);
    available.add(Feature.SCORE);
    available.add(Feature.SOURCE_SCORE);
    final List<Feature> candidateFeatures = new ArrayList<>();
    // phase order: query hydrators, sources, candidate stages, side effects
    for (ConfiguredStage s : stages) {
      if (s.kind == StageKind.QUERY_HYDRATOR) {
        checkReads(s, available, problems, null);
        for (Feature f : s.writes) {
          if (f.kind() != Feature.Kind.QUERY) {
            problems.add(s.describe() + " writes " + f + ", but query hydrators write query features only");
          }
          available.add(f);
        }
      }
    }
    final Map<Feature, List<String>> missingFrom = new HashMap<>();
    for (Feature f : List.of(Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT)) {
      missingFrom.put(f, new ArrayList<>());
    }
    for (ConfiguredStage s : stages) {
      if (s.kind == StageKind.SOURCE) {
        checkReads(s, available, problems, null);
        final List<Feature> w = Arrays.asList(s.writes);
        for (Feature f : s.writes) {
          if (!missingFrom.containsKey(f)) {
            problems.add(s.describe() + " declares it writes " + f
                + ", but sources can only fill author, community and created_at");
          }
        }
        for (Map.Entry<Feature, List<String>> e : missingFrom.entrySet()) {
          if (!w.contains(e.getKey())) {
            e.getValue().add(s.name);
          }
        }
      }
    }
    for (Map.Entry<Feature, List<String>> e : missingFrom.entrySet()) {
      if (e.getValue().isEmpty() && !sourceNames.isEmpty()) {
        available.add(e.getKey());
      }
    }
    for (ConfiguredStage s : stages) {
      switch (s.kind) {
        case CANDIDATE_HYDRATOR:
        case RULE:
        case SCORER:
        case SELECTOR:
          checkReads(s, available, problems, missingFrom);
          for (Feature f : s.writes) {
            final boolean ok = f.kind() == Feature.Kind.CANDIDATE
                ? s.kind == StageKind.CANDIDATE_HYDRATOR || s.kind == StageKind.SCORER
                : s.kind == StageKind.CANDIDATE_HYDRATOR && f != Feature.SCORE
                    && f != Feature.SOURCE_SCORE && f.kind() == Feature.Kind.BUILT_IN
                    || s.kind == StageKind.SCORER && f == Feature.SCORE;
            if (!ok) {
              problems.add(s.describe() + " may not write " + f);
            }
            available.add(f);
            if (f.kind() == Feature.Kind.CANDIDATE && !candidateFeatures.contains(f)) {
              candidateFeatures.add(f);
            }
          }
          break;
        default:
          break;
      }
    }
    for (ConfiguredStage s : stages) {
      if (s.kind == StageKind.SIDE_EFFECT) {
        checkReads(s, available, problems, missingFrom);
        if (s.writes.length > 0) {
          problems.add(s.describe() + " may not write features");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("pipeline '" + name + "' is invalid: "
          + String.join("; ", problems));
    }
    final List<Feature> queryFeatures = new ArrayList<>();
    for (Feature f : available) {
      if (f.kind() == Feature.Kind.QUERY) {
        queryFeatures.add(f);
      }
    }
    return new Schema(candidateFeatures, queryFeatures, sourceNames.toArray(new String[0]));
  }

  private static void checkFeatureName(Feature f, Map<String, Feature> byName, List<String> problems) {
    final Feature other = byName.putIfAbsent(f.name(), f);
    if (other != null && other != f) {
      problems.add("two different features are named '" + f.name() + "'");
    }
  }

  private static void checkReads(ConfiguredStage s, Set<Feature> available, List<String> problems,
      Map<Feature, List<String>> missingFrom) {
    for (Feature f : s.reads) {
      if (available.contains(f)) {
        continue;
      }
      if (missingFrom != null && missingFrom.containsKey(f)) {
        problems.add(s.describe() + " reads " + f + ", which not every source fills (missing from "
            + missingFrom.get(f) + "); add a hydrator that writes it earlier, or declare it in "
            + "those sources' writes()");
      } else if (f.kind() == Feature.Kind.QUERY) {
        problems.add(s.describe() + " reads " + f + ", which is neither a declared input nor "
            + "written by an earlier query hydrator");
      } else {
        problems.add(s.describe() + " reads " + f + ", but no earlier stage writes it; add a "
            + "hydrator that declares it in writes() before '" + s.name + "'");
      }
    }
  }
}
