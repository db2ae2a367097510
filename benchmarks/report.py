#!/usr/bin/env python3
"""Writes docs/benchmarks.md (tables) and docs/benchmarks/*.png (recall vs QPS, gnuplot) from one run
of benchmarks/run.sh: the JMH JSON files, the side records (recall, memory, build sizes) and the native
C++ hnswlib results. Standard library only; gnuplot (apt-get install -y gnuplot-nox) draws the plots
and is skipped with a note when absent.

Usage: report.py --results benchmarks/target/results-quick --docs docs --mode quick
"""
import argparse
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository

DATASETS = ["siftsmall", "fashion-mnist", "wordnet-minilm-384", "clustered-96"]
ENGINES = ["trawl", "trawl-scalar", "trawl-int8", "trawl-noflags", "trawl-int8-noflags", "hnswlib-core",
           "lucene", "jvector", "c++hnswlib", "c++hnswlib-native"]
# c++hnswlib: Debian's python3-hnswlib build; c++hnswlib-native: the same C++ compiled on this machine
# with g++ -O3 -march=native (benchmarks/native/hnswlib_native.cpp), the fastest HNSW it can run
PEERS = ["hnswlib-core", "lucene", "jvector", "c++hnswlib", "c++hnswlib-native"]
LEVELS = [0.90, 0.95, 0.99]
# targets at recall@10 >= 0.95, single thread: Trawl QPS >= factor x peer QPS
TARGETS = {"hnswlib-core": 3.0, "lucene": 2.0, "jvector": 2.0, "c++hnswlib": 1.0, "c++hnswlib-native": 1.0}
# The target table: Trawl in a JVM without flags and with the Vector API, each the faster of its float and
# int7 engines, against every peer. Both modes must reach the Java peers' factors; the C++ reference each
# mode must reach is the one named here (no flags: Debian's build; Vector API: the -march=native build).
TARGET_DATASETS = ["wordnet-minilm-384", "fashion-mnist", "siftsmall"]
MODES = [("no JVM flags", ["trawl-noflags", "trawl-int8-noflags"], "c++hnswlib"),
         ("Vector API", ["trawl", "trawl-int8"], "c++hnswlib-native")]
# quantized indexes: memory per item against float storage plus links, recall after rerank at ef <= 160
INT8_MEMORY_TARGET = 0.35
INT8_RECALL_TARGET = 0.95
INT8_EF_LIMIT = 160
RATIO_PEERS = ["c++hnswlib", "c++hnswlib-native", "hnswlib-core", "lucene", "jvector"]  # target table order
TITLES = {
    "siftsmall": "siftsmall (10,000 x 128, L2)",
    "fashion-mnist": "Fashion-MNIST (60,000 x 784, L2)",
    "wordnet-minilm-384": "wordnet-minilm-384 (20,000 x 384, cosine)",
    "clustered-96": "clustered-96 (generated, L2)",
}


