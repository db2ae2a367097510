package dev.trawl.examples.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Allocation charged to the right layer, from frames and from a real JFR recording. */
class AllocationProfileTest {
  /** Keeps the allocated arrays reachable, so escape analysis cannot remove the allocations. */
  static volatile byte[] sink;

  @TempDir Path dir;

  @Test
  void aSampleIsChargedToItsInnermostFrameOutsideTheJdkAndTheLibrarysDependencies() {
    assertThat(AllocationProfile.layer(List.of("java.util.ArrayList", "com.fasterxml.jackson.databind.ObjectMapper",
        "dev.trawl.examples.service.FeedServer"))).isEqualTo("JSON (Jackson)");
    assertThat(AllocationProfile.layer(List.of("org.HdrHistogram.Recorder", "dev.trawl.pipeline.StageMetrics",
        "org.eclipse.jetty.server.Server"))).isEqualTo("Trawl library (dev.trawl)");
    assertThat(AllocationProfile.layer(List.of("dev.trawl.kafka.PostStreamConsumer", "dev.trawl.index.VectorIndex")))
        .isEqualTo("Kafka (connector and client)");
    assertThat(AllocationProfile.layer(List.of("io.netty.buffer.PooledByteBufAllocator")))
        .isEqualTo("Redis (integration and Lettuce/Netty)");
    assertThat(AllocationProfile.layer(List.of("graphql.execution.ExecutionStrategy")))
        .isEqualTo("GraphQL (graphql-java)");
    assertThat(AllocationProfile.layer(List.of("java.lang.Thread", "jdk.internal.misc.Unsafe"))).isEqualTo("JDK");
    assertThat(AllocationProfile.layer(List.of())).isEqualTo("JDK");
    assertThat(AllocationProfile.threadGroup("trawl-http-42")).isEqualTo("trawl-http");
    assertThat(AllocationProfile.threadGroup("trawl-http-40-acceptor-0@29b1")).isEqualTo("trawl-http");
    assertThat(AllocationProfile.threadGroup("C1 CompilerThread0")).isEqualTo("C1 CompilerThread0");
    assertThat(AllocationProfile.threadGroup("kafka-producer | dlq")).isEqualTo("kafka-producer / dlq");
  }

  @Test
  void aRecordingChargesTheBytesAllocatedHereToTheServiceLayer() throws Exception {
    final Path file = dir.resolve("alloc.jfr");
    try (Recording r = new Recording()) {
      r.enable("jdk.ObjectAllocationSample").with("throttle", "1000/s");
      r.start();
      for (int i = 0; i < 20_000; i++) {
        sink = new byte[16_384]; // 320 MB from a class of dev.trawl.examples
      }
      r.stop();
      r.dump(file);
    }
    final AllocationProfile p = AllocationProfile.read(file);
    assertThat(p.samples()).isPositive();
    final String service = AllocationProfile.LAYERS.get(1);
    assertThat(p.bytes(service)).as("bytes charged to this test's package")
        .isGreaterThan(p.totalBytes() / 2);
    assertThat(p.toMarkdown()).contains("| " + service + " |");
  }
}
