/**
 * Comparison metrics for shadow testing, computed over caller-owned primitive columns with scratch
 * that is reused from one request to the next.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>One join, many metrics.</b> {@link dev.trawl.shadow.metrics.PageAlignment} hashes both
 *       pages' ids once and stores, per position, the rank of the same item on the other page. Overlap@k,
 *       Jaccard, rank-biased overlap (RBO<sub>EXT</sub>), Kendall's tau and rank shifts are each a
 *       linear (tau: {@code n log n}) pass over those two {@code int[]} columns.
 *   <li><b>Epoch-cleared hashing.</b> {@link dev.trawl.collect.LongIntTable} forgets a page in
 *       O(1) by bumping a stamp, so a request costs work proportional to its page, not to the largest
 *       page ever seen.
 *   <li><b>Fixed bins.</b> Distribution shift (PSI, two-sample KS in
 *       {@link dev.trawl.shadow.metrics.BinnedDistance}) is computed on histograms whose
 *       {@link dev.trawl.shadow.metrics.FixedBins} are chosen before the run, so windows and runs can be
 *       compared and merged by adding counts.
 *   <li><b>Streaming moments.</b> {@link dev.trawl.shadow.metrics.RunningStat} keeps count, mean and
 *       variance (Welford) so a window reports a mean with its standard error and stores no samples.
 *   <li><b>Verdict statistics.</b> {@link dev.trawl.shadow.metrics.Distributions} (normal quantile,
 *       Bonferroni critical values, quantiles of bucketed distributions) and
 *       {@link dev.trawl.shadow.metrics.QuantileBootstrap} (seeded bootstrap standard error of a
 *       quantile difference, one O(log buckets) draw per resample) serve the report, off the request
 *       path; neither allocates per call.
 * </ul>
 *
 * <p>Concurrency: every class here with state is single-threaded and meant to be owned by one
 * comparing thread; {@code FixedBins} and {@code BinnedDistance} are immutable/stateless. Nothing
 * allocates in steady state: buffers grow only when a page is longer than any seen before.
 *
 * <p>This package depends on nothing else in Trawl but the internal {@code dev.trawl.collect}; it is
 * the bottom layer of {@code dev.trawl.shadow}.
 */
package dev.trawl.shadow.metrics;
