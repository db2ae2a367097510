package dev.trawl.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Loads the real datasets the recall tests use. They are never committed: they are read from
 * {@code ../shared/data} (or {@code $TRAWL_SHARED_DATA}) and, for Fashion-MNIST's images, from
 * Debian's {@code dataset-fashion-mnist} package. When a dataset is absent the calling test is
 * skipped with a message saying how to get it, except under {@code CI=true}, where it fails.
 */
public final class Datasets {
  private Datasets() {}

  /** A dataset held in memory. */
  public record Dataset(String name, float[][] base, float[][] queries, int[][] truth) {}

  private static final List<Path> FASHION_DIRS =
      List.of(
          Paths.get("/usr/share/datasets/fashion-mnist"),
          Paths.get("/usr/share/dataset-fashion-mnist"));

  /** The shared data directory. */
  public static Path sharedData() {
    final String env = System.getenv("TRAWL_SHARED_DATA");
    if (env != null && Files.isDirectory(Paths.get(env))) {
      return Paths.get(env);
    }
    return Paths.get("..", "shared", "data");
  }

  /** Skips (or under CI fails) when {@code path} is missing. */
  public static Path require(Path path, String howToGet) {
    if (!Files.exists(path)) {
      final String message = "dataset file " + path.toAbsolutePath() + " is missing; " + howToGet;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true but " + message);
      }
      assumeTrue(false, message);
    }
    return path;
  }

  private static final java.util.Map<String, Dataset> LOADED = new java.util.HashMap<>();

  /** Loads each dataset once per test JVM; the arrays are shared, so callers must not modify them. */
  private static synchronized Dataset cached(String name, DatasetLoader loader) throws IOException {
    Dataset data = LOADED.get(name);
    if (data == null) {
      data = loader.load();
      LOADED.put(name, data);
    }
    return data;
  }

  @FunctionalInterface
  private interface DatasetLoader {
    Dataset load() throws IOException;
  }

  public static Dataset siftSmall() throws IOException {
    return cached("siftsmall", Datasets::loadSiftSmall);
  }

  public static Dataset wordnet() throws IOException {
    return cached("wordnet-minilm-384", Datasets::loadWordnet);
  }

  /** Fashion-MNIST: 60,000 base and 10,000 query images as float vectors of 784 pixel values. */
  public static Dataset fashionMnist() throws IOException {
    return cached("fashion-mnist", Datasets::loadFashionMnist);
  }

  private static Dataset loadSiftSmall() throws IOException {
    final Path dir = sharedData().resolve("siftsmall");
    final String how = "it ships in ../shared/data/siftsmall";
    return new Dataset(
        "siftsmall",
        readFvecs(require(dir.resolve("siftsmall_base.fvecs"), how)),
        readFvecs(require(dir.resolve("siftsmall_query.fvecs"), how)),
        readIvecs(require(dir.resolve("siftsmall_groundtruth.ivecs"), how)));
  }

  private static Dataset loadWordnet() throws IOException {
    final Path dir = sharedData().resolve("wordnet-minilm-384");
    final String how = "it ships in ../shared/data/wordnet-minilm-384";
    return new Dataset(
        "wordnet-minilm-384",
        readFvecs(require(dir.resolve("base.fvecs"), how)),
        readFvecs(require(dir.resolve("query.fvecs"), how)),
        readIvecs(require(dir.resolve("groundtruth.ivecs"), how)));
  }

  private static Dataset loadFashionMnist() throws IOException {
    Path dir = FASHION_DIRS.get(0);
    for (Path candidate : FASHION_DIRS) {
      if (Files.exists(candidate.resolve("train-images-idx3-ubyte.gz"))) {
        dir = candidate;
      }
    }
    final String how = "run: apt-get install -y dataset-fashion-mnist";
    final Path truth =
        sharedData().resolve("fashion-mnist").resolve("fashion-mnist_groundtruth_l2_k100.ivecs");
    return new Dataset(
        "fashion-mnist",
        readIdxImages(require(dir.resolve("train-images-idx3-ubyte.gz"), how)),
        readIdxImages(require(dir.resolve("t10k-images-idx3-ubyte.gz"), how)),
        readIvecs(require(truth, "it ships in ../shared/data/fashion-mnist")));
  }

  public static float[][] readFvecs(Path path) throws IOException {
    final ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
    final int dim = buf.getInt(0);
    final int n = buf.capacity() / (4 + 4 * dim);
    final float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      final int d = buf.getInt();
      if (d != dim) {
        throw new IOException(path + ": vector " + i + " has dimension " + d + ", expected " + dim);
      }
      for (int j = 0; j < dim; j++) {
        out[i][j] = buf.getFloat();
      }
    }
    return out;
  }

  public static int[][] readIvecs(Path path) throws IOException {
    final ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
    final int dim = buf.getInt(0);
    final int n = buf.capacity() / (4 + 4 * dim);
    final int[][] out = new int[n][dim];
    for (int i = 0; i < n; i++) {
      buf.getInt();
      for (int j = 0; j < dim; j++) {
        out[i][j] = buf.getInt();
      }
    }
    return out;
  }

  public static float[][] readIdxImages(Path gz) throws IOException {
    try (InputStream raw = Files.newInputStream(gz);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      final int magic = in.readInt();
      if (magic != 2051) {
        throw new IOException(gz + ": bad IDX magic " + magic);
      }
      final int n = in.readInt();
      final int rows = in.readInt();
      final int cols = in.readInt();
      final byte[] pixels = new byte[rows * cols];
      final float[][] out = new float[n][rows * cols];
      for (int i = 0; i < n; i++) {
        in.readFully(pixels);
        for (int j = 0; j < pixels.length; j++) {
          out[i][j] = pixels[j] & 0xFF;
        }
      }
      return out;
    }
  }
}
