"""NAS-Bench-x11's guideline in studies: a predictor-guided searcher benchmarked on a surrogate of
its own model class gets one warning line, in the run and in the report (naslab.surrogate_warning,
the searchers' declared `guide_predictors`)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import benchmarks
import searchers
from benchmarks.surrogate import SurrogateBenchmark, fit_surrogate
from naslab.compare import StudyConfig, run_study
from naslab.surrogate_warning import (
    OwnModelWarning,
    model_family,
    own_model_warnings,
    predictor_family,
)

predictors = pytest.importorskip("predictors")

METRIC = "baseline_accuracy"
GUIDED = ("bananas", "npenas", "gp_bo", "weaknas")


@pytest.fixture(scope="module")
def source() -> benchmarks.Benchmark:
    return benchmarks.load("analognas")


def _fit(source: benchmarks.Benchmark, model: Any, n: int = 60) -> SurrogateBenchmark:
    return fit_surrogate(source, None, METRIC, model, n, seed=3)


@pytest.fixture(scope="module")
def xgb(source: benchmarks.Benchmark) -> SurrogateBenchmark:
    return _fit(source, predictors.create("xgb", n_estimators=20))


@pytest.fixture(scope="module")
def gp(source: benchmarks.Benchmark) -> SurrogateBenchmark:
    return _fit(source, predictors.create("gp", n_restarts=0))


def _config(bench: Any, names: tuple[str, ...], **params: dict[str, Any]) -> StudyConfig:
    return StudyConfig(bench=bench, dataset="cifar10", searchers=names, metric=METRIC,
                       params=params)  # fmt: skip


def test_declared_guides_match_the_searchers_defaults() -> None:
    for name in searchers.list():
        cls = searchers.get(name)
        default = searchers.params_of(name).get("predictor")
        if name in GUIDED:
            assert cls.guide_predictors == (default,), name
            assert default in predictors.list()
            assert searchers.create(name, "nb201").guiding_predictors() == (default,)
        else:
            assert default is None and cls.guide_predictors == (), name
            assert searchers.create(name, "nb201").guiding_predictors() == ()


def test_parameters_change_the_guide_and_ensembles_count_as_their_members() -> None:
    def guides(**kw: Any) -> tuple[str, ...]:
        return searchers.create("bananas", "nb201", **kw).guiding_predictors()

    assert guides(predictor="xgb") == ("xgb",)
    assert guides(predictor="ensemble", predictor_params={"base": "gin"}) == ("gin",)
    assert guides(predictor="ensemble", predictor_params={}) == ("xgb",)  # the ensemble default


def test_model_families() -> None:
    assert {"bananas", "mlp"} <= predictor_family("bananas")  # an ensemble of MLPs
    assert predictor_family("xgb_tuned") == {"xgb_tuned", "xgb"}
    assert predictor_family("gin") == {"gin"} and predictor_family("gcn") == {"gcn"}
    assert model_family(predictors.create("mlp")) == {"mlp"}
    ens = predictors.create("ensemble", base="gin")
    assert model_family(ens) == {"gin"}  # unfitted: from its `base`

    class Custom:
        def fit(self, archs: Any, y: Any) -> Any:
            return self

        def predict(self, archs: Any) -> np.ndarray:
            return np.zeros(len(archs))

    assert model_family(Custom()) == {"Custom"}


def test_warnings_name_the_searcher_and_the_shared_class(
    source: benchmarks.Benchmark, xgb: SurrogateBenchmark, gp: SurrogateBenchmark
) -> None:
    assert own_model_warnings(_config(xgb, ("rs", "re", *GUIDED)), xgb) == []
    assert own_model_warnings(_config(source, ("rs", *GUIDED)), source) == []  # a table
    (line,) = own_model_warnings(_config(gp, ("rs", *GUIDED)), gp)
    assert line.startswith("searcher 'gp_bo' is guided by a 'gp' predictor")
    assert "GPPredictor" in line and "NAS-Bench-x11" in line
    # a parameter makes another searcher share the surrogate's class
    got = own_model_warnings(
        _config(xgb, ("bananas", "weaknas"), weaknas={"predictor": "xgb"}), xgb
    )
    assert len(got) == 1 and "'weaknas'" in got[0] and "xgb" in got[0]
    ens_guide = {"predictor": "ensemble", "predictor_params": {"base": "xgb"}}
    assert len(own_model_warnings(_config(xgb, ("bananas",), bananas=ens_guide), xgb)) == 1
    ridge_guide = {"predictor": "ensemble", "predictor_params": {"base": "ridge"}}
    assert own_model_warnings(_config(xgb, ("bananas",), bananas=ridge_guide), xgb) == []


def test_an_ensemble_surrogate_is_compared_by_its_members(source: benchmarks.Benchmark) -> None:
    ens = _fit(
        source,
        predictors.create("ensemble", base="xgb", n_members=2, base_params={"n_estimators": 5}),
    )
    assert model_family(ens.model(METRIC)) == {"xgb"}
    assert own_model_warnings(_config(ens, GUIDED), ens) == []
    (line,) = own_model_warnings(_config(ens, GUIDED, npenas={"predictor": "xgb"}), ens)
    assert "'npenas'" in line and "EnsemblePredictor" in line


def test_an_mlp_surrogate_warns_bananas_and_weaknas() -> None:
    """BANANAS' predictor is an MLP ensemble (a subclass of the MLP predictor)."""
    mlp = predictors.create("mlp")
    info = benchmarks.load("analognas").metric_info(METRIC)
    sur = SurrogateBenchmark("mlp-sur", "nb201", {"cifar10": {METRIC: mlp}},
                             {"cifar10": {METRIC: info}})  # fmt: skip
    got = own_model_warnings(_config(sur, GUIDED), sur)
    assert [line.split("'")[1] for line in got] == ["bananas", "weaknas"]


