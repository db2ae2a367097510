package dev.trawl.bench.data;

import dev.trawl.bench.Mode;
import dev.trawl.bench.data.Dataset.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Loads the benchmark datasets by name, sized for a {@link Mode}, and caches them per JVM.
 *
 * <p>Sources: {@code siftsmall} and {@code wordnet-minilm-384} from the shared data directory
 * ({@code $TRAWL_SHARED_DATA}, else {@code ../shared/data} from the worktree root, tried from the
 * current directory and its parent); {@code fashion-mnist} images from Debian's
 * {@code dataset-fashion-mnist} package with ground truth from the shared directory; {@code clustered-96}
 * generated here from a fixed seed. When the base set is cut to a prefix (smoke mode) or generated,
 * the exact ground truth is computed here by brute force.
 *
 * <p>A run script first calls {@link #prepare} once, which writes every dataset as
 * {@code .fvecs}/{@code .ivecs} under {@code -Dtrawl.bench.data=DIR}; later JVMs (one per engine)
 * read those files instead of recomputing, and so does the native C++ hnswlib script, so every engine
 * sees exactly the same vectors. Thread-safe.
 */
public final class DatasetLoader {
  /** The dataset names, in report order. */
  public static final List<String> NAMES =
      List.of("siftsmall", "fashion-mnist", "wordnet-minilm-384", "clustered-96");

  private static final ConcurrentHashMap<String, Dataset> CACHE = new ConcurrentHashMap<>();
  private static final long CLUSTER_SEED = 20_261_126L;

  private DatasetLoader() {}

  /** The dataset {@code name} for the current {@link Mode}. */
  public static Dataset get(String name) {
    return CACHE.computeIfAbsent(name, n -> {
      try {
        final Path prepared = preparedDir(n);
        if (prepared != null && Files.exists(prepared.resolve("truth.ivecs"))) {
          return readPrepared(n, prepared);
        }
        return load(n, Mode.current());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load dataset " + n + ": " + e.getMessage(), e);
      }
    });
  }

  /** Writes every dataset of the current mode under {@code dir} (base, query, truth, metric). */
  public static void prepare(Path dir, List<String> names) throws IOException {
    for (String name : names) {
      final Path out = dir.resolve(name);
      if (Files.exists(out.resolve("truth.ivecs"))) {
        System.out.println("dataset " + name + ": already prepared in " + out);
        continue;
      }
      final long start = System.nanoTime();
      final Dataset d = load(name, Mode.current());
      Files.createDirectories(out);
      Vecs.writeFvecs(out.resolve("base.fvecs"), d.base());
      Vecs.writeFvecs(out.resolve("query.fvecs"), d.queries());
      Files.writeString(out.resolve("metric.txt"), d.metric().name() + "\n");
      Vecs.writeIvecs(out.resolve("truth.ivecs"), d.truth()); // written last: marks completion
      System.out.printf(
          "dataset %s: %d x %d, %d queries, %s, prepared in %.1f s%n",
          name, d.size(), d.dimension(), d.queries().length, d.metric(),
          (System.nanoTime() - start) / 1e9);
    }
  }

  private static Path preparedDir(String name) {
    final String dir = System.getProperty("trawl.bench.data");
    return dir == null ? null : Paths.get(dir).resolve(name);
  }

  private static Dataset readPrepared(String name, Path dir) throws IOException {
    final Metric metric = Metric.valueOf(Files.readString(dir.resolve("metric.txt")).trim());
    return new Dataset(
        name,
        metric,
        Vecs.readFvecs(dir.resolve("base.fvecs"), Integer.MAX_VALUE),
        Vecs.readFvecs(dir.resolve("query.fvecs"), Integer.MAX_VALUE),
        Vecs.readIvecs(dir.resolve("truth.ivecs"), Integer.MAX_VALUE, Dataset.K));
  }

  static Dataset load(String name, Mode mode) throws IOException {
    switch (name) {
      case "siftsmall": {
        final Path dir = require(sharedData().resolve("siftsmall"));
        return real(name, Metric.L2, mode,
            Vecs.readFvecs(dir.resolve("siftsmall_base.fvecs"), Integer.MAX_VALUE),
            Vecs.readFvecs(dir.resolve("siftsmall_query.fvecs"), mode.queryLimit),
            dir.resolve("siftsmall_groundtruth.ivecs"));
      }
      case "fashion-mnist": {
        final Path images = require(fashionDir());
        return real(name, Metric.L2, mode,
            Vecs.readIdxImages(images.resolve("train-images-idx3-ubyte.gz"), Integer.MAX_VALUE),
            Vecs.readIdxImages(images.resolve("t10k-images-idx3-ubyte.gz"), mode.queryLimit),
            require(sharedData().resolve("fashion-mnist"))
                .resolve("fashion-mnist_groundtruth_l2_k100.ivecs"));
      }
      case "wordnet-minilm-384": {
        final Path dir = require(sharedData().resolve("wordnet-minilm-384"));
        return real(name, Metric.DOT, mode,
            Vecs.readFvecs(dir.resolve("base.fvecs"), Integer.MAX_VALUE),
            Vecs.readFvecs(dir.resolve("query.fvecs"), mode.queryLimit),
            dir.resolve("groundtruth.ivecs"));
      }
      case "clustered-96":
        return clustered(name, mode.generatedSize, Math.min(1_000, mode.queryLimit), 96);
      default:
        throw new IllegalArgumentException("unknown dataset '" + name + "'; known: " + NAMES);
    }
  }

  /** A real dataset: published ground truth, unless the base set is cut, then exact recomputation. */
  private static Dataset real(
      String name, Metric metric, Mode mode, float[][] base, float[][] queries, Path truthFile)
      throws IOException {
    if (base.length > mode.baseLimit) {
      final float[][] cut = Arrays.copyOf(base, mode.baseLimit);
      return new Dataset(name, metric, cut, queries, exactTruth(metric, cut, queries));
    }
    final int[][] truth = Vecs.readIvecs(truthFile, queries.length, Dataset.K);
    return new Dataset(name, metric, base, queries, truth);
  }

  /**
   * Gaussian clusters: 1,024 centres drawn from N(0, 1) per component, cluster sizes skewed (the
   * cluster of a point is {@code floor(1024 * u^2)}), points = centre + N(0, 0.5^2) per component;
   * queries drawn from the same mixture with another seed.
   */
  static Dataset clustered(String name, int n, int queries, int dim) {
    final float[][] centres = clusterCentres(dim);
    final float[][] base = mixture(centres, n, new Random(CLUSTER_SEED + 1));
    final float[][] q = mixture(centres, queries, new Random(CLUSTER_SEED + 2));
    return new Dataset(name, Metric.L2, base, q, exactTruth(Metric.L2, base, q));
  }

  /** The 1,024 centres of the generated clustered sets of dimension {@code dim} (fixed seed). */
  public static float[][] clusterCentres(int dim) {
    final Random random = new Random(CLUSTER_SEED);
    final float[][] centres = new float[1024][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) random.nextGaussian();
      }
    }
    return centres;
  }

  /** The random stream of the base points ({@code queries = false}) or queries of a clustered set. */
  public static Random clusterStream(boolean queries) {
    return new Random(CLUSTER_SEED + (queries ? 2 : 1));
  }

  /** Draws one point of the mixture into {@code out}: skewed cluster choice, N(0, 0.5^2) noise. */
  public static void drawPoint(float[][] centres, Random random, float[] out) {
    final double u = random.nextDouble();
    final float[] c = centres[(int) (centres.length * u * u)];
    for (int j = 0; j < out.length; j++) {
      out[j] = c[j] + 0.5f * (float) random.nextGaussian();
    }
  }

  private static float[][] mixture(float[][] centres, int n, Random random) {
    final float[][] out = new float[n][centres[0].length];
    for (float[] v : out) {
      drawPoint(centres, random, v);
    }
    return out;
  }

  /** Exact top-K by brute force (double accumulation; ties to the lower position), in parallel. */
  public static int[][] exactTruth(Metric metric, float[][] base, float[][] queries) {
    final int[][] truth = new int[queries.length][];
    IntStream.range(0, queries.length).parallel().forEach(qi -> {
      final float[] q = queries[qi];
      final double[] bestD = new double[Dataset.K];
      final int[] bestI = new int[Dataset.K];
      Arrays.fill(bestD, Double.POSITIVE_INFINITY);
      Arrays.fill(bestI, Integer.MAX_VALUE);
      for (int i = 0; i < base.length; i++) {
        final float[] b = base[i];
        double d = 0;
        if (metric == Metric.L2) {
          for (int j = 0; j < q.length; j++) {
            final double t = (double) q[j] - b[j];
            d += t * t;
          }
        } else {
          for (int j = 0; j < q.length; j++) {
            d -= (double) q[j] * b[j];
          }
        }
        if (d < bestD[Dataset.K - 1]) {
          int p = Dataset.K - 1;
          while (p > 0 && bestD[p - 1] > d) {
            bestD[p] = bestD[p - 1];
            bestI[p] = bestI[p - 1];
            p--;
          }
          bestD[p] = d;
          bestI[p] = i;
        }
      }
      truth[qi] = bestI;
    });
    return truth;
  }

  static Path sharedData() {
    final String env = System.getenv("TRAWL_SHARED_DATA");
    if (env != null && Files.isDirectory(Paths.get(env))) {
      return Paths.get(env);
    }
    for (Path p : List.of(Paths.get("..", "shared", "data"), Paths.get("..", "..", "shared", "data"))) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return Paths.get("..", "shared", "data");
  }

  private static Path fashionDir() {
    for (Path p : List.of(
        Paths.get("/usr/share/datasets/fashion-mnist"), Paths.get("/usr/share/dataset-fashion-mnist"))) {
      if (Files.exists(p.resolve("train-images-idx3-ubyte.gz"))) {
        return p;
      }
    }
    return Paths.get("/usr/share/datasets/fashion-mnist");
  }

  private static Path require(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "dataset directory " + dir.toAbsolutePath() + " is missing: set TRAWL_SHARED_DATA to the"
              + " shared data directory, and apt-get install -y dataset-fashion-mnist");
    }
    return dir;
  }
}
