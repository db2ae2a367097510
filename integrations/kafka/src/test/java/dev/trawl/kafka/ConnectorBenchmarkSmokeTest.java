package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The benchmark harness runs every mode end to end on a few hundred rows (it checks its own counts:
 * every row added, every event applied); no timing is judged.
 */
class ConnectorBenchmarkSmokeTest {
  @Test
  void everyModeRunsOnTinyData() throws Exception {
    final float[][] rows = Arrays.copyOf(TestData.siftBase(), 400);
    final float[][] queries = Arrays.copyOf(TestData.siftQueries(), 20);
    assertThat(ConnectorBenchmark.smoke(LocalBroker.shared(), rows, queries))
        .containsExactly("codec", "ingest", "search");
  }
}
