"""Surrogate benchmarks (benchmarks.surrogate): fitting on a real table, mean and seeded queries,
provenance, the checksummed folder format, and a study run on a surrogate."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator

import benchmarks
from benchmarks.base import is_finite
from benchmarks.surrogate import (
    MANIFEST,
    SurrogateBenchmark,
    check_manifest,
    fit_surrogate,
    sha256_of,
)
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    UnknownNameError,
)
from tests.benchmarks.open_bench import OpenFormulaBench
from tests.fuzz.conftest import PARSER, naslab_only

predictors = pytest.importorskip("predictors")

METRIC = "baseline_accuracy"
N = 80


@pytest.fixture(scope="module")
def source() -> benchmarks.Benchmark:
    return benchmarks.load("analognas")


@pytest.fixture(scope="module")
def xgb(source: benchmarks.Benchmark) -> SurrogateBenchmark:
    return fit_surrogate(source, None, METRIC, predictors.create("xgb", n_estimators=40), N, seed=1)


@pytest.fixture(scope="module")
def rf(source: benchmarks.Benchmark) -> SurrogateBenchmark:
    """A model with a predictive spread (the trees' disagreement), for seeded draws."""
    return fit_surrogate(
        source,
        "cifar10",
        [METRIC, "analog_accuracy"],
        lambda: predictors.create("rf", n_estimators=20),
        N,
        seed=2,
        cost_metric="baseline_accuracy",  # any positive column exercises the cost model
        cost_model=lambda: predictors.create("ridge"),
    )


@pytest.fixture(scope="module")
def saved(rf: SurrogateBenchmark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rf.save(tmp_path_factory.mktemp("surrogate") / "rf")


def _sample(bench: benchmarks.Benchmark, n: int = 30, seed: int = 5) -> list:
    return bench.space.sample(np.random.default_rng(seed), n)


class Recorder:
    """A stand-in regressor recording what it was fitted on."""

    def fit(self, archs: Any, y: Any) -> Recorder:
        self.archs, self.y = list(archs), np.asarray(y)
        return self

    def predict(self, archs: Any) -> np.ndarray:
        return np.zeros(len(archs))


# --- fitting ----------------------------------------------------------------------------------
def test_fit_shows_the_model_only_the_training_sample(source: benchmarks.Benchmark) -> None:
    rec = Recorder()
    s = fit_surrogate(source, None, METRIC, rec, 25, seed=3)
    assert rec.archs == s.train_archs and len(set(s.train_archs)) == 25
    assert np.allclose(rec.y, source.query(rec.archs, METRIC), atol=1e-4)
    again = fit_surrogate(source, None, METRIC, Recorder(), 25, seed=3)
    other = fit_surrogate(source, None, METRIC, Recorder(), 25, seed=4)
    assert again.train_archs == s.train_archs != other.train_archs
    assert s.source["n_train"] == 25 and s.source["n_pool"] == source.num_archs()


def test_fit_errors(source: benchmarks.Benchmark) -> None:
    with pytest.raises(UnknownNameError, match="no_such"):
        fit_surrogate(source, None, "no_such", Recorder(), 10)
    with pytest.raises(InvalidInputError, match=r"train_size must be in 1\.\.15625"):
        fit_surrogate(source, None, METRIC, Recorder(), 20_000)
    with pytest.raises(InvalidInputError, match="factory"):
        fit_surrogate(source, None, [METRIC, "analog_accuracy"], Recorder(), 10)
    with pytest.raises(InvalidInputError, match="finite source"):
        fit_surrogate(OpenFormulaBench(), None, "acc", Recorder(), 10)
    with pytest.raises(InvalidInputError, match="not a Regressor|Regressor"):
        fit_surrogate(source, None, METRIC, object(), 10)


# --- the benchmark ----------------------------------------------------------------------------
def test_it_is_an_open_surrogate(xgb: SurrogateBenchmark) -> None:
    assert xgb.is_surrogate and not is_finite(xgb) and not xgb.has_optimum
    assert xgb.num_archs() is None and xgb.space.name == "nb201"
    assert [m.name for m in xgb.metrics()] == [METRIC]


def test_mean_query(xgb: SurrogateBenchmark, source: benchmarks.Benchmark) -> None:
    archs = _sample(xgb)
    batch = xgb.query(archs, METRIC)
    assert batch.dtype == np.float32 and batch.shape == (30,)
    assert np.array_equal(batch, [xgb.query(a, METRIC) for a in archs])
    model = xgb.model(METRIC)
    assert np.array_equal(batch, model.predict(archs).astype(np.float32))
    # a real model: predictions track the truth beyond the training sample
    truth = source.query(archs, METRIC)
    assert np.corrcoef(batch, truth)[0, 1] > 0.3
    read = xgb.reader(METRIC)
    assert [read(a) for a in archs] == batch.tolist()


def test_seeded_draws(rf: SurrogateBenchmark) -> None:
    archs = _sample(rf, 40)
    mean, std = rf.model(METRIC).predict_dist(archs)
    assert (std > 0).sum() > 30
    a = rf.query(archs, METRIC, seed=7)
    assert np.array_equal(a, rf.query(archs, METRIC, seed=7))  # reproducible
    assert np.array_equal(a, [rf.query(x, METRIC, seed=7) for x in archs])  # batch == singles
    assert np.array_equal(a[::-1], rf.query(archs[::-1], METRIC, seed=7))  # order-free
    b = rf.query(archs, METRIC, seed=8)
    assert (a != b)[std > 0].all() and np.array_equal(a[std == 0], b[std == 0])
    assert np.array_equal(rf.query(archs, METRIC), mean.astype(np.float32))  # seed None = mean
    # the draws follow the predictive distribution: z-scores over many seeds ~ N(0, 1)
    x = archs[int(np.argmax(std))]
    draws = np.array([rf.query(x, METRIC, seed=s) for s in range(400)])
    z = (draws - mean[int(np.argmax(std))]) / std.max()
    assert abs(z.mean()) < 0.2 and 0.8 < z.std() < 1.2
    # each metric draws its own noise
    other = rf.query(archs, "analog_accuracy", seed=7) - rf.query(archs, "analog_accuracy")
    assert not np.allclose(other, a - mean)


def test_seed_without_uncertainty_is_refused(xgb: SurrogateBenchmark) -> None:
    with pytest.raises(InvalidInputError, match="no predictive uncertainty"):
        xgb.query(_sample(xgb, 2), METRIC, seed=0)
    with pytest.raises(InvalidInputError, match="non-negative integer"):
        xgb.query(_sample(xgb, 2), METRIC, seed=-1)


def test_query_errors(xgb: SurrogateBenchmark) -> None:
    a = _sample(xgb, 1)[0]
    with pytest.raises(UnknownNameError, match=f"Valid: {METRIC}"):
        xgb.query(a, "analog_accuracy")
    with pytest.raises(UnknownNameError):
        xgb.reader("analog_accuracy")
    with pytest.raises(InvalidInputError, match="final values only"):
        xgb.query(a, METRIC, epoch=12)
    with pytest.raises(InvalidArchError):
        xgb.query(["not an arch"], METRIC)


def test_provenance_names_model_params_source_and_size(xgb: SurrogateBenchmark, tmp_path: Path):
    p = xgb.metric_info(METRIC).provenance
    assert p.kind == "surrogate"
    assert p.source.startswith(f"XGBPredictor fitted on {N} real architectures of analognas")
    # the embedded table's data file is found and hashed
    anb = Path(benchmarks.load("analognas").store.meta["source"])
    assert xgb.source["file_sha256"] == hashlib.sha256(anb.read_bytes()).hexdigest()
    assert f"(sha256 {xgb.source['file_sha256'][:12]})" in p.source
    assert '"n_estimators": 40' in p.detail and "training sample seed 1" in p.detail
    # a source read from a file: its sha256 is named
    data = tmp_path / "source.csv"
    data.write_text("stand-in for the source's data file\n")
    s = fit_surrogate(benchmarks.load("analognas"), None, METRIC, Recorder(), 10, source_file=data)
    sha = hashlib.sha256(data.read_bytes()).hexdigest()
    assert s.source["file_sha256"] == sha
    assert f"analognas (sha256 {sha[:12]})" in s.metric_info(METRIC).provenance.source


def test_cost_model_and_unit_cost(rf: SurrogateBenchmark, xgb: SurrogateBenchmark) -> None:
    archs = _sample(rf, 10)
    info = rf.cost_info()
    assert info.kind == "predicted_training_time" and "Ridge" in info.description
    cost = rf.cost(archs)
    assert cost.shape == (10,) and (cost > 0).all() and cost[0] == rf.cost(archs[0])
    assert xgb.cost_info().kind == "unit" and (xgb.cost(archs) == 1).all()
    with pytest.raises(InvalidInputError, match="final training only"):
        rf.cost(archs, epoch=1)


# --- saving and loading -----------------------------------------------------------------------
def test_round_trip(rf: SurrogateBenchmark, saved: Path) -> None:
    back = benchmarks.load("surrogate", path=str(saved))
    archs = _sample(rf, 25)
    for m in (METRIC, "analog_accuracy"):
        assert np.array_equal(back.query(archs, m), rf.query(archs, m))
        assert np.array_equal(back.query(archs, m, seed=3), rf.query(archs, m, seed=3))
        assert back.metric_info(m) == rf.metric_info(m)
    assert np.array_equal(back.cost(archs), rf.cost(archs))
    assert back.train_archs == rf.train_archs and back.source == rf.source
    assert back.cost_info() == rf.cost_info() and back.name == rf.name
    man = json.loads((saved / MANIFEST).read_text())
    assert set(man["sha256"]) == {
        p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()
    } - {MANIFEST}
    assert not [p for p in saved.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]


def test_save_refuses_a_used_folder(rf: SurrogateBenchmark, saved: Path) -> None:
    with pytest.raises(InvalidInputError, match="new or empty folder"):
        rf.save(saved)


def _copy(saved: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "copy"))


def test_tampered_and_missing_files(saved: Path, tmp_path: Path) -> None:
    folder = _copy(saved, tmp_path)
    model = next(p for p in folder.rglob("predictor.pt"))
    rel = model.relative_to(folder).as_posix()
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(DataFormatError, match=f"file '{rel}' does not match its checksum"):
        benchmarks.load("surrogate", path=folder)
    model.unlink()
    with pytest.raises(DataFormatError, match=f"file '{rel}' listed in the manifest is missing"):
        benchmarks.load("surrogate", path=folder)
    (folder / MANIFEST).unlink()
    with pytest.raises(MissingFileError, match=MANIFEST):
        benchmarks.load("surrogate", path=folder)
    with pytest.raises(MissingFileError, match="not found"):
        benchmarks.load("surrogate", path=tmp_path / "nowhere")


def _rewrite(folder: Path, rel: str, text: str) -> None:
    """Change a file and its checksum (what a careless edit, not corruption, looks like)."""
    (folder / rel).write_text(text)
    man = json.loads((folder / MANIFEST).read_text())
    man["sha256"][rel] = sha256_of(folder / rel)
    (folder / MANIFEST).write_text(json.dumps(man))


def test_a_model_of_another_space_is_refused(saved: Path, tmp_path: Path) -> None:
    folder = _copy(saved, tmp_path)
    header = next(folder.rglob("regressor.json"))
    rel = header.relative_to(folder).as_posix()
    _rewrite(folder, rel, header.read_text().replace('"nb201"', '"nb101"'))
    with pytest.raises(DataFormatError, match="fitted on space 'nb101', not 'nb201'"):
        benchmarks.load("surrogate", path=folder)


def test_bad_train_archs_file(saved: Path, tmp_path: Path) -> None:
    folder = _copy(saved, tmp_path)
    _rewrite(folder, "train_archs.json", '{"a": 1}')
    with pytest.raises(DataFormatError, match="list of arch strings"):
        benchmarks.load("surrogate", path=folder)


@PARSER
@given(data=st.data())
def test_manifest_reader_fuzz(saved: Path, data: st.DataObject) -> None:
    """A garbled manifest is checked or refused with a naslab error, never a crash."""
    man = json.loads((saved / MANIFEST).read_text())
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=6,
    )
    node, path = man, []
    while isinstance(node, dict) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node)))
        path.append(key)
        node = node[key]
    if path:
        parent = man
        for k in path[:-1]:
            parent = parent[k]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(json_values)
        else:
            del parent[path[-1]]
    else:
        man = data.draw(json_values)
    naslab_only(check_manifest, man, saved / MANIFEST)


