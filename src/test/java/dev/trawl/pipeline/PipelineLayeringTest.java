package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pipeline core ({@code dev.trawl.pipeline}) depends on no retrieval package: not the index, the
 * filters, the graph nor the vectors, only the internal collections. The built-in stages that connect a
 * pipeline to the index live in {@code dev.trawl.pipeline.stages}. Checked on the compiled classes'
 * constant pools, where every class a class refers to is named.
 */
class PipelineLayeringTest {
  private static final List<String> RETRIEVAL = List.of("dev/trawl/index/", "dev/trawl/filter/",
      "dev/trawl/hnsw/", "dev/trawl/vector/", "dev/trawl/shadow/");

  @Test
  void thePipelineCoreNamesNoRetrievalPackage() throws Exception {
    final Path dir = classes().resolve("dev/trawl/pipeline");
    final List<String> found = new ArrayList<>();
    int checked = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.toString().endsWith(".class")) {
          checked++;
          found.addAll(references(f));
        }
      }
    }
    assertThat(checked).isGreaterThan(30);
    assertThat(found).isEmpty();
  }

  @Test
  void theCheckSeesTheIndexInABuiltInStage() throws Exception {
    final Path vectorSource = classes().resolve("dev/trawl/pipeline/stages/VectorSource.class");
    assertThat(references(vectorSource)).anyMatch(r -> r.contains("dev/trawl/index/"));
  }

  private static List<String> references(Path classFile) throws IOException {
    final String pool = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
    final List<String> out = new ArrayList<>();
    for (String p : RETRIEVAL) {
      if (pool.contains(p)) {
        out.add(classFile.getFileName() + " -> " + p);
      }
    }
    return out;
  }

  private static Path classes() throws Exception {
    return Path.of(Pipeline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
