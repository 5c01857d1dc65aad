"""`analognas`: AnalogNAS-Bench (PyPI `analog-nasbench`), the embedded default benchmark.

All 15,625 NAS-Bench-201 cells trained on CIFAR-10, with hardware-aware accuracies. What the
numbers mean, and their caveats (from the AnalogNAS-Bench paper and data):

- `baseline_accuracy`: CIFAR-10 test accuracy (%) of the cell trained in full precision; the
  authors report it averaged over 25 augmented test passes. Spearman 0.979 with NAS-Bench-201's
  CIFAR-10 validation accuracy and 0.991 with its 200-epoch test accuracy.
- `ptq_accuracy`: after 8-bit post-training quantisation; `qat_accuracy`: after quantisation-aware
  training. Both were calibrated on the test set, so they are optimistic.
- `noisy_accuracy`: the baseline network with weight noise injected at inference.
- `analog_accuracy`: trained hardware-aware (noise injection) and evaluated on simulated analog
  in-memory-computing hardware (PCM).
- `baseline_drift_T` / `analog_drift_T` (T = 60 s, 1 h, 1 day, 30 days): accuracy of the baseline /
  hardware-aware network after conductance drift for T seconds, mean over repeated simulations;
  `*_std` is the spread the package reports with it ("mean ± std").

The package cannot be imported on current setuptools (it imports `pkg_resources`), so naslab finds
`analognasbench/data.anb` with `importlib.util.find_spec` (which does not execute the package) and
reads it with a restricted unpickler that maps the package's classes to plain local records.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._unpickle import NUMPY_SCALARS, Record, restricted_load
from benchmarks.base import MetricInfo, TabularBenchmark
from benchmarks.cache import cached_store
from benchmarks.store import TableStore
from nas_core import spaces
from nas_core.errors import DataFormatError, MissingFileError
from nas_core.provenance import Provenance

VERSION = 1
DATASET = "cifar10"
DRIFT_TIMES = {60: "60 s", 3600: "1 hour", 86400: "1 day", 2592000: "30 days"}
ACCURACIES = {
    "baseline_accuracy": "CIFAR-10 test accuracy of the full-precision network (mean of 25 "
    "augmented test passes)",
    "ptq_accuracy": "accuracy after 8-bit post-training quantisation (calibrated on the test set)",
    "qat_accuracy": "accuracy after quantisation-aware training (calibrated on the test set)",
    "noisy_accuracy": "accuracy of the baseline network with weight noise injected at inference",
    "analog_accuracy": "accuracy of the hardware-aware-trained network on simulated analog "
    "in-memory hardware",
}

CITATION = (
    "Benmeziane, H. et al. AnalogNAS-Bench: A NAS Benchmark for Analog In-Memory Computing. "
    "arXiv:2506.18495 (2025). Built on Dong & Yang, NAS-Bench-201, ICLR 2020."
)
LICENCE = "analog-nasbench on PyPI (Apache-2.0 per its repository, IBM/analog-nas)"


def data_path() -> Path:
    spec = importlib.util.find_spec("analognasbench")
    if spec is None or not spec.submodule_search_locations:
        raise MissingFileError(
            "benchmark 'analognas' needs the PyPI package analog-nasbench (it ships the data "
            "file analognasbench/data.anb): pip install analog-nasbench"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data.anb"
    if not path.exists():
        raise MissingFileError(f"analog-nasbench is installed but {path} is missing; reinstall it")
    return path


SOURCE = (
    "AnalogNAS-Bench (Benmeziane et al., 2025): the authors trained all 15,625 NAS-Bench-201 "
    "cells on CIFAR-10"
)
#: How each accuracy was obtained (the provenance detail); all on the CIFAR-10 test set.
HOW = {
    "baseline_accuracy": "full-precision training; test accuracy averaged over 25 augmented "
    "test passes",
    "ptq_accuracy": "8-bit post-training quantisation of the baseline network, calibrated on "
    "the test set",
    "qat_accuracy": "quantisation-aware training, calibrated on the test set",
    "noisy_accuracy": "baseline network evaluated with weight noise injected at inference",
    "analog_accuracy": "hardware-aware (noise-injection) training, evaluated on simulated PCM "
    "analog in-memory-computing hardware",
}
#: Roles: accuracy on (simulated) analog hardware is the hardware-dependent quantity of this
#: benchmark; the digital accuracies are objectives.
HARDWARE = {"analog_accuracy"}


def _metric_infos() -> dict[str, MetricInfo]:
    infos = {
        m: MetricInfo(
            m,
            d,
            "%",
            True,
            role="hardware" if m in HARDWARE else "objective",
            split="test",
            provenance=Provenance("measured", SOURCE, HOW[m]),
        )
        for m, d in ACCURACIES.items()
    }
    for kind, what in (("baseline", "full-precision"), ("analog", "hardware-aware-trained")):
        for t, label in DRIFT_TIMES.items():
            name = f"{kind}_drift_{t}"
            how = (
                f"{what} network on simulated PCM analog hardware after {label} of conductance "
                "drift, CIFAR-10 test set"
            )
            infos[name] = MetricInfo(
                name,
                f"accuracy of the {what} network on analog hardware after {label} of "
                "conductance drift (mean)",
                "%",
                True,
                role="hardware",
                split="test",
                provenance=Provenance("measured", SOURCE, f"mean over repeated simulations; {how}"),
            )
            infos[f"{name}_std"] = MetricInfo(
                f"{name}_std",
                f"standard deviation of {name} over repeated simulations",
                "%",
                False,
                role="uncertainty",
                split="test",
                provenance=Provenance("measured", SOURCE, f"std over repeated simulations; {how}"),
            )
    return infos


def _drift(value: Any) -> tuple[float, float]:
    if isinstance(value, Record):
        return float(value.value), float(value.uncertainty)
    if isinstance(value, (int, float)):
        return float(value), 0.0
    if isinstance(value, str):
        mean, _, std = value.partition("±")
        return float(mean), float(std or 0.0)
    raise DataFormatError(f"unexpected drift value {value!r}")


def read_source(path: str | Path) -> dict[tuple[int, ...], Any]:
    """The package's own data, read safely: {NASLib op tuple: record with the package's fields}."""
    allowed = {
        ("analognasbench.data", "Architecture"): type("Architecture", (Record,), {}),
        ("analognasbench.data", "DriftMeasurement"): type("DriftMeasurement", (Record,), {}),
        **NUMPY_SCALARS,
    }
    data = restricted_load(path, allowed)
    if not isinstance(data, dict):
        raise DataFormatError(
            f"{path}: expected a dict of architectures, got {type(data).__name__}"
        )
    return data


def convert(path: str | Path) -> TableStore:
    space = spaces.get("nb201")
    data = read_source(path)
    keys = list(data)
    index = space.indices([space.parse(tuple(k)) for k in keys])
    cols: dict[tuple, np.ndarray] = {}
    for m in ACCURACIES:
        cols[(DATASET, m, None, None)] = np.array([float(getattr(data[k], m)) for k in keys])
    for kind in ("baseline", "analog"):
        for t in DRIFT_TIMES:
            name = f"{kind}_drift_{t}"
            pairs = np.array([_drift(getattr(data[k], name)) for k in keys])
            cols[(DATASET, name, None, None)] = pairs[:, 0]
            cols[(DATASET, f"{name}_std", None, None)] = pairs[:, 1]
    return TableStore.from_columns("nb201", index, cols, meta={"source": str(Path(path).resolve())})


def load(path: str | Path | None = None) -> TabularBenchmark:
    src = Path(path) if path is not None else data_path()
    if not src.exists():
        raise MissingFileError(f"analognas data file not found at {src}")
    store = cached_store("analognas", VERSION, [src], lambda: convert(src))
    return TabularBenchmark(
        "analognas",
        store,
        _metric_infos(),
        citation=CITATION,
        licence=LICENCE,
        description="AnalogNAS-Bench: all 15,625 NAS-Bench-201 cells on CIFAR-10 with "
        "quantisation, noise and analog-hardware (drift) accuracies",
        cost_note="AnalogNAS-Bench records no training times",
    )
