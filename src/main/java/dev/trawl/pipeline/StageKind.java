package dev.trawl.pipeline;

/** The typed role of a stage; it fixes where the stage runs and what it may touch. */
public enum StageKind {
  QUERY_HYDRATOR,
  SOURCE,
  CANDIDATE_HYDRATOR,
  FILTER,
  SCORER,
  SELECTOR,
  SIDE_EFFECT
}
