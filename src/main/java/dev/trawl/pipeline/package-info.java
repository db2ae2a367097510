/**
 * The feed pipeline: a composable request path from candidate sources to a page, which product
 * engineers extend with small typed stages and which allocates nothing per request.
 *
 * <h2>Model</h2>
 *
 * <ul>
 *   <li><b>Typed stages.</b> {@link dev.trawl.pipeline.Gate}, {@link dev.trawl.pipeline.QueryHydrator},
 *       {@link dev.trawl.pipeline.CandidateSource}, {@link dev.trawl.pipeline.CandidateHydrator},
 *       {@link dev.trawl.pipeline.CandidateRule} (removes candidates),
 *       {@link dev.trawl.pipeline.Scorer}, {@link dev.trawl.pipeline.Selector},
 *       {@link dev.trawl.pipeline.SideEffect}: each one method
 *       whose state comes in as arguments (the request context, the batch), so a stage is a
 *       {@code static final} constant or a small immutable object shared by every thread. Per-context
 *       scratch comes from {@link dev.trawl.pipeline.Stage#newScratch()} and is handed back through
 *       the context, never captured.
 *   <li><b>Validated at build.</b> {@link dev.trawl.pipeline.PipelineBuilder#build()} checks unique
 *       names, that every {@link dev.trawl.pipeline.Feature} a stage reads is written by an earlier
 *       stage (sources declare the built-in columns they fill), and what each kind may write. The
 *       result is immutable.
 *   <li><b>Columnar batch.</b> {@link dev.trawl.pipeline.CandidateBatch} holds candidates as parallel
 *       primitive arrays (id, source, author, community, created-at, score, source score, ordinal,
 *       float feature columns). Rules mark then the pipeline compacts; selectors permute with one
 *       gather per column into a spare array (the two arrays then swap).
 *   <li><b>Context owns everything mutable.</b> {@link dev.trawl.pipeline.RequestContext} (one per
 *       thread, reset per request) owns the inputs (its id sets are {@link dev.trawl.pipeline.IdSet}s),
 *       the batch, the stage scratch and the source fan-out (tasks, sinks, de-duplication set);
 *       {@link dev.trawl.pipeline.PipelineResult} is the reusable page.
 *   <li><b>One class per responsibility.</b> {@link dev.trawl.pipeline.Pipeline} is the immutable
 *       definition; {@link dev.trawl.pipeline.PipelineBuilder} assembles it and
 *       {@code PipelineValidation} checks it; {@code RequestExecution} runs one request's phases and
 *       failure rules; {@code SourceFanOut} (one per context) hands the sources to workers, waits,
 *       abandons and merges, with the request's generation and deadline as arguments;
 *       {@code SourceTask} is the hand-off protocol of one source.
 *   <li><b>No retrieval here.</b> This package depends on no other Trawl package but the internal
 *       {@code dev.trawl.collect}: stages exchange ids and features (never an index's ordinals, which a
 *       removal can give to another item). The stages that search
 *       an index, and the request's filter, are in {@code dev.trawl.pipeline.stages}.
 * </ul>
 *
 * <h2>Concurrency</h2>
 * Sources run on {@link dev.trawl.pipeline.WorkerPool} (allocation-free hand-off: a bounded lock-free
 * queue plus park/unpark), on a host executor, or on the calling thread. Each context pre-allocates
 * one task per source. A task's state is one {@code long} packing the request generation with a
 * phase (idle, queued, running, done, abandoned); the request thread and the worker race with one
 * CAS, so a result is either consumed by the request it belongs to or never read. A task abandoned
 * before it started is reset at once (its stale queue entry is skipped); one still running when its
 * context is reused is replaced, never shared, so a late source cannot write into a later request.
 * Stages that {@linkplain dev.trawl.pipeline.Stage#mayBlock() may block} use the same hand-off
 * ({@code HandOff}, {@code StageTask}) on a stage pool, so the request thread can abandon them at
 * the deadline plus a slack; an abandoned stage keeps the batch, scratch and query features it was
 * given and the context continues with copies. Each blocking stage reaches the pool through its
 * own bound ({@code StageBulkhead}: a permit count and an allocation-free queue of the calls beyond
 * it), so a stage that hangs holds at most its share of the pool's threads. Nothing that was refused
 * by a pool, or abandoned, ever runs on the request thread.
 *
 * <h2>Failures and budgets</h2>
 * Per-request deadline, per-source soft timeouts, per-stage fail-open/fail-closed
 * ({@link dev.trawl.pipeline.StageOptions}); classified errors
 * ({@link dev.trawl.pipeline.PipelineException.Kind}) naming the stage.
 *
 * <h2>Observability</h2>
 * Per-stage counters and HdrHistogram latency recorders are created when the pipeline is built and
 * recorded without allocation from any thread; {@link dev.trawl.pipeline.Pipeline#metrics()} returns
 * a snapshot. Each request also leaves its own per-stage latency and candidates in/out in the
 * context's {@link dev.trawl.pipeline.RequestStats} (primitive arrays sized when the context is
 * created, overwritten in place), the per-request view shadow testing compares.
 * {@link dev.trawl.pipeline.RequestContext#traceNextRequest()} records one request's per-stage ids
 * in and out into a {@link dev.trawl.pipeline.Trace}.
 *
 * <h2>Shadow requests</h2>
 * {@link dev.trawl.pipeline.RequestContext#shadow(boolean)} marks a request as a shadow run: its
 * {@link dev.trawl.pipeline.SideEffect}s are skipped (counted as skipped). Side effects only read
 * the page, so the page is the same as with them on.
 *
 * <p>Built-in stages are in {@code dev.trawl.pipeline.stages}; a test kit for contributors in
 * {@code dev.trawl.pipeline.testkit}; a guide in {@code docs/pipeline.md}.
 */
package dev.trawl.pipeline;
