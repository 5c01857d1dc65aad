"""`nb201` end to end on a tiny file in the official format, built with the package's own record
classes (ResultsCount, ArchResults) and saved with torch.save, checked against the package's own
API (`NASBench201API.query_meta_info_by_index(...).get_metrics(...)`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import nb201_pth
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    InvalidInputError,
    MissingFileError,
    NotInBenchmarkError,
    UnknownNameError,
)

torch = pytest.importorskip("torch")
api = pytest.importorskip("nas_201_api")

SPACE = spaces.get("nb201")
# Official-style order: the tiny file's index i is deliberately not the space's index.
ARCHS = [SPACE.from_index(i) for i in (6111, 3, 15624, 777)]
EVAL_SETS = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("ori-test", "x-valid", "x-test"),
    "ImageNet16-120": ("ori-test", "x-valid", "x-test"),
}


def _result(rng: np.random.Generator, ds: str, seed: int, epochs: int, arch_str: str) -> object:
    rc = api.ResultsCount(
        ds,
        None,
        None,
        None,
        float(rng.uniform(0.1, 1.5)),
        float(rng.uniform(10, 200)),
        {"arch_str": arch_str, "channel": 16, "num_cells": 5, "class_num": 10},
        seed,
        epochs,
        [float(rng.uniform(0.005, 0.03))],
    )
    ep = range(epochs)
    rc.update_train_info(
        {i: float(rng.uniform(10, 100)) for i in ep},
        {i: float(rng.uniform(10, 100)) for i in ep},
        {i: float(rng.uniform(0.1, 2.5)) for i in ep},
        {i: float(rng.uniform(5, 30)) for i in ep},
    )
    accs, losses, times = {}, {}, {}
    for name in EVAL_SETS[ds]:
        for i in ep:
            accs[f"{name}@{i}"] = float(rng.uniform(10, 95))
            losses[f"{name}@{i}"] = float(rng.uniform(0.1, 2.5))
            times[f"{name}@{i}"] = float(rng.uniform(0.5, 3))
    rc.update_eval(accs, losses, times)
    return rc


def build_file(path: Path, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    meta = [SPACE.to_str(a) for a in ARCHS]
    arch2infos = {}
    for idx, arch_str in enumerate(meta):
        entry = {}
        for part, epochs in (("less", 12), ("full", 200)):
            res = api.ArchResults(idx, arch_str)
            for ds in EVAL_SETS:
                seeds = [777, 888, 999][: 1 + (idx + len(ds)) % 3] if part == "full" else [777]
                for s in seeds:
                    res.update(ds, s, _result(rng, ds, s, epochs, arch_str))
            entry[part] = res.state_dict()
        arch2infos[idx] = entry
    data = {"meta_archs": meta, "arch2infos": arch2infos, "evaluated_indexes": list(range(4))}
    torch.save(data, path)
    return data


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("nb201") / nb201_pth.FILE_NAME
    data = build_file(path)
    return path, api.NASBench201API(data, verbose=False)


def test_values_match_the_package_api(tiny: tuple[Path, object]) -> None:
    path, ref = tiny
    bench = nb201_pth.load(path, progress=False)
    assert bench.datasets == ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
    assert bench.default_dataset == "cifar10"
    for off, arch in enumerate(ARCHS):
        info = ref.query_meta_info_by_index(off, hp="200")
        for ds, (valid, test) in nb201_pth.SPLITS.items():
            for e in (1, 57, 200):
                want = info.get_metrics(ds, test, iepoch=e - 1)
                assert bench.query(arch, "test_acc", ds, epoch=e) == pytest.approx(
                    want["accuracy"], rel=1e-6
                )
                assert bench.query(arch, "test_loss", ds, epoch=e) == pytest.approx(
                    want["loss"], rel=1e-6
                )
                train = info.get_metrics(ds, "train", iepoch=e - 1)
                assert bench.query(arch, "train_acc", ds, epoch=e) == pytest.approx(
                    train["accuracy"], rel=1e-6
                )
                assert bench.query(arch, "train_time", ds, epoch=e) == pytest.approx(
                    train["all_time"], rel=1e-5
                )
                if valid is not None:
                    v = info.get_metrics(ds, valid, iepoch=e - 1)
                    assert bench.query(arch, "valid_acc", ds, epoch=e) == pytest.approx(
                        v["accuracy"], rel=1e-6
                    )
            # final value == epoch 200; per-seed final values average to the mean
            final = bench.query(arch, "test_acc", ds)
            assert final == bench.query(arch, "test_acc", ds, epoch=200)
            seeds = info.get_dataset_seeds(ds)
            per_seed = [bench.query(arch, "test_acc", ds, seed=s) for s in seeds]
            assert np.mean(per_seed) == pytest.approx(final, rel=1e-5)
            for s in seeds:
                assert bench.query(arch, "test_acc", ds, seed=s) == pytest.approx(
                    info.get_metrics(ds, test, is_random=s)["accuracy"], rel=1e-6
                )
            costs = info.get_compute_costs(ds)
            assert bench.query(arch, "flops", ds) == pytest.approx(costs["flops"], rel=1e-6)
            assert bench.cost(arch, ds) == pytest.approx(costs["T-train@total"], rel=1e-5)


def test_layout_and_official_index(tiny: tuple[Path, object]) -> None:
    path, _ = tiny
    bench = nb201_pth.load(path, progress=False)
    assert bench.epochs("test_acc", "cifar100") == list(range(1, 201))
    assert bench.epochs("flops", "cifar100") == [None]
    assert "valid_acc" not in {m.name for m in bench.metrics("cifar10")}
    frame = bench.to_frame()
    # the official index is an extra column, not the space index
    official = dict(zip(frame["index"], frame["nb201_index"], strict=True))
    assert official == {SPACE.index(a): i for i, a in enumerate(ARCHS)}
    assert set(bench.archs()) == set(ARCHS)
    absent = SPACE.from_index(0)
    with pytest.raises(NotInBenchmarkError):
        bench.query(absent, "test_acc")
    with pytest.raises(InvalidInputError, match="available epochs"):
        bench.query(ARCHS[0], "test_acc", epoch=201)
    with pytest.raises(UnknownNameError):
        bench.query(ARCHS[0], "valid_acc", "cifar10")
    batch = bench.query(ARCHS, "test_acc", "cifar100", epoch=100)
    assert batch.dtype == np.float32 and batch.shape == (4,)


def test_12_epoch_schedule_is_its_own_run(tiny: tuple[Path, object]) -> None:
    path, ref = tiny
    less = nb201_pth.load(path, schedule=12, progress=False)
    full = nb201_pth.load(path, progress=False)
    assert less.name == "nb201-12ep" and less.epochs("test_acc")[-1] == 12
    info = ref.query_meta_info_by_index(1, hp="12")
    want = info.get_metrics("cifar100", "x-valid")["accuracy"]
    assert less.query(ARCHS[1], "valid_acc", "cifar100") == pytest.approx(want, rel=1e-6)
    assert less.query(ARCHS[1], "valid_acc", "cifar100") != full.query(
        ARCHS[1], "valid_acc", "cifar100", epoch=12
    )


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="NAS-Bench-201"):
        nb201_pth.load(None)
    with pytest.raises(MissingFileError, match="github.com/D-X-Y"):
        nb201_pth.load(tmp_path / "nope.pth")
    with pytest.raises(InvalidInputError, match="schedule"):
        nb201_pth.load(tmp_path / "nope.pth", schedule=100)
    bad = tmp_path / "bad.pth"
    torch.save({"something": 1}, bad)
    with pytest.raises(DataFormatError, match="meta_archs"):
        nb201_pth.load(bad, progress=False)


def test_cost_charges_the_epochs_asked_for(tiny: tuple[Path, object]) -> None:
    """cost(..., epoch=e) is the measured training time up to epoch e of the loaded schedule (it
    charged the whole schedule whatever the epoch); the 12-epoch schedule's final value costs its
    own 12 epochs, not the 200-epoch run's time."""
    path, ref = tiny
    full = nb201_pth.load(path, progress=False)
    less = nb201_pth.load(path, schedule=12, progress=False)
    for b in (full, less):
        info = b.cost_info("cifar10")
        assert info.kind == "measured_training_time" and info.unit == "s"
        assert info.epoch_dependent and info.continues
        assert b.cost_source("cifar10") == info.description
    for off, arch in enumerate(ARCHS):
        for ds in ("cifar10", "cifar100"):
            per_epoch_200 = ref.query_meta_info_by_index(off, hp="200")
            at12 = per_epoch_200.get_metrics(ds, "train", iepoch=11)["all_time"]
            assert full.cost(arch, ds, epoch=12) == pytest.approx(at12, rel=1e-5)
            assert full.cost(arch, ds, epoch=12) < full.cost(arch, ds)
            assert full.cost(arch, ds, epoch=200) == full.cost(arch, ds)
            own = ref.query_meta_info_by_index(off, hp="12").get_compute_costs(ds)
            assert less.cost(arch, ds) == pytest.approx(own["T-train@total"], rel=1e-5)
            assert less.cost(arch, ds, epoch=12) == less.cost(arch, ds)
            assert less.cost(arch, ds, epoch=12) != full.cost(arch, ds)
    batch = full.cost(ARCHS, "cifar100", epoch=5)
    assert batch.shape == (4,) and (batch < full.cost(ARCHS, "cifar100")).all()
    with pytest.raises(InvalidInputError, match="only at epochs .*not at epoch 13"):
        less.cost(ARCHS[0], "cifar10", epoch=13)


def test_roles_and_provenance() -> None:
    infos = nb201_pth._metric_infos(200)
    roles = {m: i.role for m, i in infos.items()}
    assert roles["test_acc"] == roles["valid_acc"] == "objective"
    assert roles["test_loss"] == "loss" and roles["train_time"] == "train_time"
    assert roles["flops"] == roles["params"] == "size" and roles["latency"] == "hardware"
    assert infos["valid_acc"].split == "valid" and infos["test_acc"].split == "test"
    assert all("200-epoch schedule" in i.provenance.source for i in infos.values())
    assert "12-epoch schedule" in nb201_pth._metric_infos(12)["test_acc"].provenance.source