# --- studies ----------------------------------------------------------------------------------
def test_a_study_runs_on_a_surrogate(saved: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from naslab.cli import app

    out = tmp_path / "study"
    args = ["compare", "-b", "surrogate", "--path", str(saved), "-s", "rs,re", "-n", "2"]
    r = CliRunner().invoke(app, [*args, "--budget", "20", "-m", METRIC, "--out", str(out)])
    assert r.exit_code == 0, r.output
    report = (out / "report.md").read_text()
    assert "no optimum" in report and "surrogate: RFPredictor fitted on" in report
    runs = (out / "runs.csv").read_text().splitlines()
    assert len(runs) == 1 + 4


def test_set_audit_records_the_headline_and_keeps_models_verifiable(
    rf: SurrogateBenchmark, tmp_path: Path
) -> None:
    from benchmarks.surrogate import set_audit

    folder = rf.save(tmp_path / "s")
    assert benchmarks.load("surrogate", path=folder).audit == {}
    set_audit(folder, {"kendall_tau": 0.7, "n_test": 10})
    again = benchmarks.load("surrogate", path=folder)  # checksums still hold
    assert again.audit == {"kendall_tau": 0.7, "n_test": 10}
    assert again.info()["surrogate"]["audit"]["kendall_tau"] == 0.7
    with pytest.raises(TypeError):
        set_audit(folder, {"bad": object()})
    assert benchmarks.load("surrogate", path=folder).audit["n_test"] == 10  # left as it was


def test_source_record_extends_the_manifest_but_cannot_override_it(
    source: benchmarks.Benchmark,
) -> None:
    make = lambda: predictors.create("ridge")  # noqa: E731
    s = fit_surrogate(
        source, None, METRIC, make, 20, source_record={"model_spec": {"name": "ridge"}}
    )
    assert s.source["model_spec"] == {"name": "ridge"} and s.source["n_train"] == 20
    with pytest.raises(InvalidInputError, match="n_train"):
        fit_surrogate(source, None, METRIC, make, 20, source_record={"n_train": 5})


# --- hyper-parameters tuned by cross-validation on the training sample -------------------------
_TRUTH: dict[str, float] = {}  # canonical string -> the source's value, for LookupModel
_SEEN: list[tuple[str, list[str]]] = []  # ("fit" | "predict", archs) of every LookupModel call


class LookupModel(BaseEstimator):
    """A recording model whose CV score is known in advance: it predicts `sign` * the true
    value + `noise` * N(0, 1), so (sign 1, noise 0) ranks perfectly (tau 1, R² 1) and every
    other candidate is worse. It records every architecture it is fitted on or asked about."""

    def __init__(self, sign: float = 1.0, noise: float = 0.0, seed: int = 0):
        self.sign = sign
        self.noise = noise
        self.seed = seed

    def fit(self, archs: Any, y: Any) -> LookupModel:
        self.fitted_on_ = [str(a) for a in archs]
        _SEEN.append(("fit", self.fitted_on_))
        return self

    def predict(self, archs: Any) -> np.ndarray:
        keys = [str(a) for a in archs]
        _SEEN.append(("predict", keys))
        rng = np.random.default_rng(self.seed)
        truth = np.array([_TRUTH[k] for k in keys])
        return self.sign * truth + self.noise * rng.standard_normal(len(keys))


@pytest.fixture
def lookup(source: benchmarks.Benchmark) -> None:
    if not _TRUTH:
        archs = source.archs()
        values = source.query(archs, METRIC)
        _TRUTH.update(zip(map(source.space.to_str, archs), map(float, values), strict=True))
    _SEEN.clear()


@pytest.mark.parametrize("score", ["kendall_tau", "r2"])
def test_tuning_chooses_the_best_cv_score_and_refits_on_the_training_sample(
    source: benchmarks.Benchmark, lookup: None, score: str
) -> None:
    grid = {"sign": [-1.0, 1.0], "noise": [3.0, 0.0]}
    s = fit_surrogate(
        source, None, METRIC, LookupModel(), 60, seed=4, tune=grid, cv=4, tune_score=score
    )
    rec = s.source["tuning"][METRIC]
    assert rec["grid"] == grid and rec["cv"] == 4 and rec["score"] == score
    assert len(rec["candidates"]) == 4 and all(
        len(c["fold_scores"]) == 4 for c in rec["candidates"]
    )
    scores = [c["score"] for c in rec["candidates"]]
    best = rec["candidates"][int(np.argmax(scores))]
    assert rec["chosen"] == best["params"] == {"sign": 1.0, "noise": 0.0}
    assert rec["chosen_score"] == max(scores) == pytest.approx(1.0)
    assert all(x < 0.9 for x in scores if x != max(scores))  # the grid really discriminated
    for c in rec["candidates"]:
        assert c["score"] == pytest.approx(np.mean(c["fold_scores"]))
    model = s.model(METRIC)
    assert model.get_params() == {"sign": 1.0, "noise": 0.0, "seed": 0}
    assert model.fitted_on_ == s.train_archs  # refitted on the whole training sample
    prov = s.metric_info(METRIC).provenance.detail
    assert f"chosen by 4-fold CV on the training sample ({score} 1.0000)" in prov
    assert '"noise": 0.0' in prov and '"sign": 1.0' in prov
    assert json.loads(json.dumps(s.source)) == s.source  # the record is JSON-able


def test_tuning_never_shows_the_model_a_test_architecture(
    source: benchmarks.Benchmark, lookup: None
) -> None:
    s = fit_surrogate(
        source, None, METRIC, LookupModel, 50, seed=9, tune={"noise": [0.0, 1.0, 2.0]}, cv=5
    )
    train = set(s.train_archs)
    shown = [a for _, archs in _SEEN for a in archs]
    assert set(shown) == train  # every CV fit and prediction drew on the training sample only
    # 3 candidates x 5 folds, each a fit on 40 archs and a prediction of the other 10; then the
    # refit of the chosen candidate on all 50
    calls = [(kind, len(archs)) for kind, archs in _SEEN]
    assert calls == [("fit", 40), ("predict", 10)] * 15 + [("fit", 50)]
    for k in range(0, 30, 2):
        fitted, predicted = set(_SEEN[k][1]), set(_SEEN[k + 1][1])
        assert not fitted & predicted and fitted | predicted == train
    # the five held-out folds of a candidate partition the training sample
    held = [a for k in range(1, 10, 2) for a in _SEEN[k][1]]
    assert sorted(held) == sorted(train)


def test_tuning_a_real_predictor(source: benchmarks.Benchmark) -> None:
    s = fit_surrogate(
        source, None, METRIC, lambda: predictors.create("ridge"), 60, seed=1,
        tune={"alpha": [1e-2, 1e4]}, cv=3,
    )  # fmt: skip
    rec = s.source["tuning"][METRIC]
    chosen = rec["chosen"]["alpha"]
    assert (
        s.model(METRIC).alpha
        == chosen
        == rec["candidates"][int(np.argmax([c["score"] for c in rec["candidates"]]))]["params"][
            "alpha"
        ]
    )
    assert s.source["model_params"]["alpha"] == chosen


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tune": {}}, "non-empty"),
        ({"tune": [("sign", [1])]}, "non-empty"),
        (
            {"tune": {"depth": [1, 2]}},
            "has no parameter 'depth'; its parameters: noise, seed, sign",
        ),
        ({"tune": {"sign": 1.0}}, "'sign' must map to a list of values"),
        ({"tune": {"sign": "ab"}}, "'sign' must map to a list of values"),
        ({"tune": {"sign": []}}, "'sign' has no values to try"),
        ({"tune": {"sign": [object()]}}, "must be JSON-able"),
        ({"tune": {"sign": [1.0]}, "cv": 1}, r"cv must be an integer number of folds in 2\.\.30"),
        ({"tune": {"sign": [1.0]}, "cv": 31}, r"in 2\.\.30"),
        (
            {"tune": {"sign": [1.0]}, "tune_score": "mse"},
            "tune_score must be one of kendall_tau, r2",
        ),
    ],
)
def test_bad_tuning_grids(
    source: benchmarks.Benchmark, lookup: None, kwargs: dict, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        fit_surrogate(source, None, METRIC, LookupModel(), 30, **kwargs)
    assert _SEEN == []  # refused before any model was fitted


def test_bad_tuning_values_and_models(source: benchmarks.Benchmark) -> None:
    with pytest.raises(
        InvalidInputError, match=r"tune grid candidate \{'max_depth': 0\}.*max_depth"
    ):
        fit_surrogate(source, None, METRIC, predictors.create("xgb"), 30, tune={"max_depth": [0]})
    with pytest.raises(InvalidInputError, match="get_params/set_params; a Recorder has none"):
        fit_surrogate(source, None, METRIC, Recorder(), 30, tune={"alpha": [1.0]})
    with pytest.raises(InvalidInputError, match="no candidate of the tune grid has a finite"):
        fit_surrogate(source, None, METRIC, LookupModel(sign=0.0), 30, tune={"noise": [0.0]}, cv=3)


def test_excluded_architectures_are_never_trained_on(source: benchmarks.Benchmark) -> None:
    sp = source.space
    barred = [sp.to_str(a) for a in source.archs()[: source.num_archs() - 40]]
    rec = Recorder()
    s = fit_surrogate(source, None, METRIC, rec, 30, seed=2, exclude=barred)
    assert not set(s.train_archs) & set(barred) and len(s.train_archs) == 30
    assert s.source["n_pool"] == 40 and s.source["n_excluded"] == len(barred)
    with pytest.raises(InvalidInputError, match=r"train_size must be in 1\.\.40 .*less the"):
        fit_surrogate(source, None, METRIC, Recorder(), 41, exclude=barred)
    with pytest.raises(InvalidInputError, match="exclude must be a batch"):
        fit_surrogate(source, None, METRIC, Recorder(), 5, exclude=barred[0])
    assert fit_surrogate(source, None, METRIC, Recorder(), 5).source["n_excluded"] == 0


def test_tuning_each_metric_on_its_own(source: benchmarks.Benchmark, lookup: None) -> None:
    s = fit_surrogate(
        source, None, [METRIC, "analog_accuracy"], LookupModel, 40, seed=3,
        tune={"sign": [-1.0, 1.0]}, cv=4,
    )  # fmt: skip
    assert set(s.source["tuning"]) == {METRIC, "analog_accuracy"}
    for m in (METRIC, "analog_accuracy"):
        rec = s.source["tuning"][m]
        assert rec["chosen"] == {"sign": 1.0} and s.model(m).sign == 1.0
    fits = [archs for kind, archs in _SEEN if kind == "fit"]
    assert len(fits) == 2 * (2 * 4 + 1)  # per metric: 2 candidates x 4 folds, then the refit


def test_fit_surrogate_hashes_a_table_file_given_by_a_relative_path_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The converted table's store names its file by absolute path, so a surrogate fitted from
    another working folder still finds and hashes the source file."""
    import pandas as pd

    src_bench = benchmarks.load("analognas")
    archs = src_bench.archs()[:200]
    frame = pd.DataFrame(
        {
            "arch": [src_bench.space.to_str(a) for a in archs],
            "acc": src_bench.query(archs, METRIC),
        }
    )
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "t.csv", index=False)
    monkeypatch.chdir(tmp_path)
    table = benchmarks.load(
        "table", path="data/t.csv", space="nb201", arch_column="arch", columns="acc=cifar10/acc"
    )
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    s = fit_surrogate(table, None, "acc", predictors.create("ridge"), 50)
    assert s.source["file_sha256"] == sha256_of(tmp_path / "data" / "t.csv")


def test_load_by_shipped_name_or_path_not_both(saved: Path) -> None:
    from benchmarks.surrogate import shipped_names

    with pytest.raises(InvalidInputError, match="give a surrogate folder"):
        benchmarks.load("surrogate")
    with pytest.raises(InvalidInputError, match="give a surrogate folder"):
        benchmarks.load("surrogate", path=saved, shipped="x")
    with pytest.raises(UnknownNameError, match="unknown shipped surrogate 'no-such'"):
        benchmarks.load("surrogate", shipped="no-such")
    for name in shipped_names():  # every shipped surrogate loads (checksums) and names its audit
        s = benchmarks.load("surrogate", shipped=name)
        assert s.is_surrogate and s.audit, f"shipped surrogate {name} has no audit"


def test_calibrate_noise_scales_the_seed_draws_and_survives_save_load(
    source: benchmarks.Benchmark, tmp_path: Path
) -> None:
    """K-fold on the training sample fits one factor for the model's std; seed= draws and
    predict_dist use it, the manifest keeps it, and a bad fold count or a model without a spread
    is one clear error."""
    make = lambda: predictors.create("rf", n_estimators=20, seed=0)  # noqa: E731
    plain = fit_surrogate(source, None, METRIC, make, N, seed=3)
    cal = fit_surrogate(source, None, METRIC, make, N, seed=3, calibrate_noise=4)
    rec = cal.source["noise_calibration"][METRIC]
    f = cal.noise_scale["cifar10"][METRIC]
    assert rec["scale"] == f and rec["folds"] == 4 and rec["n"] == N and f > 0 and f != 1
    assert "noise std scaled by" in cal.metric_info(METRIC).provenance.detail
    archs = _sample(source, 20)
    m0, s0 = plain.predict_dist(archs, METRIC)
    m1, s1 = cal.predict_dist(archs, METRIC)
    np.testing.assert_allclose(m0, m1)
    np.testing.assert_allclose(s1, f * s0, rtol=1e-6)
    d0 = plain.query(archs, METRIC, seed=7) - m0
    d1 = cal.query(archs, METRIC, seed=7) - m1
    np.testing.assert_allclose(d1, f * d0, rtol=1e-4, atol=1e-4)  # same z, scaled std
    again = benchmarks.load("surrogate", path=cal.save(tmp_path / "cal"))
    assert again.noise_scale == cal.noise_scale
    np.testing.assert_allclose(again.query(archs, METRIC, seed=7), cal.query(archs, METRIC, seed=7))
    with pytest.raises(InvalidInputError, match="number of CV folds"):
        fit_surrogate(source, None, METRIC, make, N, calibrate_noise=1)
    with pytest.raises(InvalidInputError, match="needs a model with a predictive spread"):
        fit_surrogate(source, None, METRIC, predictors.create("ridge"), N, calibrate_noise=3)


def test_a_manifest_with_a_bad_noise_scale_is_refused(saved: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(saved, folder)
    man = json.loads((folder / MANIFEST).read_text())
    d = next(iter(man["datasets"]))
    m = next(iter(man["datasets"][d]["metrics"]))
    man["datasets"][d]["metrics"][m]["noise_scale"] = -1
    (folder / MANIFEST).write_text(json.dumps(man))
    with pytest.raises(DataFormatError, match="'noise_scale' must be a positive number"):
        benchmarks.load("surrogate", path=folder)
