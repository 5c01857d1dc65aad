"""`nbgraph`: NAS-Bench-Graph (Qin et al., NeurIPS 2022 D&B), embedded from PyPI `nas-bench-graph`.

All 26,206 GNN architectures of the `nbgraph` space trained on nine node-classification datasets
(cora, citeseer, pubmed, cs, physics, photo, computers, arxiv = ogbn-arxiv, proteins =
ogbn-proteins). The package ships one "light" pickle per dataset, `light/<dataset>.bench`: a dict
from the architecture's `valid_hash()` to `{'valid_perf', 'perf', 'latency', 'para'}`. naslab
exposes them as

- `valid_perf`: validation performance; `test_perf`: test performance (the package's `perf`).
  Both are accuracy as a fraction in [0, 1] on eight datasets; on proteins they are ROC-AUC, the
  OGB metric for ogbn-proteins (the file does not label it; its range 0.67-0.80 fits ROC-AUC).
- `latency`: the model's latency in seconds as recorded by NAS-Bench-Graph (lower is better).
- `params`: the number of trainable parameters, in millions (the package's `para`).

The light files hold no training times, so `cost` is a unit cost (1 simulated second per query).
The per-epoch curves and per-seed values are in the full benchmark on figshare, not in the
package, and are not embedded.

proteins uses only 5 ops (gcn, sage, arma, fc, skip) and holds 2,021 archs; its file is keyed by
the same default 9-op `valid_hash` as the others (not `hash_arch(use_proteins=True)`). The table is
the union over datasets (all 26,206 archs); an arch a dataset lacks is NaN in that dataset's
columns, and querying it there raises NotInBenchmarkError. `archs(dataset)` lists the archs one
dataset holds.

The pickles are read with a restricted unpickler that admits only NumPy float scalars (the values
are a mix of Python floats and `numpy.float64`), converted once into the columnar cache (all nine
files are its sources), so a warm load is one memory-mapped read.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks._unpickle import NUMPY_SCALARS, restricted_load
from benchmarks.base import MetricInfo
from benchmarks.cache import cached_store
from benchmarks.sparse import SparseTabularBenchmark
from benchmarks.store import TableStore
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    MissingFileError,
    check_name,
)
from nas_core.provenance import Provenance
from nas_core.spaces.nbgraph import NBGraphSpace

VERSION = 1
DATASETS: tuple[str, ...] = (
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
DEFAULT_DATASET = "cora"
#: naslab metric name -> key in the package's light files.
SOURCE_KEYS = {
    "valid_perf": "valid_perf",
    "test_perf": "perf",
    "latency": "latency",
    "params": "para",
}
#: What `valid_perf`/`test_perf` measure on each dataset.
PERF_MEASURE = {ds: "accuracy" for ds in DATASETS} | {"proteins": "ROC-AUC"}

CITATION = (
    "Qin, Y., Zhang, Z., Wang, X., Zhang, Z., Zhu, W. NAS-Bench-Graph: Benchmarking Graph Neural "
    "Architecture Search. NeurIPS 2022 Datasets and Benchmarks Track. arXiv:2206.09166."
)
LICENCE = "Apache-2.0 (PyPI nas-bench-graph, github.com/THUMNLab/NAS-Bench-Graph)"


def data_dir() -> Path:
    """The package's `light/` folder, found without importing the package."""
    spec = importlib.util.find_spec("nas_bench_graph")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFileError(
            "benchmark 'nbgraph' needs the PyPI package nas-bench-graph (it ships the data "
            "files nas_bench_graph/light/<dataset>.bench): pip install nas-bench-graph"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "light"


def data_paths(directory: str | Path | None = None) -> dict[str, Path]:
    d = Path(directory) if directory is not None else data_dir()
    paths = {ds: d / f"{ds}.bench" for ds in DATASETS}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        raise MissingFileError(
            f"NAS-Bench-Graph light files not found: {', '.join(missing)}; reinstall "
            "nas-bench-graph or pass path=<folder holding <dataset>.bench>"
        )
    return paths


def read_source(path: str | Path) -> dict[int, dict[str, float]]:
    """One light file, read safely: {valid_hash: {'valid_perf', 'perf', 'latency', 'para'}}."""
    data = restricted_load(path, NUMPY_SCALARS)
    if not isinstance(data, dict) or not data:
        raise DataFormatError(f"{path}: expected a non-empty dict, got {type(data).__name__}")
    keys = set(SOURCE_KEYS.values())
    for h, rec in data.items():
        if not isinstance(h, int) or not isinstance(rec, dict) or not keys <= set(rec):
            raise DataFormatError(
                f"{path}: entry {h!r} is not valid_hash -> dict with keys {sorted(keys)}"
            )
    return data


def convert(paths: dict[str, Path]) -> TableStore:
    space: NBGraphSpace = spaces.get("nbgraph")  # type: ignore[assignment]
    n = space.size or 0
    cols: dict[tuple, np.ndarray] = {}
    for ds, path in paths.items():
        data = read_source(path)
        try:
            rows = space.indices_of_hashes(np.fromiter(data, dtype=np.int64, count=len(data)))
        except InvalidArchError as e:
            raise DataFormatError(f"{path}: {e}") from e
        recs = list(data.values())
        for metric, key in SOURCE_KEYS.items():
            col = np.full(n, np.nan)
            col[rows] = np.fromiter(
                (float(r[key]) for r in recs), dtype=np.float64, count=len(recs)
            )
            if np.isnan(col[rows]).any():
                raise DataFormatError(f"{path}: NaN {key!r} values; expected measured numbers")
            cols[(ds, metric, None, None)] = col
    return TableStore.from_columns(
        "nbgraph",
        np.arange(n),
        cols,
        meta={"source": str(next(iter(paths.values())).parent)},
    )


class NBGraphBenchmark(SparseTabularBenchmark):
    """SparseTabularBenchmark over the union table: datasets holding fewer archs (proteins) raise
    NotInBenchmarkError for the archs they lack (naming the ops those archs use) instead of
    returning NaN."""

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        d = self._dataset(dataset)
        measure = PERF_MEASURE.get(d, "performance")
        out = []
        for m in super().metrics(d):
            if m.name in ("valid_perf", "test_perf"):
                split = "validation" if m.name == "valid_perf" else "test"
                m = replace(m, description=f"{split} {measure} on {d}, 0..1")
            out.append(m)
        return out

    def _hint(self, dataset: str) -> str:
        used = np.unique(self.space.op_array[self._present(dataset), 1:])  # type: ignore[attr-defined]
        return ", using only ops " + ", ".join(self.space.ops[int(o)] for o in used)


SOURCE = (
    "NAS-Bench-Graph (Qin et al., NeurIPS 2022): the authors trained every architecture on each "
    "dataset"
)
LIGHT = "values as stored in the PyPI package's light/<dataset>.bench files"


def _metric_infos() -> dict[str, MetricInfo]:
    return {
        "valid_perf": MetricInfo(
            "valid_perf",
            "validation performance (accuracy; ROC-AUC on proteins), 0..1",
            role="objective",
            split="valid",
            provenance=Provenance("measured", SOURCE, f"validation split; {LIGHT} ('valid_perf')"),
        ),
        "test_perf": MetricInfo(
            "test_perf",
            "test performance (accuracy; ROC-AUC on proteins), 0..1",
            role="objective",
            split="test",
            provenance=Provenance("measured", SOURCE, f"test split; {LIGHT} ('perf')"),
        ),
        "latency": MetricInfo(
            "latency",
            "model latency recorded by NAS-Bench-Graph",
            "s",
            higher_is_better=False,
            role="hardware",
            provenance=Provenance(
                "measured",
                "NAS-Bench-Graph (Qin et al., NeurIPS 2022): latency recorded by the authors on "
                "their hardware",
                f"{LIGHT} ('latency')",
            ),
        ),
        "params": MetricInfo(
            "params",
            "number of trainable parameters",
            "millions",
            higher_is_better=False,
            role="size",
            provenance=Provenance(
                "computed",
                "NAS-Bench-Graph (Qin et al., NeurIPS 2022): parameter count of each model",
                f"{LIGHT} ('para')",
            ),
        ),
    }


def load(path: str | Path | None = None, dataset: str = DEFAULT_DATASET) -> NBGraphBenchmark:
    """Load NAS-Bench-Graph. `path`: a folder with the nine `<dataset>.bench` files (default: the
    installed package's `light/`); `dataset`: the default dataset for queries (default cora)."""
    paths = data_paths(path)
    sources = [paths[ds] for ds in DATASETS]
    store = cached_store("nbgraph", VERSION, sources, lambda: convert(paths))
    return NBGraphBenchmark(
        "nbgraph",
        store,
        _metric_infos(),
        citation=CITATION,
        licence=LICENCE,
        description="NAS-Bench-Graph: 26,206 GNN architectures on 9 node-classification "
        "datasets (proteins: 2,021) with validation/test performance, latency and parameters",
        cost_note="NAS-Bench-Graph's light files record no training times",
        default_dataset=check_name("dataset", dataset, DATASETS, "for benchmark 'nbgraph'"),
    )