def repo_relative(text):
    """Writes paths inside the repository relative to its root: the report says how to rerun a
    measurement, not where the clone that ran it lived."""
    return text.replace(ROOT + os.sep, "")


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Run:
    def __init__(self, results):
        self.search = {}  # (dataset, engine, threads, ef) -> dict(qps, err, bytes)
        self.build = {}  # (dataset, engine, threads) -> dict(seconds, bytes)
        self.mixed = {}  # (dataset, ef) -> dict
        self.cpu = {}  # (dataset, engine, threads, ef) -> queries per CPU-second (per thread)
        self.jvm = None
        self.jvm_flags = {}  # engine -> the JVM arguments of its JMH runs
        for path in sorted(glob.glob(os.path.join(results, "jmh", "*.json"))):
            with open(path) as f:
                text = f.read()
            if not text.strip():
                print("skipping empty (unfinished or failed) JMH result", path)
                continue
            for r in json.loads(text):
                self._add(r)
        records = load_jsonl(os.path.join(results, "records.jsonl"))
        self.recall = {}  # (dataset, engine, ef) -> recall
        self.index = {}  # (dataset, engine) -> index record
        self.build_items = {}  # (dataset, engine) -> items per build op
        for r in records:
            if r["kind"] == "recall":
                self.recall[(r["dataset"], r["engine"], int(r["ef"]))] = r["recall"]
            elif r["kind"] == "index":
                self.index[(r["dataset"], r["engine"])] = r
            elif r["kind"] == "build":
                self.build_items[(r["dataset"], r["engine"])] = r["items"]
            elif r["kind"] == "cpu":
                self.cpu[(r["dataset"], r["engine"], int(r["threads"]), int(r["ef"]))] = r["qpsPerCpuSecond"]
        for r in load_jsonl(os.path.join(results, "native.jsonl")):
            if r["kind"] == "native-search":
                key = (r["dataset"], r["engine"], r["threads"], r["ef"])
                self.search[key] = {"qps": r["qps"], "err": 0.0, "bytes": None}
                if "qpsPerCpuSecond" in r:
                    self.cpu[key] = r["qpsPerCpuSecond"]
                self.recall[(r["dataset"], r["engine"], r["ef"])] = r["recall"]
            elif r["kind"] == "native-build":
                self.build[(r["dataset"], r["engine"], r["threads"])] = {
                    "seconds": r["seconds"], "bytes": None}
                self.build_items[(r["dataset"], r["engine"])] = r["items"]

    def _add(self, r):
        p = r["params"]
        sec = r.get("secondaryMetrics", {})
        norm = sec.get("gc.alloc.rate.norm", {}).get("score")
        self.jvm = self.jvm or "%s %s" % (r["vmName"], r["vmVersion"])
        if "engine" in p:
            self.jvm_flags.setdefault(p["engine"], repo_relative(" ".join(r["jvmArgs"])))
        name = r["benchmark"].rsplit(".", 2)
        bench, method = name[-2], name[-1]
        pm = r["primaryMetric"]
        if bench == "SearchBenchmark":
            key = (p["dataset"], p["engine"], r["threads"], int(p["ef"]))
            self.search[key] = {"qps": pm["score"], "err": pm["scoreError"], "bytes": norm}
        elif bench == "BuildBenchmark":
            key = (p["dataset"], p["engine"], int(p["threads"]))
            self.build[key] = {"seconds": pm["score"], "bytes": norm}
        elif bench == "ConcurrentSearchInsertBenchmark":
            entry = self.mixed.setdefault((p["dataset"], int(p["ef"])), {})
            if method == "alone":
                entry["alone"] = pm["score"]
                entry["alone_bytes"] = norm
            else:
                entry["search"] = sec.get("search", {}).get("score")
                entry["upsert"] = sec.get("upsert", {}).get("score")

    def curve(self, dataset, engine, threads, metric="wall"):
        """[(ef, recall, qps, bytes)] sorted by ef; qps is wall-clock (JMH) or per CPU-second."""
        points = []
        for (d, e, t, ef), m in self.search.items():
            if d == dataset and e == engine and t == threads:
                rec = self.recall.get((d, e, ef))
                qps = m["qps"] if metric == "wall" else self.cpu.get((d, e, t, ef))
                if rec is not None and qps is not None:
                    points.append((ef, rec, qps, m["bytes"]))
        return sorted(points)

    def at_recall(self, dataset, engine, threads, level, metric="wall"):
        """The fastest point whose recall reaches level: (ef, recall, qps, bytes) or None."""
        best = None
        for p in self.curve(dataset, engine, threads, metric):
            if p[1] >= level - 1e-9 and (best is None or p[2] > best[2]):
                best = p
        return best


def fmt_qps(q):
    if q is None:
        return "-"
    return f"{q:,.0f}"


