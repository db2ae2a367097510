// The fastest native reference: C++ hnswlib (Debian's libhnswlib-dev headers) compiled on this
// machine by benchmarks/run.sh with g++ -O3 -march=native, so its distance functions use the widest
// SIMD the CPU has (AVX-512 where present), unlike Debian's python3-hnswlib build.
//
// It does what hnswlib_native.py does, on the same files the JMH suite prepared, with the same grid
// (grid.txt): for each dataset, builds the index (M=16, ef_construction=200, seed 42) on 1 and on 2
// threads (timed), then for each ef answers the whole query set (k=10) on 1 and 2 threads, passes
// repeating until the mode's measurement time has elapsed; recall@10 comes from the first pass against
// the exact float truth. Reports wall-clock queries/s and queries per CPU-second of the process
// (CLOCK_PROCESS_CPUTIME_ID, all threads), as JSON lines of kind "native-build" and "native-search"
// with engine "c++hnswlib-native", appended to --out. Unit vectors (metric DOT) use hnswlib's inner
// product space, L2 its L2 space.
//
// Smoke mode is a correctness check only: it fails (exit 1) when recall@10 at ef >= 64 is below 0.9.
//
// Usage: hnswlib_native --mode quick --data DIR --out FILE --grid grid.txt dataset...
// The scale mode of run.sh adds --build-threads 2 --search-threads 1 (build and search only on those
// thread counts) and --save DIR: the built index is saved there (saveIndex) and loaded back
// (loadIndex), timed, and the loaded copy is searched; its build record then also carries the file
// size, the save and load times and the index's own bytes per item (vectors, links, labels).
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

// Rows of an .fvecs/.ivecs file: each row is an int32 dimension followed by that many 4-byte values.
template <typename T>
struct Vecs {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<T> data;
  const T* row(size_t i) const { return data.data() + i * dim; }
};

template <typename T>
Vecs<T> readVecs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  Vecs<T> v;
  int32_t dim = 0;
  while (in.read(reinterpret_cast<char*>(&dim), sizeof dim)) {
    if (dim <= 0 || (v.dim != 0 && static_cast<size_t>(dim) != v.dim))
      throw std::runtime_error(path + ": bad row dimension " + std::to_string(dim));
    v.dim = static_cast<size_t>(dim);
    const size_t at = v.data.size();
    v.data.resize(at + v.dim);
    if (!in.read(reinterpret_cast<char*>(v.data.data() + at), v.dim * sizeof(T)))
      throw std::runtime_error(path + ": truncated row " + std::to_string(v.rows));
    v.rows++;
  }
  if (v.rows == 0) throw std::runtime_error(path + ": no rows");
  return v;
}

struct Grid {
  double seconds = 0;
  std::vector<size_t> efs;
  std::vector<size_t> ef2;
};

std::vector<size_t> parseList(const std::string& csv) {
  std::vector<size_t> out;
  std::stringstream ss(csv);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoul(item));
  return out;
}

Grid readGrid(const std::string& path, const std::string& mode) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Grid grid;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string key;
    ss >> key;
    if (key == "ef2") {
      std::string efs;
      ss >> efs;
      grid.ef2 = parseList(efs);
    } else if (key == mode) {
      std::string efs;
      ss >> grid.seconds >> efs;
      grid.efs = parseList(efs);
    }
  }
  if (grid.efs.empty()) throw std::runtime_error(path + ": no grid for mode " + mode);
  return grid;
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double processCpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Runs body(i) for i in [0, n) on `threads` threads taking indices from a shared counter (what
// hnswlib's Python binding does); one thread runs inline.
void parallelFor(size_t n, int threads, const std::function<void(size_t)>& body) {
  if (threads <= 1) {
    for (size_t i = 0; i < n; i++) body(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) body(i);
    });
  }
  for (auto& th : pool) th.join();
}

// One pass over the queries at the index's current ef; labels[q * 10 + j] gets the j-th nearest.
void searchAll(const hnswlib::HierarchicalNSW<float>& index, const Vecs<float>& queries, int threads,
               std::vector<size_t>& labels) {
  parallelFor(queries.rows, threads, [&](size_t q) {
    auto top = index.searchKnn(queries.row(q), 10);
    size_t j = top.size();
    while (!top.empty()) {  // the queue pops the farthest first
      labels[q * 10 + --j] = top.top().second;
      top.pop();
    }
  });
}

double recallAt10(const std::vector<size_t>& labels, const Vecs<int32_t>& truth, size_t queries) {
  size_t hits = 0;
  for (size_t q = 0; q < queries; q++) {
    std::unordered_set<size_t> exact(truth.row(q), truth.row(q) + std::min<size_t>(10, truth.dim));
    for (size_t j = 0; j < 10; j++) hits += exact.count(labels[q * 10 + j]);
  }
  return hits / (10.0 * queries);
}

struct Args {
  std::string mode = "quick";
  std::string data;
  std::string out;
  std::string grid;
  std::vector<size_t> buildThreads{1, 2};
  std::vector<size_t> searchThreads{1, 2};
  std::string save;  // empty: no save/load round trip
  std::vector<std::string> datasets;
};

