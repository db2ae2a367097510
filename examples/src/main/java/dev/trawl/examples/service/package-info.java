/**
 * An example home-feed service that embeds Trawl in its request path ({@code trawl serve}).
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>{@link dev.trawl.examples.service.CorpusWorld}</b> owns the data: a generated corpus, its
 *       index, the recent-posts ring, the metadata of streamed posts and the home-feed pipeline over
 *       them. The Kafka connector writes streamed posts into the same index and tells the world
 *       through a {@link dev.trawl.kafka.PostEventListener}.
 *   <li><b>{@link dev.trawl.examples.service.FeedService}</b> is the feed as a plain Java call, with
 *       its own input checks and pagination; each serving thread keeps one request context and result
 *       (the pipeline's reuse contract), so the library part of a request allocates nothing.
 *   <li><b>Two thin APIs over the same call</b>: {@link dev.trawl.examples.service.FeedGraphQL}
 *       (graphql-java) and the JSON endpoint of {@link dev.trawl.examples.service.FeedServer}
 *       (Jetty 12 core handlers), so what the GraphQL layer costs is measurable beside JSON.
 *   <li><b>{@link dev.trawl.examples.service.FeedApp}</b> wires world, stream, stores, shadow,
 *       service and server, and owns readiness and the shutdown order: drain HTTP, stop the stream,
 *       then write the snapshot, so it is an exact cut of the stream (its positions are where a
 *       restart resumes).
 *   <li><b>{@link dev.trawl.examples.service.FeedShadow}</b> runs a candidate variant beside the live
 *       feed on sampled requests (the library's {@code ShadowMode}); the live answer never waits for
 *       it.
 *   <li><b>{@link dev.trawl.examples.service.HangingStage}</b> is a fault drill: a stage switched
 *       to hang at run time, to watch the pipeline abandon, count and refuse its calls under load.
 *   <li><b>{@link dev.trawl.examples.service.ThrowingStage}</b> is the shadow's fault drill: a
 *       fail-closed stage of the candidate switched to throw at run time, to watch every candidate
 *       run fail while the live pages stay as they were.
 *   <li>Client errors are {@link dev.trawl.examples.service.FeedService.BadFeedRequest}s with a
 *       message that names the bad value; a failing stage degrades the page, never the request.
 * </ul>
 */
package dev.trawl.examples.service;