def fmt_bytes(b):
    if b is None:
        return "n/a"
    if b < 10:
        return f"{b:.2f}"
    return f"{b:,.0f}"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        simd = [x for x in ("avx512f", "avx2", "fma") if re.search(r"\b%s\b" % x, text)]
        flags = ", " + "/".join(simd) if simd else ""
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores{flags}{mem}, {platform.system()} {platform.release()}"


def search_table(run, dataset, threads, lines, metric="wall"):
    trawl = {lv: run.at_recall(dataset, "trawl", threads, lv, metric) for lv in LEVELS}
    header = "| engine | " + " | ".join(
        f"QPS @ recall {lv:.2f} (ef) | Trawl / engine" for lv in LEVELS) + " | bytes/query @ 0.95 | best recall (ef) |"
    lines.append(header)
    lines.append("|" + "---|" * (2 + 2 * len(LEVELS) + 1))
    for engine in ENGINES:
        curve = run.curve(dataset, engine, threads, metric)
        if not curve:
            continue
        cells = []
        for lv in LEVELS:
            p = run.at_recall(dataset, engine, threads, lv, metric)
            t = trawl[lv]
            cells.append(f"{fmt_qps(p[2])} ({p[0]})" if p else "not reached")
            if engine == "trawl":
                cells.append("1.00")
            elif p and t:
                cells.append(f"{t[2] / p[2]:.2f}x")
            else:
                cells.append("-")
        p95 = run.at_recall(dataset, engine, threads, 0.95, metric)
        alloc = fmt_bytes(p95[3]) if p95 else "-"
        best = max(curve, key=lambda p: (p[1], -p[0]))
        lines.append(f"| {engine} | " + " | ".join(cells) + f" | {alloc} | {best[1]:.4f} ({best[0]}) |")
    lines.append("")


def build_table(run, dataset, lines):
    lines.append("| engine | items / build | build items/s, 1 thread | 2 threads | 2-thread speed-up"
                 " | Trawl / engine (2 threads) | bytes allocated / item built (2 threads)"
                 " | whole-set build on 2 threads (s) | retained heap bytes / item | links / item |")
    lines.append("|" + "---|" * 10)
    trawl2 = run.build.get((dataset, "trawl", 2))
    trawl_items = run.build_items.get((dataset, "trawl"))
    for engine in ENGINES:
        b1 = run.build.get((dataset, engine, 1))
        b2 = run.build.get((dataset, engine, 2))
        idx = run.index.get((dataset, engine))
        if not (b1 or b2 or idx):
            continue
        items = run.build_items.get((dataset, engine))
        ips1 = items / b1["seconds"] if b1 and items else None
        ips2 = items / b2["seconds"] if b2 and items else None
        speedup = f"{ips2 / ips1:.2f}x" if ips1 and ips2 else "-"
        ratio = "-"
        if trawl2 and trawl_items and ips2:
            ratio = "1.00" if engine == "trawl" else f"{(trawl_items / trawl2['seconds']) / ips2:.2f}x"
        alloc = fmt_bytes(b2["bytes"] / items) if b2 and b2.get("bytes") and items else "n/a"
        whole = f"{idx['buildSeconds']:.1f}" if idx else "-"
        per_item = f"{idx['bytesPerItem']:,.0f}" if idx else "n/a"
        links = f"{idx['links'] / idx['items']:.1f}" if idx and idx.get("links", -1) >= 0 else "n/a"
        lines.append(f"| {engine} | {items or '-'} | {fmt_qps(ips1)} | {fmt_qps(ips2)} | {speedup} | {ratio}"
                     f" | {alloc} | {whole} | {per_item} | {links} |")
    lines.append("")


def memory_target(run, dataset):
    idx = run.index.get((dataset, "trawl"))
    if not idx or idx.get("links", -1) < 0:
        return None
    raw = idx["rawVectorBytesPerItem"]
    budget = 1.25 * raw + 4 * idx["links"] / idx["items"]
    return idx["bytesPerItem"], budget, raw


