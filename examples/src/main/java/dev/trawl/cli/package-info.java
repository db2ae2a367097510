/**
 * The {@code trawl} command line, built with picocli and packaged as one runnable jar.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>One class per command</b> ({@code BuildCommand}, {@code InspectCommand}, {@code
 *       QueryCommand}, {@code EvalCommand}, {@code DemoCommand}); shared work lives in small
 *       helpers: {@code VectorFile} (reads .fvecs, .bvecs, .npy and .csv, memory-mapping binary
 *       files and decoding rows on demand), {@code InputFiles} (truth and id lists), {@code
 *       Indexing} (multi-threaded build), {@code SearchBench} (the timing harness), {@code
 *       Snapshots} (the door to {@link dev.trawl.index.IndexSnapshot}), {@code Progress} and {@code
 *       CorpusOptions} (the generated corpus's flags, a picocli mixin of {@code demo} and {@code
 *       serve}).
 *   <li><b>Errors are one line.</b> Anything wrong with the user's input is a {@code CliError}
 *       whose message names the file, the row or the option and what is wrong; {@code TrawlCli}
 *       prints it on standard error and exits with 1 (2 for a command line that does not parse, 3
 *       for a bug).
 *   <li><b>Output goes through picocli's writers</b>, so tests run commands in-process and read
 *       what they print.
 *   <li><b>Timing like a benchmark.</b> {@code SearchBench} warms up, loops the query set for a
 *       minimum time per repetition, reports medians, and reads allocation per query from the
 *       searching threads' {@code ThreadMXBean} counters; its timed loop allocates nothing itself.
 * </ul>
 */
package dev.trawl.cli;
