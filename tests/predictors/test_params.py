"""Predictor hyper-parameters: declared bounds, one clear error for bad values (at create, at
fit, in the CLI spec syntax), and saved files validated on load (bounds, NaN weights, shapes)."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
import torch
from sklearn.base import clone

import predictors
from nas_core.errors import DataFormatError, InvalidInputError, UnknownNameError
from nas_core.registry import InvalidChoiceError

ARCHS = list(range(0, 15625, 300))  # 53 NB201 cells by space index
Y = np.sin(np.arange(len(ARCHS)) * 0.7) + np.arange(len(ARCHS)) * 0.01


@pytest.mark.parametrize("name", predictors.list())
def test_every_parameter_is_described_and_bounded(name):
    cls = predictors.get_class(name)
    info = predictors.info(name)
    sig = inspect.signature(cls.__init__).parameters
    assert info.summary and "space" not in info.params
    for p in info.params.values():
        assert p.default == sig[p.name].default, p.name
        assert p.description, f"{name}.{p.name} has no description"
        if p.type in (int, float):  # every number has a lower and a sane upper bound
            assert (p.ge is not None or p.gt is not None) and p.le is not None, p.name
        p.check(p.default, name)  # the defaults themselves are valid
    d = info.to_dict()
    json.dumps(d)
    assert {q["name"] for q in d["params"]} == set(info.params)


@pytest.mark.parametrize(
    ("name", "params", "needles"),
    [
        ("xgb", {"n_estimators": -5}, ["n_estimators", "-5", "[1, 100000]"]),
        ("xgb", {"n_estimators": 10**7}, ["n_estimators", "10000000"]),
        ("xgb", {"learning_rate": "abc"}, ["learning_rate", "'abc'", "a number in (0, 1]"]),
        ("xgb", {"learning_rate": 0}, ["learning_rate", "(0, 1]"]),
        ("xgb", {"subsample": float("nan")}, ["subsample", "nan"]),
        ("gin", {"hidden": 0}, ["hidden", "got 0", "[1, 4096]"]),
        ("mlp", {"epochs": 2.5}, ["epochs", "an integer"]),
        ("rf", {"bootstrap": "maybe"}, ["bootstrap", "true or false"]),
        ("bananas", {"n_models": 1}, ["n_models", "[2, 100]"]),
        ("gin", {"seed": -1}, ["seed", "-1"]),
        ("gin", {"learning_rate": 0.1}, ["no parameter", "learning_rate", "lr=0.001"]),
        ("ensemble", {"base_params": {"n_estimators": -1}}, ["base_params", "n_estimators"]),
        ("ensemble", {"base": "ensemble"}, ["ensemble of ensembles"]),
    ],
)
def test_bad_values_are_one_clear_line(name, params, needles):
    with pytest.raises(InvalidInputError) as e:
        predictors.create(name, **params)
    msg = str(e.value)
    assert "\n" not in msg
    for n in needles:
        assert n in msg, (n, msg)


def test_choices_raise_both_unknown_name_and_invalid_input():
    with pytest.raises(InvalidChoiceError, match="Did you mean 'onehot'") as e:
        predictors.create("xgb", encoding="onehott")
    assert isinstance(e.value, UnknownNameError) and isinstance(e.value, InvalidInputError)
    with pytest.raises(UnknownNameError, match="xbg"):
        predictors.create("ensemble", base="xbg")


def test_command_line_spellings_are_converted():
    p = predictors.create("xgb", n_estimators="50", learning_rate=1, max_depth=4.0)
    assert (p.n_estimators, p.learning_rate, p.max_depth) == (50, 1.0, 4)
    assert type(p.n_estimators) is int and type(p.learning_rate) is float
    assert predictors.create("rf", bootstrap="false").bootstrap is False


def test_fit_validates_what_set_params_changed():
    p = predictors.create("ridge")
    p.set_params(alpha=-1.0)
    with pytest.raises(InvalidInputError, match="alpha"):
        p.fit(ARCHS, Y)
    # sklearn conventions still hold: clone copies the (valid) parameters unchecked
    q = clone(predictors.create("ridge", alpha=2.0))
    assert q.alpha == 2.0 and q.fit(ARCHS, Y).predict(ARCHS[:3]).shape == (3,)


def _edit(path, fn):
    payload = torch.load(path, weights_only=True)
    fn(payload)
    torch.save(payload, path)


def _set_param(key, value):
    def fn(payload):
        params = json.loads(payload["params"])
        params[key] = value
        payload["params"] = json.dumps(params)

    return fn


def test_load_refuses_out_of_bounds_hyper_parameters(tmp_path):
    path = predictors.create("xgb", n_estimators=10).fit(ARCHS, Y).save(tmp_path / "x.pt")
    assert predictors.load(path).n_estimators == 10
    _edit(path, _set_param("n_estimators", 10**7))  # would refit for hours
    with pytest.raises(DataFormatError, match=r"x\.pt.*n_estimators must be an integer"):
        predictors.load(path)
    _edit(path, _set_param("n_estimators", "many"))
    with pytest.raises(DataFormatError, match="n_estimators"):
        predictors.load(path)
    _edit(path, _set_param("depth", 3))
    with pytest.raises(DataFormatError, match="no parameter"):
        predictors.load(path)


def test_load_refuses_out_of_bounds_ensemble_members(tmp_path):
    ens = predictors.create("ensemble", base="ridge", n_members=2, base_params={"alpha": 1.0})
    path = ens.fit(ARCHS, Y).save(tmp_path / "e.pt")
    _edit(path, _set_param("base_params", {"alpha": -3.0}))
    with pytest.raises(DataFormatError, match="base_params.*alpha"):
        predictors.load(path)


def test_load_refuses_nan_weights(tmp_path):
    path = predictors.create("mlp", epochs=2, hidden=8).fit(ARCHS, Y).save(tmp_path / "m.pt")
    assert np.isfinite(predictors.load(path).predict(ARCHS[:5])).all()

    def poison(payload):
        key = next(k for k, v in payload["state"].items() if k.endswith("weight"))
        payload["state"][key][0, 0] = float("nan")

    _edit(path, poison)
    with pytest.raises(DataFormatError, match=r"m\.pt.*NaN or inf"):
        predictors.load(path)


def test_load_refuses_nan_targets_of_refit_models(tmp_path):
    path = predictors.create("ridge").fit(ARCHS, Y).save(tmp_path / "r.pt")

    def poison(payload):
        payload["state"]["train_y"][3] = float("inf")

    _edit(path, poison)
    with pytest.raises(DataFormatError, match=r"r\.pt.*train_y.*NaN or inf"):
        predictors.load(path)


def test_load_refuses_weights_that_do_not_match_the_parameters(tmp_path):
    """hidden edited to a (valid) larger value: caught before any large net is allocated."""
    path = predictors.create("mlp", epochs=2, hidden=8).fit(ARCHS, Y).save(tmp_path / "m.pt")
    _edit(path, _set_param("hidden", 4096))
    with pytest.raises(DataFormatError, match="do not match"):
        predictors.load(path)

    def dims(payload):
        payload["state"]["dims"]["d_in"] = 10**9

    path = predictors.create("mlp", epochs=2, hidden=8).fit(ARCHS, Y).save(tmp_path / "m2.pt")
    _edit(path, dims)
    with pytest.raises(DataFormatError, match="input sizes"):
        predictors.load(path)