def header(lines, columns):
    """A markdown table's header row and separator."""
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "---|" * len(columns))


def target_table(run, lines):
    """The targets for Trawl without JVM flags and with the Vector API (best of float and int7 per
    mode) against every peer, and the quantized index's memory and recall targets."""
    datasets = [d for d in TARGET_DATASETS if any(k[0] == d for k in run.search)]
    if not datasets:
        return
    lines.append("## Target table (single thread, recall@10 >= 0.95, this run)")
    lines.append("")
    lines.append("Queries per CPU-second of the searching thread at the fastest ef of the grid whose"
                 " recall@10 (against the exact float truth) reaches 0.95, ef in brackets;"
                 " `-` = not measured in this run.")
    lines.append("")
    engines = [e for _, mode_engines, _ in MODES for e in mode_engines] + PEERS
    header(lines, ["dataset"] + engines)
    for d in datasets:
        cells = []
        for e in engines:
            p = run.at_recall(d, e, 1, 0.95, "cpu")
            cells.append(f"{fmt_qps(p[2])} ({p[0]})" if p else ("not reached" if run.curve(d, e, 1, "cpu") else "-"))
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Ratios: the faster Trawl engine of each mode / the peer (target in the header; the C++"
                 " reference a mode must reach is marked, the other is shown for information).")
    lines.append("")
    header(lines, ["dataset", "Trawl mode (engine used)", "/ c++hnswlib (no flags >= 1x)",
                   "/ c++hnswlib-native (Vector API >= 1x)", "/ hnswlib-core (>= 3x)", "/ lucene (>= 2x)",
                   "/ jvector (>= 2x)"])
    for d in datasets:
        for mode, mode_engines, reference in MODES:
            points = [(run.at_recall(d, e, 1, 0.95, "cpu"), e) for e in mode_engines]
            points = [(p, e) for p, e in points if p]
            if not points:
                lines.append(f"| {d} | {mode} (not measured) |" + " - |" * 5)
                continue
            best, engine = max(points, key=lambda pe: pe[0][2])
            cells = []
            for peer in RATIO_PEERS:
                p = run.at_recall(d, peer, 1, 0.95, "cpu")
                if not p:
                    cells.append("-")
                    continue
                ratio = best[2] / p[2]
                if peer.startswith("c++") and peer != reference:
                    cells.append(f"{ratio:.2f}x")
                else:
                    cells.append(f"{ratio:.2f}x {'met' if ratio >= TARGETS[peer] else '**missed**'}")
            lines.append(f"| {d} | {mode} (`{engine}`) | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("**Quantized (int7) index:** retained heap per item (after full GCs, id map included)"
                 f" against float storage plus links (4 bytes x dimension + 4 bytes per stored link;"
                 f" target <= {INT8_MEMORY_TARGET:g}x) and against the float index's own retained heap;"
                 f" best recall@10 after the float rerank at ef <= {INT8_EF_LIMIT}"
                 f" (target >= {INT8_RECALL_TARGET:g}).")
    lines.append("")
    header(lines, ["dataset", "int7 bytes/item", "float storage + links", "int7 / (float storage + links)",
                   "float index bytes/item", "int7 / float index",
                   f"recall@10 at ef <= {INT8_EF_LIMIT}, Vector API (ef)", "the same, no flags (ef)"])
    for d in datasets:
        idx = run.index.get((d, "trawl-int8")) or run.index.get((d, "trawl-int8-noflags"))
        flt = run.index.get((d, "trawl")) or run.index.get((d, "trawl-noflags"))
        if not idx:
            continue
        links = idx["links"] / idx["items"] if idx.get("links", -1) >= 0 else 0
        storage = 4 * idx["dimension"] + 4 * links
        ratio = idx["bytesPerItem"] / storage
        verdict = "met" if ratio <= INT8_MEMORY_TARGET else "**missed**"
        vs_float = f"{idx['bytesPerItem'] / flt['bytesPerItem']:.2f}x" if flt else "-"
        recalls = []
        for e in ("trawl-int8", "trawl-int8-noflags"):
            pts = [(ef, r) for (dd, ee, ef), r in run.recall.items() if dd == d and ee == e and ef <= INT8_EF_LIMIT]
            if not pts:
                recalls.append("-")
                continue
            ef, r = max(pts, key=lambda x: (x[1], -x[0]))
            recalls.append(f"{r:.4f} ({ef}) {'met' if r >= INT8_RECALL_TARGET else '**missed**'}")
        lines.append(f"| {d} | {idx['bytesPerItem']:,.0f} | {storage:,.0f} | {ratio:.2f}x {verdict}"
                     f" | {flt['bytesPerItem']:,.0f} | {vs_float} | " if flt else
                     f"| {d} | {idx['bytesPerItem']:,.0f} | {storage:,.0f} | {ratio:.2f}x {verdict} | - | - | ")
        lines[-1] += " | ".join(recalls) + " |"
    lines.append("")


