/**
 * Built-in stages that feeds need, each a small immutable class shared by all request threads, with
 * any per-request state in per-context scratch ({@link dev.trawl.pipeline.Stage#newScratch()}):
 *
 * <ul>
 *   <li>query hydrator: {@link dev.trawl.pipeline.stages.RequestFilterHydrator} composes the
 *       request's filter ({@link dev.trawl.filter.RequestFilter}: seen posts, blocked authors, muted
 *       communities, a host restriction) once per request; its {@code rule()} applies it after
 *       retrieval;
 *   <li>sources: {@link dev.trawl.pipeline.stages.VectorSource} (nearest items in a
 *       {@link dev.trawl.index.VectorIndex}, searched with the request's filter through the filter
 *       planner), {@link dev.trawl.pipeline.stages.RecencySource} (newest items of a
 *       {@link dev.trawl.pipeline.stages.RecentItems} ring);
 *   <li>rule: {@link dev.trawl.pipeline.stages.RemovedItemsRule} (ids a host predicate reports
 *       removed for everyone);
 *   <li>hydrator: {@link dev.trawl.pipeline.stages.AttributeHydrator} (author, community, creation
 *       time from the host's {@link dev.trawl.pipeline.stages.ItemMetadata});
 *   <li>scorers: {@link dev.trawl.pipeline.stages.LinearScorer},
 *       {@link dev.trawl.pipeline.stages.FreshnessDecay};
 *   <li>selectors: {@link dev.trawl.pipeline.stages.SortByScore},
 *       {@link dev.trawl.pipeline.stages.DiversityCap} (per author / community),
 *       {@link dev.trawl.pipeline.stages.MmrDiversity} (over item vectors),
 *       {@link dev.trawl.pipeline.stages.SourceBlender} (seeded interleaving),
 *       {@link dev.trawl.pipeline.stages.Truncate}.
 * </ul>
 *
 * <p>Unlike the pipeline core, this package depends on the index ({@code dev.trawl.index}) and the
 * filters ({@code dev.trawl.filter}): these are the stages that connect a pipeline to Trawl's
 * retrieval. None allocates per request in steady state. Selectors that depend on order (caps, MMR,
 * blender) expect to run after {@link dev.trawl.pipeline.stages.SortByScore}. Scores are "higher is
 * better".
 */
package dev.trawl.pipeline.stages;
