/**
 * Shadow testing: run a candidate pipeline beside the primary on real (or recorded) requests, compare
 * what each returned and what it cost, and flag only the differences larger than the noise between
 * two runs of the primary itself.
 *
 * <h2>Layers</h2>
 *
 * <ul>
 *   <li>{@link dev.trawl.shadow.metrics} — the metric kernels (overlap@k, Jaccard, RBO, Kendall's tau,
 *       rank shift, PSI, KS, running moments) over primitive columns with reusable scratch.
 *   <li>{@link dev.trawl.shadow.RunRecord} — one run of one request, copied into primitive columns
 *       (page, outcome, latencies, rule funnel) under a {@link dev.trawl.shadow.ShadowSchema} that
 *       names sources, rules and stages by index, so two pipelines are aligned by name.
 *   <li>{@link dev.trawl.shadow.PairComparison} (one per job, scratch) computes the per-request
 *       metrics; {@link dev.trawl.shadow.ComparisonWindow} folds them into means with standard errors
 *       (paired differences), fixed-bin histograms and HdrHistograms.
 *   <li>{@link dev.trawl.shadow.ShadowReport} sets an A/B window beside an A/A window under a
 *       {@link dev.trawl.shadow.FlagPolicy}, gives every metric a {@link dev.trawl.shadow.Verdict}
 *       (confidence interval at a Bonferroni family-wise error, minimum effect per
 *       {@link dev.trawl.shadow.MetricKind}) that a release gate can trip on, and renders JSON (layout
 *       versioned in {@code report.schema.json}), text and a self-contained HTML page.
 *   <li>Drift over time: {@link dev.trawl.shadow.DriftMonitor} folds a live pipeline's sampled runs
 *       and query vectors into {@link dev.trawl.shadow.DriftWindow}s; a
 *       {@link dev.trawl.shadow.DriftReport} compares a reference window with the current one under
 *       the same verdicts.
 *   <li>Drivers: {@link dev.trawl.shadow.ShadowMode} (in-process, sampled, bounded, never touching the
 *       primary), {@link dev.trawl.shadow.ShadowReplay} (offline, from a
 *       {@link dev.trawl.shadow.RequestLog} written by a {@link dev.trawl.shadow.RequestSampler}).
 *   <li>Pipeline glue: {@link dev.trawl.shadow.PipelineLane} and {@link dev.trawl.shadow.PipelineShadow};
 *       any other system can take part by implementing {@link dev.trawl.shadow.ShadowLane} and
 *       {@link dev.trawl.shadow.PrimaryRecorder}.
 * </ul>
 *
 * <h2>Concurrency and allocation</h2>
 *
 * Request threads only sample (a {@code ThreadLocalRandom} draw), claim a pre-allocated job index by
 * CAS and copy into it; nothing blocks and nothing allocates. Shadow workers own the job while running
 * it, compare with the job's own scratch and fold into a window under its monitor (uncontended with
 * one worker). Reports and their rendering allocate and run off the request path. Jobs cross threads
 * through volatile state writes ({@code QUEUED} publishes the copied request, {@code FREE} publishes
 * the job's return).
 *
 * <h2>Noise floor and verdicts</h2>
 *
 * Every per-request metric is kept as a paired difference (candidate minus primary, or
 * dissimilarity for agreement metrics) with its standard error. The tested effect is the A/B
 * difference minus the A/A difference; its interval uses {@code z = Phi^-1(1 - fwer / 2m)} over the
 * {@code m} metrics tested, and a change must also exceed the kind's minimum effect. Offline replays
 * draw the lanes' run order per request, so warm-up costs fall on no side in particular. See
 * {@code docs/shadow.md}.
 */
package dev.trawl.shadow;