def plot(run, dataset, docs, mode):
    gnuplot = shutil.which("gnuplot")
    out_dir = os.path.join(docs, "benchmarks")
    os.makedirs(out_dir, exist_ok=True)
    data_file = os.path.join(out_dir, f"{dataset}.dat")
    blocks = []
    with open(data_file, "w") as f:
        for engine in ENGINES:
            curve = run.curve(dataset, engine, 1, "cpu")
            if not curve:
                continue
            f.write(f"# {engine}: ef recall@10 queries-per-cpu-second (1 thread)\n")
            for ef, rec, qps, _ in curve:
                f.write(f"{ef} {rec:.5f} {qps:.1f}\n")
            f.write("\n\n")
            blocks.append(engine)
    if not gnuplot or not blocks:
        return None
    svg = os.path.join(out_dir, f"{dataset}.png")
    styles = {"trawl": "lw 3 lc rgb '#d62728' pt 7", "trawl-scalar": "lw 2 dt 2 lc rgb '#ff7f0e' pt 6",
              "hnswlib-core": "lw 2 lc rgb '#1f77b4' pt 5", "lucene": "lw 2 lc rgb '#2ca02c' pt 9",
              "jvector": "lw 2 lc rgb '#9467bd' pt 11", "c++hnswlib": "lw 2 dt 4 lc rgb '#000000' pt 13",
              "trawl-int8": "lw 2 dt 3 lc rgb '#8c564b' pt 4",
              "trawl-noflags": "lw 2 dt 5 lc rgb '#e377c2' pt 8",
              "trawl-int8-noflags": "lw 2 dt 3 lc rgb '#bcbd22' pt 10",
              "c++hnswlib-native": "lw 2 lc rgb '#000000' pt 12"}
    plots = ", ".join(
        f"'{data_file}' index {i} using 2:3 with linespoints {styles.get(e, '')} title '{e}'"
        for i, e in enumerate(blocks))
    script = f"""
set terminal pngcairo noenhanced size 1000,620 font 'sans,11' background '#ffffff'
set output '{svg}'
set title '{TITLES.get(dataset, dataset)}: recall@10 vs queries per CPU-second, 1 thread, M=16 efC=200 ({mode} run)'
set xlabel 'recall@10'
set ylabel 'queries per CPU-second of the searching thread (log scale)'
set logscale y
set grid
set key bottom left
set xrange [*:1.0]
plot {plots}
"""
    subprocess.run([gnuplot], input=script, text=True, check=True)
    return os.path.basename(svg)


