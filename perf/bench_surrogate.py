"""Surrogate benchmarks beside the table they were fitted on: query throughput and fit time.

    nice python perf/bench_surrogate.py [--models xgb,lgb,rf,gin,ensemble] [--sizes 100,1000,3000]
        [--query-train-size 1000] [--calls 1000] [--batch 10000] [--repeats 3] [--fit-repeats 3]
        [--budget 30] [--seed 0] [--path FILE] [--out RESULTS.md] [--profile MODEL]

Source: the NAS-Bench-201 200-epoch table (`preset="nb201-200ep"`), CIFAR-10 test accuracy; each
surrogate is `benchmarks.surrogate.fit_surrogate(table, "cifar10", "test_acc", factory, N, seed)`
with `predictors.create(model, "nb201", seed=seed)` at its default settings (one thread each).

(a) Query, on the surrogate fitted at N = --query-train-size and on the table, in one run:
- `query(arch, "test_acc", "cifar10")`, one architecture per call: --calls distinct cells, each
  call timed alone (`time.perf_counter`); median and 95th percentile over all calls of all
  --repeats passes;
- `reader("test_acc", "cifar10")(arch)`, the path searchers use: a fresh reader per pass, first
  visits (a surrogate predicts) and then revisits of the same cells (its memo answers);
- `query(batch)` with --batch distinct cells in one call: median wall time over --repeats, and
  per architecture.
A single-call path stops early once it has spent --budget seconds in a pass (the `n` column says
how many calls were timed): a slow model should not hold the run for minutes.
Ratios: each surrogate path over the table's, and one call per arch over the batch, per arch.

(b) Fit: `fit_surrogate` wall time (`time.perf_counter`) and process CPU time
(`time.process_time`, all threads of this process) at each N, median over --fit-repeats runs
(fewer when one run takes longer than --budget seconds; `n` says). The `overhead` row is
fit_surrogate with a model that only stores the mean: sampling, reading the measured values,
hashing the source file, provenance; every model's row includes it.

The machine has 2 cores shared with other work, so absolute times are noisy; compare the ratios,
measured in the same run. `--profile MODEL` prints where one surrogate's single-arch query spends
its time (cProfile, top 25 by cumulative time).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

DEFAULT_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "nb201-tables")
DEFAULT_PATH = os.path.join(DEFAULT_PATH, "nb201_200ep_test_time_zc.csv")
METRIC, DATASET = "test_acc", "cifar10"


class MeanOnly:
    """The cheapest Regressor: predicts the training mean (times fit_surrogate's own work)."""

    def fit(self, archs: Any, y: Any) -> MeanOnly:
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, archs: Any) -> np.ndarray:
        return np.full(len(archs), self.mean_)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}


def factory(name: str, seed: int) -> Callable[[], Any]:
    if name == "overhead":
        return MeanOnly
    import predictors

    return lambda: predictors.create(name, "nb201", seed=seed)


def per_call(fn: Callable[[Any], Any], archs: Sequence[Any], budget: float) -> list[float]:
    """Seconds of each call `fn(arch)`, in order, stopping once `budget` seconds are spent."""
    out: list[float] = []
    clock = time.perf_counter
    start = clock()
    for a in archs:
        t0 = clock()
        fn(a)
        out.append(clock() - t0)
        if clock() - start > budget:
            break
    return out


def stats_us(times: list[float]) -> tuple[float, float, int]:
    """(median, 95th percentile) in microseconds, and how many calls."""
    a = np.asarray(times) * 1e6
    return float(np.median(a)), float(np.percentile(a, 95)), len(a)


def query_paths(bench: Any, single: list, batch: list, repeats: int, budget: float) -> dict:
    """Every query path of one benchmark: per-call latencies pooled over passes, batch times."""
    calls: list[float] = []
    first: list[float] = []
    again: list[float] = []
    batch_s: list[float] = []
    bench.query(single[0], METRIC, DATASET)  # warm-up (lazy column lists, first model call)
    for _ in range(repeats):
        gc.collect()
        calls += per_call(lambda a: bench.query(a, METRIC, DATASET), single, budget)
        read = bench.reader(METRIC, DATASET)
        done = per_call(read, single, budget)
        first += done
        again += per_call(read, single[: len(done)], budget)
        gc.collect()
        t0 = time.perf_counter()
        out = bench.query(batch, METRIC, DATASET)
        batch_s.append(time.perf_counter() - t0)
        assert len(out) == len(batch)
    return {
        "query": stats_us(calls),
        "reader_first": stats_us(first),
        "reader_again": stats_us(again),
        "batch_s": statistics.median(batch_s),
    }


