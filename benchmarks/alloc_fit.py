#!/usr/bin/env python3
"""Bytes allocated per request by FilteredSearchBenchmark, separated from JMH's own per-iteration bytes.

JMH's gc.alloc.rate.norm divides everything allocated during an iteration by the operations in it;
in-process runs (forks = 0) allocate a few KB per iteration outside the benchmark method (iteration
bookkeeping, the GC profiler's polling), which shows up as bytes/op when an iteration holds few
operations. Since bytes_per_iteration = overhead + ops_per_iteration * bytes_per_request, a least
squares line over every case of a run gives both. Usage:

    python3 benchmarks/alloc_fit.py benchmarks/target/results-filters-quick
"""
import glob
import json
import os
import sys


def main(results):
    ops = {}
    with open(os.path.join(results, "records.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["kind"] == "filtered-cpu":
                ops[(r["dataset"], r["filter"], int(r["ef"]))] = r["ops"]
    xs, ys, keys = [], [], []
    for path in glob.glob(os.path.join(results, "jmh", "*.json")):
        with open(path) as f:
            for r in json.load(f):
                if not r["benchmark"].endswith("FilteredSearchBenchmark.search"):
                    continue
                p = r["params"]
                n = ops.get((p["dataset"], p["filter"], int(p["ef"])))
                norm = r["secondaryMetrics"].get("gc.alloc.rate.norm", {}).get("score")
                if n is None or norm is None:
                    continue
                per_iteration = n / r["measurementIterations"]
                xs.append(per_iteration)
                ys.append(norm * per_iteration)
                keys.append("%s %s ef=%s" % (p["dataset"], p["filter"], p["ef"]))
    if len(xs) < 2:
        sys.exit("not enough FilteredSearchBenchmark results in " + results)
    print("cases: %d; requests per iteration: %.0f to %.0f" % (len(xs), min(xs), max(xs)))
    print("bytes per iteration: %.0f to %.0f" % (min(ys), max(ys)))
    fit(xs, ys, "all cases")
    median = sorted(ys)[len(ys) // 2]
    keep = [i for i in range(len(ys)) if ys[i] <= 3 * median]
    for i in range(len(ys)):
        if ys[i] > 3 * median:
            print("outlier (> 3x the median %.0f bytes per iteration): %s, %.0f" % (median, keys[i], ys[i]))
    if len(keep) < len(ys):
        fit([xs[i] for i in keep], [ys[i] for i in keep], "without outliers")


def fit(xs, ys, label):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    print("least squares, %s: %.4f bytes per request + %.0f bytes per iteration" % (label, slope, my - slope * mx))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/results-filters-quick")