def scale_report(results, docs, mode):
    """docs/benchmarks-scale.md from the scale mode's records (ScaleSuite's scale.jsonl and the C++
    reference's native.jsonl)."""
    builds, searches = {}, {}
    for r in load_jsonl(os.path.join(results, "scale.jsonl")) + load_jsonl(os.path.join(results, "native.jsonl")):
        key = (r.get("dataset"), r.get("engine"))
        if r["kind"] == "scale-build":
            builds[key] = dict(r)
        elif r["kind"] == "native-build" and r.get("threads") == 2:
            builds.setdefault(key, {}).update(items=r["items"], buildSeconds=r["seconds"], buildThreads=2)
        elif r["kind"] == "native-snapshot":
            builds.setdefault(key, {}).update(memoryBytesPerItem=r["bytesPerItem"], snapshotBytes=r["snapshotBytes"],
                                              snapshotWriteSeconds=r["snapshotWriteSeconds"],
                                              snapshotLoadSeconds=r["snapshotLoadSeconds"])
        elif r["kind"] in ("scale-search", "native-search") and r.get("threads") == 1:
            searches[key + (int(r["ef"]),)] = r
    lines = ["# Benchmarks at scale", "",
             "<!-- Generated by benchmarks/report.py --scale from one run of benchmarks/run.sh scale;"
             " edit report.py, not this file. -->", "",
             f"- **Command:** `benchmarks/run.sh {mode}`"
             + (" (CI-size variant)" if mode == "smoke" else "") + " from the repository root",
             f"- **Date:** {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- **Machine:** {machine()}"]
    uptime = os.path.join(results, "uptime.txt")
    if os.path.exists(uptime):
        with open(uptime) as f:
            loads = [re.sub(r"^(\w+):.*load average:", r"\1:", line.strip()) for line in f if line.strip()]
        lines.append("- **Load average** (`uptime`, 1/5/15 min; other jobs share the cores): " + "; ".join(loads))
    flags = sorted({b.get("inputArguments") for b in builds.values() if b.get("inputArguments")})
    if flags:
        lines.append("- **Trawl JVM flags:** " + "; ".join(f"`{repo_relative(f)}`" for f in flags))
    lines += ["", "Generated clustered data (1,024 Gaussian centres, skewed cluster sizes, sigma 0.5, L2; base"
              " streamed from `.fvecs` files, never held on the heap beside the index), M = 16,"
              " efConstruction = 200, build on 2 threads (wall clock), search on 1 thread (queries per"
              " CPU-second of the searching thread, and wall-clock q/s), recall@10 against exact ground"
              " truth (brute force, computed once and cached with the data). Trawl: retained heap after"
              " full GCs and `memoryBytes()` per item, snapshot written by `IndexSnapshot.write` and"
              " searched after `IndexSnapshot.load`. c++hnswlib-native (`-O3 -march=native`): bytes per"
              " item of its own allocation (vectors, links, labels), `saveIndex`/`loadIndex`.", ""]
    datasets = sorted({k[0] for k in builds}, key=lambda d: (len(d), d))
    for d in datasets:
        lines.append(f"## {d}")
        lines.append("")
        header(lines, ["engine", "items", "build on 2 threads (s)", "items/s", "retained heap bytes/item",
                       "memoryBytes()/item", "snapshot bytes", "snapshot write (s)", "snapshot load (s)",
                       "kernels"])
        for (dd, e), b in sorted(builds.items()):
            if dd != d or "buildSeconds" not in b:
                continue
            lines.append(
                f"| {e} | {b['items']:,} | {b['buildSeconds']:.1f} | {b['items'] / b['buildSeconds']:,.0f}"
                f" | {fmt_qps(b.get('retainedBytesPerItem'))} | {fmt_qps(b.get('memoryBytesPerItem'))}"
                f" | {fmt_qps(b.get('snapshotBytes'))} | {b.get('snapshotWriteSeconds', 0):.2f}"
                f" | {b.get('snapshotLoadSeconds', 0):.2f} | {b.get('kernels', 'AVX-512 (-march=native)')} |")
        lines.append("")
        header(lines, ["engine", "ef", "recall@10", "queries / CPU-second", "queries / s"])
        for (dd, e, ef), r in sorted(searches.items()):
            if dd == d:
                lines.append(f"| {e} | {ef} | {r['recall']:.4f} | {fmt_qps(r['qpsPerCpuSecond'])} | {fmt_qps(r['qps'])} |")
        lines.append("")
    os.makedirs(docs, exist_ok=True)
    path = os.path.join(docs, "benchmarks-scale.md")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--mode", default="quick")
    ap.add_argument("--scale", action="store_true", help="write benchmarks-scale.md from a scale run")
    args = ap.parse_args()
    if args.scale:
        scale_report(args.results, args.docs, args.mode)
        return
    run = Run(args.results)
    os.makedirs(args.docs, exist_ok=True)
    notes_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    lines = []
    lines.append("# Benchmarks")
    lines.append("")
    lines.append("<!-- Generated by benchmarks/report.py from one run of benchmarks/run.sh;"
                 " edit benchmarks/notes.md or report.py, not this file. -->")
    lines.append("")
    lines.append(f"- **Command:** `benchmarks/run.sh {args.mode}` (from the repository root; results and"
                 f" raw JMH JSON in `docs/benchmarks/raw/`)")
    lines.append(f"- **Date:** {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    lines.append(f"- **Machine:** {machine()}")
    lines.append(f"- **JVM (all Java engines):** {run.jvm}")
    by_flags = {}
    for engine, flags in run.jvm_flags.items():
        by_flags.setdefault(flags, []).append(engine)
    for flags, engines in sorted(by_flags.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"- **JVM flags of {', '.join(sorted(engines))}:** {flags}")
    kernels = {e: run.index[(d, e)]["kernels"] for (d, e) in run.index}
    if kernels:
        lines.append("- **Distance code in use:** " + "; ".join(f"{e}: `{k or 'built-in'}`" for e, k in sorted(kernels.items())))
    lines.append("")
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            lines.append(f.read().rstrip())
            lines.append("")

    target_table(run, lines)
    lines.append("## Float index targets (single thread, recall@10 >= 0.95, this run)")
    lines.append("")
    lines.append("Each cell: Trawl / peer in queries per CPU-second of the searching thread (robust on a shared"
                 " machine), then the same ratio from JMH wall-clock throughput in brackets.")
    lines.append("")
    lines.append("| dataset | " + " | ".join(f"Trawl / {p} (target >= {TARGETS[p]:g}x)" for p in PEERS)
                 + " | Trawl bytes/query | build 2 threads: Trawl / hnswlib-core (>= 2x) | Trawl bytes/item (budget) |")
    lines.append("|" + "---|" * (len(PEERS) + 4))
    for dataset in DATASETS:
        t = run.at_recall(dataset, "trawl", 1, 0.95, "cpu")
        tw = run.at_recall(dataset, "trawl", 1, 0.95)
        if not t:
            continue
        cells = []
        for peer in PEERS:
            p = run.at_recall(dataset, peer, 1, 0.95, "cpu")
            pw = run.at_recall(dataset, peer, 1, 0.95)
            if not p:
                cells.append("-")
                continue
            ratio = t[2] / p[2]
            wall = f" ({tw[2] / pw[2]:.2f}x)" if tw and pw else ""
            cells.append(f"{ratio:.2f}x{wall} {'met' if ratio >= TARGETS[peer] else '**missed**'}")
        b = run.build.get((dataset, "trawl", 2))
        h = run.build.get((dataset, "hnswlib-core", 2))
        if b and h:
            ratio = h["seconds"] / b["seconds"]
            build = f"{ratio:.2f}x {'met' if ratio >= 2 else '**missed**'}"
        else:
            build = "-"
        mem = memory_target(run, dataset)
        memory = f"{mem[0]:,.0f} ({mem[1]:,.0f}) {'met' if mem[0] <= mem[1] else '**missed**'}" if mem else "-"
        lines.append(f"| {dataset} | " + " | ".join(cells) + f" | {fmt_bytes(tw[3]) if tw else '-'} | {build} | {memory} |")
    lines.append("")
    lines.append("Ratios compare the fastest ef setting of each engine that reaches recall@10 >= 0.95"
                 " (same ef grid for all). Memory budget: 1.25 x raw vector bytes + 4 bytes per graph link"
                 " actually stored (retained heap measured after full GCs; includes the id map)."
                 " Build ratio: wall-clock, items/s on 2 threads.")
    lines.append("")

    for dataset in DATASETS:
        if not any(k[0] == dataset for k in run.search):
            continue
        lines.append(f"## {TITLES.get(dataset, dataset)}")
        lines.append("")
        idx = run.index.get((dataset, "trawl"))
        if idx:
            lines.append(f"{idx['items']:,} items of {idx['dimension']} dimensions;"
                         f" raw vectors {idx['rawVectorBytesPerItem']:,} bytes/item.")
            lines.append("")
        svg = plot(run, dataset, args.docs, args.mode)
        if svg:
            lines.append(f"![recall vs QPS on {dataset}](benchmarks/{svg})")
            lines.append("")
        lines.append("**Search, 1 thread, queries per CPU-second** of the searching thread (ef in brackets;"
                     " bytes/query from `-prof gc`, `gc.alloc.rate.norm`)")
        lines.append("")
        search_table(run, dataset, 1, lines, "cpu")
        lines.append("**Search, 1 thread, wall-clock** queries/s (JMH score)")
        lines.append("")
        search_table(run, dataset, 1, lines)
        if any(k[0] == dataset and k[2] == 2 for k in run.search):
            lines.append("**Search, 2 threads, wall-clock** (total queries/s of both threads; ef 16 and 64 only)")
            lines.append("")
            search_table(run, dataset, 2, lines)
        lines.append("**Build and memory**")
        lines.append("")
        build_table(run, dataset, lines)
        for (d, ef), m in sorted(run.mixed.items()):
            if d != dataset or "alone" not in m or not m.get("search"):
                continue
            loss = 1 - m["search"] / m["alone"]
            lines.append(f"**Concurrent search while inserting (Trawl, ef={ef})**: 1 searching thread alone"
                         f" {fmt_qps(m['alone'])} q/s; with 1 thread upserting at the same time"
                         f" {fmt_qps(m['search'])} q/s ({loss:.0%} lost) while the writer did"
                         f" {fmt_qps(m['upsert'])} upserts/s.")
            lines.append("")
    curves = os.path.join(args.docs, "benchmarks", "curves.tsv")
    with open(curves, "w") as f:
        f.write("dataset\tengine\tthreads\tef\trecall@10\tqps\tbytes_per_query\n")
        for dataset in DATASETS:
            for engine in ENGINES:
                for threads in (1, 2):
                    for ef, rec, qps, b in run.curve(dataset, engine, threads):
                        f.write(f"{dataset}\t{engine}\t{threads}\t{ef}\t{rec:.5f}\t{qps:.1f}\t"
                                f"{'' if b is None else f'{b:.2f}'}\n")
    raw = os.path.join(args.docs, "benchmarks", "raw")
    if os.path.isdir(raw):
        shutil.rmtree(raw)
    os.makedirs(raw)
    copies = glob.glob(os.path.join(args.results, "jmh", "*.json"))
    copies += [os.path.join(args.results, name) for name in ("records.jsonl", "native.jsonl")]
    for path in copies:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            with open(os.path.join(raw, os.path.basename(path)), "w") as f:
                f.write(repo_relative(text))
    lines.append("All points (both thread counts): [`docs/benchmarks/curves.tsv`](benchmarks/curves.tsv).")
    lines.append("")
    with open(os.path.join(args.docs, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote", os.path.join(args.docs, "benchmarks.md"))


if __name__ == "__main__":
    main()