def fmt_row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table_md(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
    lines = [fmt_row(header), fmt_row(["---"] * len(header))]
    return "\n".join([*lines, *(fmt_row(r) for r in rows)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="xgb,lgb,rf,gin,ensemble")
    ap.add_argument("--sizes", default="100,1000,3000", help="N for the fit-time table")
    ap.add_argument("--query-train-size", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=1000, help="single-arch calls per pass")
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=3, help="query passes")
    ap.add_argument("--fit-repeats", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per timed loop or fit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--path", default=DEFAULT_PATH)
    ap.add_argument("--out", default=None, help="write the results as markdown here")
    ap.add_argument("--profile", default=None, help="cProfile one model's single-arch query")
    ap.add_argument("--skip-fit", action="store_true", help="only the query part")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    import benchmarks
    from benchmarks.surrogate import fit_surrogate

    if not os.path.exists(args.path):
        sys.exit(f"NAS-Bench-201 table not found: {args.path} (pass --path FILE)")
    models = [m for m in args.models.split(",") if m]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    env = (
        f"{platform.processor() or platform.machine()}, os.cpu_count()={os.cpu_count()} "
        f"(2 cores shared with other sessions: absolute times are noisy, ratios are measured in "
        f"the same run), Python {platform.python_version()}, torch threads "
        f"{torch.get_num_threads()}, models at one thread (n_jobs=1 / n_threads=1)"
    )
    out: list[str] = [f"`{command}`", "", env, ""]
    print(command)
    print(env)

    t0 = time.perf_counter()
    table = benchmarks.load("table", path=args.path, preset="nb201-200ep")
    print(f"table loaded in {time.perf_counter() - t0:.2f} s")
    archs = table.archs(DATASET)
    rng = np.random.default_rng(args.seed)
    single = [archs[i] for i in rng.choice(len(archs), args.calls, replace=False)]
    batch = [archs[i] for i in rng.choice(len(archs), args.batch, replace=False)]

    # --- (a) query throughput ----------------------------------------------------------------
    print(
        f"\n(a) query: {args.calls} single-arch calls x {args.repeats} passes, a batch of "
        f"{args.batch}; surrogates fitted on N={args.query_train_size}"
    )
    benches: list[tuple[str, Any]] = [("table", table)]
    for name in models:
        t0 = time.perf_counter()
        s = fit_surrogate(
            table, DATASET, METRIC, factory(name, args.seed), args.query_train_size, args.seed
        )
        print(f"  fitted {name} in {time.perf_counter() - t0:.1f} s")
        benches.append((name, s))
    results = {}
    for label, bench in benches:
        results[label] = r = query_paths(bench, single, batch, args.repeats, args.budget)
        q, f, g = r["query"], r["reader_first"], r["reader_again"]
        print(
            f"  {label:9s} query {q[0]:9.1f} us (p95 {q[1]:9.1f}, n {q[2]})  reader first "
            f"{f[0]:9.1f} us  again {g[0]:6.2f} us  batch {r['batch_s'] * 1e3:9.1f} ms"
        )
    base = results["table"]
    header = [
        "benchmark",
        "query 1 arch: median us",
        "p95 us",
        "n",
        "reader first visit: median us",
        "reader revisit: median us",
        f"batch of {args.batch}: ms",
        "batch: us per arch",
        "query 1 arch / table",
        "reader first / table",
        "batch / table",
        "1-arch call / batch per arch",
    ]
    rows = []
    for label, _ in benches:
        r = results[label]
        per_arch = r["batch_s"] * 1e6 / args.batch
        rows.append(
            [
                label,
                f"{r['query'][0]:.1f}",
                f"{r['query'][1]:.1f}",
                r["query"][2],
                f"{r['reader_first'][0]:.1f}",
                f"{r['reader_again'][0]:.2f}",
                f"{r['batch_s'] * 1e3:.1f}",
                f"{per_arch:.2f}",
                f"{r['query'][0] / base['query'][0]:.0f}x",
                f"{r['reader_first'][0] / base['reader_first'][0]:.0f}x",
                f"{r['batch_s'] / base['batch_s']:.0f}x",
                f"{r['query'][0] / per_arch:.0f}x",
            ]
        )
    md = table_md(header, rows)
    print()
    print(md)
    out += [
        f"### Query: NAS-Bench-201 CIFAR-10 test_acc, surrogates fitted on "
        f"N={args.query_train_size}",
        "",
        md,
        "",
    ]

    if args.profile:
        import cProfile
        import io
        import pstats

        bench = dict(benches)[args.profile]
        prof = cProfile.Profile()
        prof.enable()
        n = len(per_call(lambda a: bench.query(a, METRIC, DATASET), single[:300], args.budget))
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(25)
        print(f"\ncProfile of {args.profile}.query(one arch), {n} calls:\n{text.getvalue()}")

    # --- (b) fit time ------------------------------------------------------------------------
    if not args.skip_fit:
        print(f"\n(b) fit_surrogate at N = {sizes}, median of up to {args.fit_repeats} runs")
        fit_rows = []
        for name in ["overhead", *models]:
            for n in sizes:
                walls, cpus = [], []
                for _ in range(args.fit_repeats):
                    gc.collect()
                    w0, c0 = time.perf_counter(), time.process_time()
                    fit_surrogate(table, DATASET, METRIC, factory(name, args.seed), n, args.seed)
                    walls.append(time.perf_counter() - w0)
                    cpus.append(time.process_time() - c0)
                    if walls[-1] > args.budget:
                        break
                w, c = statistics.median(walls), statistics.median(cpus)
                fit_rows.append([name, n, f"{w:.3f}", f"{c:.3f}", f"{c / w:.2f}", len(walls)])
                print(f"  {name:9s} N={n:5d} wall {w:8.3f} s  cpu {c:8.3f} s  (n {len(walls)})")
        md = table_md(["model", "N", "wall s", "process CPU s", "CPU / wall", "n"], fit_rows)
        print()
        print(md)
        out += [
            "### fit_surrogate time (one thread per model; 2 shared cores)",
            "",
            md,
            "",
        ]
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(out))
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
