/**
 * A test kit for pipeline contributors, with no test-framework dependency: hand-made candidates
 * ({@link dev.trawl.pipeline.testkit.Candidates}), a harness that runs one stage or a small pipeline
 * and returns what came out ({@link dev.trawl.pipeline.testkit.StageTest}), a fake clock for
 * deterministic budgets ({@link dev.trawl.pipeline.testkit.FakeClock}), an allocation meter
 * ({@link dev.trawl.pipeline.testkit.Allocations}) to prove a stage allocates nothing, and stand-ins for
 * host services derived from ids ({@link dev.trawl.pipeline.testkit.SyntheticFeed}: metadata, a recent
 * posts ring, a trending list, an author-affinity feature) so a whole feed runs over a generated corpus,
 * and a real {@code redis-server} process ({@link dev.trawl.pipeline.testkit.RedisServer}); the
 * library's tests, the JMH pipeline benchmark, the Redis integration's tests and the example feed
 * share them.
 *
 * <p>Everything here allocates freely and is meant for tests and tools, never for the request path.
 */
package dev.trawl.pipeline.testkit;
