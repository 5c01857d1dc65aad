"""Foundation performance: load, batch query, single query and memory of naslab benchmarks, each
measured side by side with a baseline in the same run (issue 2's targets).

    python perf/bench_foundation.py [--repeats 5]

(a) warm load (converted cache on disk, fresh interpreter) of `analognas` and of all nine `nbgraph`
    datasets vs. the source packages' own loaders: `pickle.load` of `analognasbench/data.anb` (what
    `AnalogNASBench()` does; the package imports the removed `pkg_resources`, so the baseline stubs
    that module, for the baseline only) and `nas_bench_graph.light_read(ds)` x 9. Target >= 10x.
(b) one batch query of all 15,625 nb201 cells (an index array, and a list of `Arch`) vs. a Python
    loop of single look-ups in the package's own dict {op tuple: record} (`getattr(rec, metric)`).
    Target >= 100x per arch.
(c) single-arch query latency, median over many calls. Target <= 5 us.
(d) resident memory (VmRSS delta, fresh interpreter, libraries imported first) after loading and
    after querying every column vs. the raw float32 size of the table. Target <= 2x.

Every run uses a fresh temporary NASLAB_HOME, so the first load is a real cold conversion. Times
vary between machines and runs; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NB_GRAPH_DATASETS = (
    "cora",
    "citeseer",
    "pubmed",
    "cs",
    "physics",
    "photo",
    "computers",
    "arxiv",
    "proteins",
)
STUB_NOTE = (
    "analognasbench.data imports pkg_resources (absent on this setuptools); the baseline stubs "
    "sys.modules['pkg_resources'] so the package's classes import, then times pickle.load"
)

# --- snippets run in fresh interpreters --------------------------------------------------------
_RSS = textwrap.dedent(
    """
    def rss_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    """
)
_NASLAB_LOAD = textwrap.dedent(
    """
    import json, time
    import benchmarks
    t = time.perf_counter()
    b = benchmarks.load({name!r})
    dt = time.perf_counter() - t
    t = time.perf_counter()
    benchmarks.load({name!r})
    print(json.dumps({{"first": dt, "again": time.perf_counter() - t}}))
    """
)
_ANALOG_BASELINE = textwrap.dedent(
    """
    import importlib.util, json, pickle, sys, time, types
    from pathlib import Path
    sys.modules["pkg_resources"] = types.ModuleType("pkg_resources")  # baseline only, see docs
    import analognasbench.data  # noqa: F401 - the classes the pickle needs
    spec = importlib.util.find_spec("analognasbench")
    path = Path(next(iter(spec.submodule_search_locations))) / "data.anb"
    t = time.perf_counter()
    with open(path, "rb") as f:
        data = pickle.load(f)
    print(json.dumps({"first": time.perf_counter() - t, "n": len(data)}))
    """
)
_GRAPH_BASELINE = textwrap.dedent(
    """
    import json, time
    from nas_bench_graph import light_read
    t = time.perf_counter()
    n = sum(len(light_read(ds)) for ds in {datasets!r})
    print(json.dumps({{"first": time.perf_counter() - t, "n": n}}))
    """
)
_MEMORY = _RSS + textwrap.dedent(
    """
    import inspect, json, tempfile
    import numpy as np, pandas as pd, pyarrow.parquet  # libraries: not the benchmark's cost
    import benchmarks
    from benchmarks.base import TabularBenchmark
    r_pre = rss_kib()
    # pyarrow's first read maps its Parquet libraries and memory pool (~15-20 MiB, once per
    # process, whatever the table); do it on a tiny unrelated file to separate it from the table.
    with tempfile.TemporaryDirectory() as tmp:
        pd.DataFrame({{"x": np.arange(3)}}).to_parquet(tmp + "/w.parquet")
        pd.read_parquet(tmp + "/w.parquet")
    r0 = rss_kib()
    b = benchmarks.load({name!r})
    r1 = rss_kib()
    assert isinstance(b, TabularBenchmark), type(b)
    per_dataset = "dataset" in inspect.signature(b.archs).parameters
    total = 0.0
    for ds in b.datasets:
        idx = b.arch_indices(ds) if per_dataset else b.arch_indices()
        for m in b.metrics(ds):
            for ep in b.epochs(m.name, ds):
                total += float(np.nansum(b.query(idx, m.name, ds, epoch=ep)))
    r2 = rss_kib()
    for ds in b.datasets:  # the same through lists of Arch objects (made, used, dropped)
        archs = b.archs(ds) if per_dataset else b.archs()
        total += float(np.nansum(b.query(archs, b.metrics(ds)[0].name, ds)))
        del archs
    r3 = rss_kib()
    print(json.dumps({{"pre": r_pre, "before": r0, "loaded": r1, "queried": r2, "listed": r3,
                      "raw_bytes": int(b.store.values.nbytes), "shape": list(b.store.values.shape),
                      "space": b.space.name}}))
    """
)
_SPACE_MEMORY = _RSS + textwrap.dedent(
    """
    import json
    import numpy as np, pandas as pd, pyarrow.parquet
    import benchmarks
    from nas_core import spaces
    r0 = rss_kib()
    spaces.get({space!r})
    print(json.dumps({{"space_kib": rss_kib() - r0}}))
    """
)


def run_py(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"subprocess failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def paired_runs(
    code_a: str, code_b: str, env: dict[str, str], repeats: int
) -> tuple[dict[str, float], float]:
    """Medians of each key of code_a's output and of code_b's "first", the runs interleaved
    (a, b, a, b, ...) so a change in machine load hits both alike."""
    ra: list[dict] = []
    tb: list[float] = []
    for _ in range(repeats):
        ra.append(run_py(code_a, env))
        tb.append(run_py(code_b, env)["first"])
    return {k: statistics.median(r[k] for r in ra) for k in ra[0]}, statistics.median(tb)


def paired_times(fa, fb, repeats: int, number_a: int, number_b: int) -> tuple[float, float]:
    """Median seconds per call of fa and of fb, timed alternately `repeats` times."""
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(timeit.timeit(fa, number=number_a) / number_a)
        tb.append(timeit.timeit(fb, number=number_b) / number_b)
    return statistics.median(ta), statistics.median(tb)


def fmt_s(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s >= 1e-3 else f"{s * 1e6:.2f} us"


def mib(b: float) -> str:
    return f"{b / 2**20:.2f} MiB"


class Results:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        self.notes: list[str] = []

    def add(
        self, what: str, naslab: str, base: str, ratio: str, target: str, ok: bool | None
    ) -> None:
        """`ok=None`: an informational row (no target applies)."""
        verdict = "info" if ok is None else "PASS" if ok else "MISS"
        self.rows.append((what, naslab, base, ratio, target if ok is not None else "-", verdict))
        print(f"  {what}: naslab {naslab}, baseline {base}, {ratio}", flush=True)

    def table(self) -> str:
        head = ("measurement", "naslab", "baseline", "ratio", "target", "")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


# --- (a) warm load ------------------------------------------------------------------------------
def nbgraph_available(env: dict[str, str]) -> str | None:
    """None if `benchmarks.load("nbgraph")` works here (and converts it), else why not."""
    code = "import benchmarks, json; benchmarks.load('nbgraph'); print(json.dumps({}))"
    try:
        run_py(code, env)
    except RuntimeError as e:
        return str(e).strip().splitlines()[-1]
    return None


def _load_rows(res: Results, label: str, ours: dict[str, float], base: float) -> None:
    for key, how in (("first", "new process"), ("again", "same process, 2nd load")):
        t = ours[key]
        res.add(
            f"{label} warm load ({how})", fmt_s(t), fmt_s(base), f"{base / t:,.1f}x faster",
            ">= 10x", base / t >= 10,
        )  # fmt: skip


def bench_load(res: Results, env: dict[str, str], repeats: int) -> bool:
    """Returns whether nbgraph could be loaded."""
    print("(a) warm load; fresh interpreter per run, imports excluded", flush=True)
    t0 = time.perf_counter()
    cold = run_py(_NASLAB_LOAD.format(name="analognas"), env)
    print(f"  analognas cold load (convert + write cache): {fmt_s(cold['first'])}")
    ours, base = paired_runs(_NASLAB_LOAD.format(name="analognas"), _ANALOG_BASELINE, env, repeats)
    res.notes.append(STUB_NOTE)
    _load_rows(res, "analognas", ours, base)

    t0 = time.perf_counter()
    why = nbgraph_available(env)  # also its cold conversion
    if why is not None:
        msg = f"nbgraph part skipped: benchmarks.load('nbgraph') not available yet ({why})"
        print("  " + msg)
        res.notes.append(msg)
        return False
    print(
        f"  nbgraph cold load (convert 9 datasets, new process): {time.perf_counter() - t0:.1f} s"
    )
    baseline = _GRAPH_BASELINE.format(datasets=NB_GRAPH_DATASETS)
    ours, base = paired_runs(_NASLAB_LOAD.format(name="nbgraph"), baseline, env, repeats)
    _load_rows(res, "nbgraph (9 datasets)", ours, base)
    return True


# --- (b), (c) queries ---------------------------------------------------------------------------
def package_dict() -> dict:
    """analognas' own data structure, {op tuple: Architecture}, loaded the package's way."""
    import importlib.util
    import pickle

    stub = "pkg_resources" not in sys.modules
    if stub:
        sys.modules["pkg_resources"] = types.ModuleType("pkg_resources")
    try:
        import analognasbench.data  # noqa: F401

        spec = importlib.util.find_spec("analognasbench")
        path = Path(next(iter(spec.submodule_search_locations))) / "data.anb"
        with open(path, "rb") as f:
            return pickle.load(f)
    finally:
        if stub:
            del sys.modules["pkg_resources"]


def bench_queries(res: Results, repeats: int) -> None:
    import benchmarks

    metric = "baseline_accuracy"
    bench = benchmarks.load("analognas")
    space = bench.space
    data = package_dict()
    keys = [tuple(int(o) for o in row) for row in space.op_array]
    assert len(keys) == 15625 and all(k in data for k in keys)
    idx = np.arange(space.size)
    archs = space.all_archs()
    want = np.array([getattr(data[k], metric) for k in keys], dtype=np.float32)
    assert np.array_equal(bench.query(idx, metric), want)
    assert np.array_equal(bench.query(archs, metric), want)

    def loop() -> list:
        return [getattr(data[k], metric) for k in keys]

    print("(b) batch query of all 15,625 nb201 cells vs a loop over the package's dict", flush=True)
    n = len(keys)
    per = lambda t: f"{t / n * 1e9:.1f} ns/arch"  # noqa: E731
    for label, batch, number in (("index array", idx, 50), ("list of Arch", archs, 1)):
        t, t_loop = paired_times(
            lambda b=batch: bench.query(b, metric), loop, repeats * 3, number, 1
        )
        # The target is for the batch form (an index array); a Python list costs one Python-level
        # step per element, like the loop it is compared with, so that row is informational.
        res.add(
            f"batch query, {label} (15,625)", per(t), per(t_loop) + " (dict loop)",
            f"{t_loop / t:,.1f}x faster", ">= 100x",
            t_loop / t >= 100 if label == "index array" else None,
        )  # fmt: skip

    print("(c) single-arch query latency (median per call)", flush=True)
    arch = space.from_index(6111)
    assert np.float32(getattr(data[arch.ops], metric)) == bench.query(arch, metric)
    number = 2000
    for label, a in (
        ("Arch", arch),
        ("int index", 6111),
        ("op tuple", arch.ops),
        ("NB201 string", space.to_str(arch)),
    ):
        t, t_dict = paired_times(
            lambda a=a: bench.query(a, metric),
            lambda: getattr(data[arch.ops], metric),
            repeats * 5,
            number,
            number,
        )
        res.add(
            f"single query ({label})", fmt_s(t), fmt_s(t_dict) + " (dict)",
            f"{t / t_dict:,.1f}x the dict", "<= 5 us", t <= 5e-6,
        )  # fmt: skip


# --- (d) memory ---------------------------------------------------------------------------------
def bench_memory(res: Results, env: dict[str, str], graph_ok: bool) -> None:
    print("(d) resident memory vs raw float32 table (fresh interpreter)", flush=True)
    for name in ["analognas"] + (["nbgraph"] if graph_ok else []):
        m = run_py(_MEMORY.format(name=name), env)
        space_b = run_py(_SPACE_MEMORY.format(space=m["space"]), env)["space_kib"] * 1024
        raw = m["raw_bytes"]
        shape = "x".join(str(s) for s in m["shape"])
        first_use = (m["before"] - m["pre"]) * 1024
        rows = (
            (f"{name} RSS after load ({shape} float32)", (m["loaded"] - m["before"]) * 1024),
            (f"{name} RSS after querying every column", (m["queried"] - m["before"]) * 1024),
            (
                f"{name} same, then lists of Arch per dataset (dropped)",
                (m["listed"] - m["before"]) * 1024,
            ),
        )
        for k, (what, b) in enumerate(rows):
            ok = b / raw <= 2 if k < 2 else None  # the Arch lists are the caller's objects
            res.add(what, mib(b), mib(raw) + " raw", f"{b / raw:,.1f}x raw", "<= 2x", ok)
        res.notes.append(f"{name}: its {m['space']} space alone, new process: {mib(space_b)} RSS")
        res.notes.append(
            f"{name}: pyarrow's first Parquet read in a process added {mib(first_use)} RSS "
            "before the load (measured on a 3-row file; excluded above, paid once per process)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="timings per measurement (median)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="naslab_perf_") as home:
        os.environ["NASLAB_HOME"] = home
        env = dict(os.environ)
        print(f"fresh NASLAB_HOME={home}; python {sys.version.split()[0]}; numpy {np.__version__}")
        res = Results()
        graph_ok = bench_load(res, env, args.repeats)
        bench_queries(res, args.repeats)
        bench_memory(res, env, graph_ok)
    print()
    print(res.table())
    for n in res.notes:
        print(f"\nnote: {n}")


if __name__ == "__main__":
    main()
