package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer in a separate JVM is killed with SIGKILL ({@code kill -9}) at five seeded random
 * points and restarted from its last snapshot each time; a sixth run finishes the stream and is
 * stopped with SIGTERM. The final snapshot holds exactly the live set, vectors, attributes and
 * versions of an uninterrupted in-process run over the same topic, and the positions of the topic's
 * end.
 */
class CrashRestartTest {
  private static final int KILLS = 5;
  private static final String TOPIC = "crash";
  private static final int PARTITIONS = 3;

  @TempDir Path dir;

  @Test
  void killedFiveTimesAndRestartedFromSnapshotsEndsLikeAnUninterruptedRun() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    broker.createTopic(TOPIC, PARTITIONS);
    final float[][] rows = Arrays.copyOf(TestData.siftBase(), 3_000);
    final StreamPlan plan =
        StreamPlan.builder(rows.length)
            .removeEvery(7)
            .updateEvery(4)
            .duplicateEvery(6)
            .shuffleWindow(60)
            .seed(99)
            .build();
    StreamFixture.produce(broker.bootstrap(), TOPIC, plan, rows);
    final long end = Arrays.stream(broker.endOffsets(TOPIC, PARTITIONS)).sum();
    assertThat(end).isEqualTo(plan.size());

    final Path snapshots = dir.resolve("snapshots");
    final SplittableRandom random = new SplittableRandom(2026);
    final List<Long> starts = new ArrayList<>();
    for (int kill = 0; kill < KILLS; kill++) {
      final Process child = launch(broker, snapshots);
      try (BufferedReader out = reader(child)) {
        final long start = parseStart(out.readLine(), child);
        starts.add(start);
        // kill once this run has written a snapshot and received a random share of what is left
        final long threshold = 1 + random.nextLong(Math.max(1, (end - start) / 3));
        while (true) {
          final long[] p = progress(out.readLine(), child);
          if (p[2] >= 1 && p[0] >= threshold) {
            break;
          }
          assertThat(p[1]).as("run %d finished before its kill point", kill).isLessThan(end);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no final snapshot
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);
      }
    }
    final Process last = launch(broker, snapshots);
    try (BufferedReader out = reader(last)) {
      starts.add(parseStart(out.readLine(), last));
      while (progress(out.readLine(), last)[1] < end) {
        // until every partition is applied to its end
      }
      last.destroy(); // SIGTERM: close() applies nothing more and writes the final snapshot
      assertThat(last.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    System.out.println("crash test: runs started at positions " + starts + " of " + end);
    for (int i = 1; i < starts.size(); i++) {
      assertThat(starts.get(i))
          .as("run %d resumes from a newer snapshot than run %d", i, i - 1)
          .isGreaterThan(starts.get(i - 1));
    }

    final LoadedSnapshot finalSnapshot =
        IndexSnapshot.loadWithPositions(snapshots.resolve("latest.idx"));
    assertThat(IngestProcess.sum(finalSnapshot.positions())).isEqualTo(end);

    final VectorIndex uninterrupted =
        VectorIndex.builder(128, Metric.L2).m(8).efConstruction(60).build();
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), TOPIC)
            .index(uninterrupted, SourcePositions.NONE)
            .build()) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == plan.size(), Duration.ofMinutes(3))).isTrue();
    }
    StreamFixture.assertSameLiveSet(finalSnapshot.index(), uninterrupted, plan);
    StreamFixture.assertEndState(
        finalSnapshot.index(), StreamFixture.freshBuild(plan, rows, Metric.L2, 8, 60), plan);
  }

  private Process launch(LocalBroker broker, Path snapshots) throws Exception {
    final Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-Xmx1g",
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            IngestProcess.class.getName(),
            broker.bootstrap(),
            TOPIC,
            "128",
            "l2",
            snapshots.toString(),
            "200")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  private static BufferedReader reader(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  private static long parseStart(String line, Process child) {
    assertThat(line).as("the consumer process started (exit %s)", exit(child)).startsWith("start ");
    return Long.parseLong(line.substring(6).trim());
  }

  /** received, position sum, snapshots written, from a progress line. */
  private static long[] progress(String line, Process child) {
    assertThat(line).as("the consumer process is alive (exit %s)", exit(child)).isNotNull();
    final String[] parts = line.split(" ");
    assertThat(parts[0]).isEqualTo("progress");
    return new long[] {
      Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3])
    };
  }

  private static String exit(Process p) {
    return p.isAlive() ? "running" : Integer.toString(p.exitValue());
  }
}