def test_a_study_emits_one_line_and_reports_it(gp: SurrogateBenchmark, tmp_path: Path) -> None:
    config = StudyConfig(bench=gp, searchers=("rs", "gp_bo"), seeds=1, budget=12, metric=METRIC)
    with pytest.warns(OwnModelWarning) as caught:
        summary = run_study(config, tmp_path / "study")
    own = [w for w in caught if issubclass(w.category, OwnModelWarning)]
    assert len(own) == 1 and "'gp_bo'" in str(own[0].message)
    assert summary["warnings"] == [str(own[0].message)]
    saved = json.loads((tmp_path / "study" / "summary.json").read_text())
    assert saved["warnings"] == summary["warnings"]
    report = (tmp_path / "study" / "report.md").read_text()
    assert f"- **warning**: {summary['warnings'][0]}" in report


def test_no_warning_where_the_classes_differ(xgb: SurrogateBenchmark, tmp_path: Path) -> None:
    config = StudyConfig(bench=xgb, searchers=("rs", "gp_bo"), seeds=1, budget=12, metric=METRIC)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OwnModelWarning)
        summary = run_study(config, tmp_path / "study")
    assert summary["warnings"] == []
    assert "**warning**" not in (tmp_path / "study" / "report.md").read_text()


def test_trajectory_fidelity_carries_the_warning(
    source: benchmarks.Benchmark, xgb: SurrogateBenchmark
) -> None:
    from naslab.surrogate_trajectory import trajectory_fidelity

    params = {"weaknas": {"predictor": "xgb", "predictor_params": {"n_estimators": 5}}}
    with pytest.warns(OwnModelWarning, match="'weaknas'"):
        r = trajectory_fidelity(source, xgb, None, METRIC, searchers=("rs", "weaknas"), seeds=1,
                                budget=12, params=params)  # fmt: skip
    assert len(r["warnings"]) == 1 and "**Warning**: searcher 'weaknas'" in r["markdown"]


def test_a_cell_gbt_surrogate_counts_as_xgboost_and_lightgbm(
    source: benchmarks.Benchmark, xgb: SurrogateBenchmark
) -> None:
    """cell_gbt's members are XGBoost and LightGBM models: a searcher guided by either is
    warned on a cell_gbt surrogate, and one guided by cell_gbt on an xgb surrogate."""
    small = {"n_xgb": 1, "n_lgb": 1, "xgb_params": {"n_estimators": 5},
             "lgb_params": {"n_estimators": 5}}  # fmt: skip
    assert predictor_family("cell_gbt") == {"cell_gbt", "xgb", "lgb"}
    assert model_family(predictors.create("cell_gbt", n_lgb=0, n_xgb=2)) == {"cell_gbt", "xgb"}
    sur = _fit(source, predictors.create("cell_gbt", **small))
    assert model_family(sur.model(METRIC)) == {"cell_gbt", "xgb", "lgb"}
    assert own_model_warnings(_config(sur, GUIDED), sur) == []  # their default guides differ
    for guide in ("xgb", "xgb_tuned", "lgb", "cell_gbt"):
        (line,) = own_model_warnings(_config(sur, ("npenas",), npenas={"predictor": guide}), sur)
        assert "'npenas'" in line and "CellGBTPredictor" in line, guide
    got = own_model_warnings(_config(xgb, ("weaknas",), weaknas={"predictor": "cell_gbt"}), xgb)
    assert len(got) == 1 and "(both are xgb models)" in got[0]
    assert own_model_warnings(_config(sur, ("npenas",), npenas={"predictor": "rf"}), sur) == []
