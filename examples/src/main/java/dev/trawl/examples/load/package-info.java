/**
 * An open-loop load generator ({@code trawl load}).
 *
 * <p>{@link dev.trawl.examples.load.OpenLoopLoad} owns the schedule (request {@code i} due at {@code
 * start + i / rate}, computed from the start so it never drifts) and the latency histogram, timed from
 * each request's due time so that queueing behind a stall is measured (no coordinated omission). The
 * clock and the target are interfaces, so the schedule is tested on a fake clock, counting requests
 * rather than timing them. {@link dev.trawl.examples.load.LoadCommand} supplies HTTP and in-process
 * targets.
 */
package dev.trawl.examples.load;
