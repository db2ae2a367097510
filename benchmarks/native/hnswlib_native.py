#!/usr/bin/env python3
"""The native reference: C++ hnswlib through Debian's python3-hnswlib, on the exact files the JMH
suite prepared (benchmarks/run.sh writes them; this script only reads them).

For each dataset: builds the index (M=16, ef_construction=200) on 1 and on 2 threads (timed), then for
each ef answers the query set in one knn_query call per pass (k=10, num_threads=1 and 2), so the loop
over queries runs in C++ and Python's per-call overhead does not count; passes repeat until at least
the mode's measurement time has elapsed. Besides wall-clock queries/s it reports queries per
CPU-second of the process (time.process_time), like the JMH suite's cpu records. Writes one JSON object per line (kind "native-recall",
"native-build") to --out. Unit vectors (metric DOT) use space 'ip', L2 uses 'l2'.

The ef grid and the measurement time per point come from grid.txt, shared with hnswlib_native.cpp
(the same C++ compiled on this machine with -O3 -march=native).

Usage: hnswlib_native.py --mode quick --data DIR --out FILE [--grid grid.txt] [dataset ...]
"""
import argparse
import json
import os
import time

import hnswlib
import numpy as np



def read_grid(path, mode):
    """The mode's (seconds per point, efs) and the 2-thread efs from grid.txt (shared with
    hnswlib_native.cpp)."""
    grid, ef2 = None, None
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] == "ef2":
                ef2 = [int(x) for x in fields[1].split(",")]
            elif fields[0] == mode:
                grid = (float(fields[1]), [int(x) for x in fields[2].split(",")])
    if grid is None or ef2 is None:
        raise SystemExit(f"{path}: no grid for mode {mode}")
    return grid[0], grid[1], ef2


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    rows = raw.reshape(-1, dim + 1)[:, 1:]
    return np.ascontiguousarray(rows.view(dtype) if dtype == np.float32 else rows)


def build(base, space, threads):
    index = hnswlib.Index(space=space, dim=base.shape[1])
    index.init_index(max_elements=base.shape[0], M=16, ef_construction=200, random_seed=42)
    index.set_num_threads(threads)
    start = time.perf_counter()
    index.add_items(base, np.arange(base.shape[0]), num_threads=threads)
    return index, time.perf_counter() - start


def recall_at_10(labels, truth):
    hits = 0
    for found, exact in zip(labels, truth):
        hits += len(set(found[:10].tolist()) & set(exact[:10].tolist()))
    return hits / (10.0 * len(truth))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="quick", choices=["smoke", "quick", "full"])
    parser.add_argument("--grid", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "grid.txt"))
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("datasets", nargs="*")
    args = parser.parse_args()
    measure_seconds, efs, ef2 = read_grid(args.grid, args.mode)
    names = args.datasets or sorted(os.listdir(args.data))
    with open(args.out, "a") as out:
        def emit(record):
            out.write(json.dumps(record) + "\n")
            out.flush()

        for name in names:
            d = os.path.join(args.data, name)
            base = read_vecs(os.path.join(d, "base.fvecs"), np.float32)
            queries = read_vecs(os.path.join(d, "query.fvecs"), np.float32)
            truth = read_vecs(os.path.join(d, "truth.ivecs"), np.int32)
            with open(os.path.join(d, "metric.txt")) as f:
                space = "l2" if f.read().strip() == "L2" else "ip"
            index = None
            for threads in (1, 2):
                index, seconds = build(base, space, threads)
                emit({"kind": "native-build", "engine": "c++hnswlib", "dataset": name,
                      "threads": threads, "items": int(base.shape[0]), "seconds": seconds,
                      "itemsPerSecond": base.shape[0] / seconds})
                print(f"c++ hnswlib {name}: build on {threads} thread(s) {seconds:.2f} s", flush=True)
            for threads in (1, 2):
                for ef in efs:
                    if threads == 2 and args.mode != "smoke" and ef not in ef2:
                        continue
                    index.set_ef(ef)
                    labels, _ = index.knn_query(queries, k=10, num_threads=threads)  # warm-up pass
                    recall = recall_at_10(labels, truth)
                    done = 0
                    start = time.perf_counter()
                    cpu_start = time.process_time()  # all threads of this process
                    while True:
                        index.knn_query(queries, k=10, num_threads=threads)
                        done += len(queries)
                        elapsed = time.perf_counter() - start
                        if elapsed >= measure_seconds:
                            break
                    cpu = time.process_time() - cpu_start
                    emit({"kind": "native-search", "engine": "c++hnswlib", "dataset": name,
                          "threads": threads, "ef": ef, "recall": recall, "qps": done / elapsed,
                          "qpsPerCpuSecond": done / cpu})
                    print(f"c++ hnswlib {name}: ef={ef} t={threads} recall={recall:.4f}"
                          f" qps={done / elapsed:,.0f}", flush=True)
                    if args.mode == "smoke" and ef >= 64 and recall < 0.9:
                        raise SystemExit(f"recall sanity check failed: c++ hnswlib on {name} at ef={ef}:"
                                         f" {recall:.3f} < 0.9")


if __name__ == "__main__":
    main()