// Bytes the index holds for its items: level-0 blocks (vector, links, label) of every element plus
// the upper-level link lists, as hnswlib 0.6.2 allocates them.
double indexBytesPerItem(const hnswlib::HierarchicalNSW<float>& index) {
  const size_t n = index.cur_element_count;
  double bytes = static_cast<double>(index.size_data_per_element_) * n;
  for (size_t i = 0; i < n; i++) bytes += static_cast<double>(index.size_links_per_element_) * index.element_levels_[i];
  return bytes / n;
}

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--mode") a.mode = value();
    else if (arg == "--data") a.data = value();
    else if (arg == "--out") a.out = value();
    else if (arg == "--grid") a.grid = value();
    else if (arg == "--build-threads") a.buildThreads = parseList(value());
    else if (arg == "--search-threads") a.searchThreads = parseList(value());
    else if (arg == "--save") a.save = value();
    else if (arg.rfind("--", 0) == 0) throw std::runtime_error("unknown option " + arg);
    else a.datasets.push_back(arg);
  }
  if (a.data.empty() || a.out.empty() || a.grid.empty() || a.datasets.empty())
    throw std::runtime_error("usage: hnswlib_native --mode M --data DIR --out FILE --grid FILE dataset...");
  return a;
}

const char* const ENGINE = "c++hnswlib-native";

int run(const Args& args) {
  const Grid grid = readGrid(args.grid, args.mode);
  const bool smoke = args.mode == "smoke";
  FILE* out = std::fopen(args.out.c_str(), "a");
  if (!out) throw std::runtime_error("cannot open " + args.out);
  for (const std::string& name : args.datasets) {
    const std::string dir = args.data + "/" + name + "/";
    const Vecs<float> base = readVecs<float>(dir + "base.fvecs");
    const Vecs<float> queries = readVecs<float>(dir + "query.fvecs");
    const Vecs<int32_t> truth = readVecs<int32_t>(dir + "truth.ivecs");
    std::string metric;
    std::ifstream(dir + "metric.txt") >> metric;
    if (queries.dim != base.dim || truth.rows < queries.rows)
      throw std::runtime_error(name + ": queries or truth do not match the base set");
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    if (metric == "L2") space.reset(new hnswlib::L2Space(base.dim));
    else space.reset(new hnswlib::InnerProductSpace(base.dim));

    std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
    for (size_t threads : args.buildThreads) {
      index.reset(new hnswlib::HierarchicalNSW<float>(space.get(), base.rows, 16, 200, 42));
      const double start = now();
      parallelFor(base.rows, threads, [&](size_t i) { index->addPoint(base.row(i), i); });
      const double seconds = now() - start;
      std::fprintf(out,
                   "{\"kind\": \"native-build\", \"engine\": \"%s\", \"dataset\": \"%s\", \"threads\": %zu,"
                   " \"items\": %zu, \"seconds\": %.6f, \"itemsPerSecond\": %.3f}\n",
                   ENGINE, name.c_str(), threads, base.rows, seconds, base.rows / seconds);
      std::fflush(out);
      std::printf("%s %s: build on %zu thread(s) %.2f s\n", ENGINE, name.c_str(), threads, seconds);
    }
    if (!args.save.empty()) {
      const std::string file = args.save + "/" + name + ".hnsw";
      double start = now();
      index->saveIndex(file);
      const double saveSeconds = now() - start;
      const double bytesPerItem = indexBytesPerItem(*index);
      index.reset();
      start = now();
      index.reset(new hnswlib::HierarchicalNSW<float>(space.get(), file, false, base.rows));
      const double loadSeconds = now() - start;
      std::ifstream in(file, std::ios::binary | std::ios::ate);
      const long long fileBytes = static_cast<long long>(in.tellg());
      std::remove(file.c_str());
      std::fprintf(out,
                   "{\"kind\": \"native-snapshot\", \"engine\": \"%s\", \"dataset\": \"%s\", \"items\": %zu,"
                   " \"bytesPerItem\": %.1f, \"snapshotBytes\": %lld, \"snapshotWriteSeconds\": %.3f,"
                   " \"snapshotLoadSeconds\": %.3f}\n",
                   ENGINE, name.c_str(), base.rows, bytesPerItem, fileBytes, saveSeconds, loadSeconds);
      std::fflush(out);
      std::printf("%s %s: %.0f bytes/item, saved %lld bytes in %.2f s, loaded in %.2f s\n", ENGINE,
                  name.c_str(), bytesPerItem, fileBytes, saveSeconds, loadSeconds);
    }
    std::vector<size_t> labels(queries.rows * 10);
    for (size_t threads : args.searchThreads) {
      for (size_t ef : grid.efs) {
        if (threads == 2 && !smoke && std::find(grid.ef2.begin(), grid.ef2.end(), ef) == grid.ef2.end())
          continue;
        index->setEf(ef);
        searchAll(*index, queries, threads, labels);  // warm-up pass, and the recall
        const double recall = recallAt10(labels, truth, queries.rows);
        size_t done = 0;
        const double start = now();
        const double cpuStart = processCpu();
        double elapsed = 0;
        do {
          searchAll(*index, queries, threads, labels);
          done += queries.rows;
          elapsed = now() - start;
        } while (elapsed < grid.seconds);
        const double cpu = processCpu() - cpuStart;
        std::fprintf(out,
                     "{\"kind\": \"native-search\", \"engine\": \"%s\", \"dataset\": \"%s\", \"threads\": %zu,"
                     " \"ef\": %zu, \"recall\": %.6f, \"qps\": %.3f, \"qpsPerCpuSecond\": %.3f}\n",
                     ENGINE, name.c_str(), threads, ef, recall, done / elapsed, done / cpu);
        std::fflush(out);
        std::printf("%s %s: ef=%zu t=%zu recall=%.4f qps=%.0f\n", ENGINE, name.c_str(), ef, threads,
                    recall, done / elapsed);
        std::fflush(stdout);
        if (smoke && ef >= 64 && recall < 0.9) {
          std::fprintf(stderr, "recall sanity check failed: %s on %s at ef=%zu: %.3f < 0.9\n", ENGINE,
                       name.c_str(), ef, recall);
          std::fclose(out);
          return 1;
        }
      }
    }
  }
  std::fclose(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hnswlib_native: %s\n", e.what());
    return 2;
  }
}
