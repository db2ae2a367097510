package dev.trawl.pipeline;

/** The typed role of a stage; it fixes where the stage runs and what it may touch. */
public enum StageKind {
  /** A {@link QueryHydrator}: per-request values before the sources. */
  QUERY_HYDRATOR,
  /** A {@link CandidateSource}: produces candidates. */
  SOURCE,
  /** A {@link CandidateHydrator}: fills candidate columns. */
  CANDIDATE_HYDRATOR,
  /** A {@link CandidateRule}: removes candidates. */
  RULE,
  /** A {@link Scorer}: writes scores. */
  SCORER,
  /** A {@link Selector}: reorders and cuts. */
  SELECTOR,
  /** A {@link SideEffect}: acts on the final page. */
  SIDE_EFFECT
}
