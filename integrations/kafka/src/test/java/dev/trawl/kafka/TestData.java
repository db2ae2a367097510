package dev.trawl.kafka;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The real datasets of the stream tests, read from {@code $TRAWL_SHARED_DATA} (the build sets it to
 * the {@code shared/data} folder beside the clone). A missing file fails the test, with how to get
 * it.
 */
final class TestData {
  private TestData() {}

  static Path sharedData() {
    final String env = System.getenv("TRAWL_SHARED_DATA");
    return env != null ? Paths.get(env) : Paths.get("..", "..", "..", "shared", "data");
  }

  static float[][] siftBase() throws IOException {
    return readFvecs(require("siftsmall/siftsmall_base.fvecs"));
  }

  static float[][] siftQueries() throws IOException {
    return readFvecs(require("siftsmall/siftsmall_query.fvecs"));
  }

  static float[][] wordnetBase() throws IOException {
    return readFvecs(require("wordnet-minilm-384/base.fvecs"));
  }

  static float[][] wordnetQueries() throws IOException {
    return readFvecs(require("wordnet-minilm-384/query.fvecs"));
  }

  private static Path require(String file) {
    final Path path = sharedData().resolve(file);
    if (!Files.exists(path)) {
      throw new AssertionError(
          "dataset file "
              + path.toAbsolutePath()
              + " is missing; it ships in shared/data beside the"
              + " clone (or set TRAWL_SHARED_DATA)");
    }
    return path;
  }

  static float[][] readFvecs(Path path) throws IOException {
    final ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
    final int dim = buf.getInt(0);
    final int n = buf.capacity() / (4 + 4 * dim);
    final float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      if (buf.getInt() != dim) {
        throw new IOException(path + ": row " + i + " has another dimension");
      }
      for (int j = 0; j < dim; j++) {
        out[i][j] = buf.getFloat();
      }
    }
    return out;
  }
}
