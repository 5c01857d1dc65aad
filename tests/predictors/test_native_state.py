"""Native saved state of the gradient-boosted predictors (predictors.io "native" files): the
boosters are stored in XGBoost's / LightGBM's own formats and rebuilt on load without fitting,
the stored predictions still check them, and files written before (refit-style) still load."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import predictors
from nas_core.errors import DataFormatError
from predictors import io
from predictors.cellgbt import CellGBTPredictor
from predictors.classic import (
    LGBPredictor,
    XGBPredictor,
    _RefitPredictor,
    pack_blob,
    unpack_blob,
)
from predictors.ensemble import EnsemblePredictor

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "xgb": ("xgb", {"n_estimators": 40}),
    "xgb_tuned": ("xgb_tuned", {"n_estimators": 40}),
    "lgb": ("lgb", {"n_estimators": 40}),
    "cell_gbt": (
        "cell_gbt",
        {
            "n_xgb": 2,
            "n_lgb": 2,
            "xgb_params": {"n_estimators": 30},
            "lgb_params": {"n_estimators": 30},
        },
    ),  # fmt: skip
    "ens_xgb": ("ensemble", {"base": "xgb", "n_members": 3, "base_params": {"n_estimators": 20}}),
    "ens_lgb": ("ensemble", {"base": "lgb", "n_members": 3, "base_params": {"n_estimators": 20}}),
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic NB201 targets with structure (op counts) plus noise, and one extra feature."""
    from nas_core import spaces

    space = spaces.get("nb201")
    rng = np.random.default_rng(0)
    idx = rng.choice(space.size, 150, replace=False)
    ops = space.op_array[idx].astype(float)
    y = 70 + 3 * (ops == 2).sum(axis=1) - 2 * (ops == 1).sum(axis=1) + rng.normal(0, 0.5, 150)
    return idx, y, rng.normal(size=(150, 1))


def _fit(case: str, data: Any, features: bool = False) -> Any:
    name, params = CASES[case]
    idx, y, f = data
    return predictors.create(name, **params).fit(idx, y, features=f if features else None)


def _no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("load called fit")

    for cls in (XGBPredictor, LGBPredictor, CellGBTPredictor, EnsemblePredictor):
        monkeypatch.setattr(cls, "fit", refuse)
        monkeypatch.setattr(cls, "_fit", refuse)


@pytest.mark.parametrize("case", list(CASES))
def test_round_trip_is_identical_and_does_not_fit(
    case: str, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _fit(case, data)
    path = p.save(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    assert payload["state_kind"] == "native" and "native" in payload["state"]
    _no_fit(monkeypatch)
    q = predictors.load(path)
    every = np.arange(15625)
    np.testing.assert_array_equal(q.predict(every), p.predict(every))
    if p.has_uncertainty:
        for a, b in zip(q.predict_dist(every), p.predict_dist(every), strict=True):
            np.testing.assert_array_equal(a, b)
    # a loaded model saves again, to the same predictions
    r = predictors.load(q.save(tmp_path / "again.pt"))
    np.testing.assert_array_equal(r.predict(every), p.predict(every))


@pytest.mark.parametrize("case", ["xgb", "cell_gbt", "ens_lgb"])
def test_extra_features_round_trip(case: str, data: Any, tmp_path: Path) -> None:
    idx, _, f = data
    p = _fit(case, data, features=True)
    q = predictors.load(p.save(tmp_path / "m.pt"))
    np.testing.assert_array_equal(q.predict(idx, features=f), p.predict(idx, features=f))


def test_an_ensemble_of_a_model_without_native_state_still_refits(data, tmp_path) -> None:
    idx, y, _ = data
    p = predictors.create("ensemble", base="ridge", n_members=2).fit(idx, y)
    path = p.save(tmp_path / "m.pt")
    assert torch.load(path, weights_only=True)["state_kind"] == "refit"
    np.testing.assert_allclose(predictors.load(path).predict(idx), p.predict(idx))


def _edit_native(path: Path, edit: Any) -> None:
    payload = torch.load(path, weights_only=True)
    edit(payload["state"]["native"])
    torch.save(payload, path)


def _repack(native: dict[str, Any], key: str, blob: bytes, fix_digest: bool) -> None:
    """Store `blob` as booster `key`, with its own digest or the old one (an edit that did not
    update it)."""
    old = native[key]["sha256"]
    packed = pack_blob(blob)
    if not fix_digest:
        packed["sha256"] = old
    native[key] = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                   for k, v in packed.items()}  # fmt: skip


def _text(native: dict[str, Any]) -> str:
    return unpack_blob({k: _np(v) for k, v in native["lgb_text"].items()}, "LightGBM").decode()


def _np(v: Any) -> Any:
    return v.numpy() if isinstance(v, torch.Tensor) else v


def _bump_leaf(text: str) -> str:
    """The first leaf value of the first tree plus 5 (a number that changes predictions)."""
    m = re.search(r"^leaf_value=(\S+)", text, flags=re.M)
    assert m is not None
    return text[: m.start(1)] + repr(float(m.group(1)) + 5.0) + text[m.end(1) :]


def test_an_edited_lightgbm_string_is_refused_naming_the_file(data, tmp_path) -> None:
    path = _fit("lgb", data).save(tmp_path / "m.pt")
    _edit_native(path, lambda n: _repack(n, "lgb_text", _bump_leaf(_text(n)).encode(), False))
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*SHA-256"):
        predictors.load(path)


def test_an_edited_string_with_a_matching_digest_fails_the_prediction_check(data, tmp_path) -> None:
    """Someone who also rewrites the digest: the stored predictions still catch it."""
    path = _fit("lgb", data).save(tmp_path / "m.pt")
    _edit_native(path, lambda n: _repack(n, "lgb_text", _bump_leaf(_text(n)).encode(), True))
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*reproduce"):
        predictors.load(path)


def test_a_crafted_lightgbm_tree_is_refused_before_lightgbm_parses_it(data, tmp_path) -> None:
    """Out-of-range child indices or a length-changing edit would crash LightGBM's parser; the
    text is checked first (even with a matching digest)."""
    path = _fit("lgb", data).save(tmp_path / "m.pt")

    def edit(native: dict[str, Any]) -> None:
        text = re.sub(r"^left_child=(-?\d+)", "left_child=999", _text(native), count=1, flags=re.M)
        _repack(native, "lgb_text", text.encode(), True)

    _edit_native(path, edit)
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*out of range"):
        predictors.load(path)


def test_a_zlib_bomb_or_wrong_size_is_refused(data, tmp_path) -> None:
    import zlib

    path = _fit("lgb", data).save(tmp_path / "m.pt")

    def edit(native: dict[str, Any]) -> None:
        bomb = zlib.compress(b"\0" * (1 << 24))
        native["lgb_text"]["zlib"] = torch.frombuffer(bytearray(bomb), dtype=torch.uint8).clone()

    _edit_native(path, edit)
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*stated"):
        predictors.load(path)
    _edit_native(path, lambda n: n["lgb_text"].update(size=1 << 40))
    with pytest.raises(DataFormatError, match="states a size of"):
        predictors.load(path)


def _xgb_edit(native: dict[str, Any], fix_digest: bool) -> None:
    import xgboost as xgb

    raw = unpack_blob({k: _np(v) for k, v in native["xgb_ubj"].items()}, "XGBoost")
    model = json.loads(bytes(xgb.Booster(model_file=bytearray(raw)).save_raw("json")))
    tree = model["learner"]["gradient_booster"]["model"]["trees"][0]
    leaf = tree["left_children"].index(-1)
    tree["base_weights"][leaf] += 5.0
    tree["split_conditions"][leaf] += 5.0  # a leaf's value is kept here
    edited = xgb.Booster(model_file=bytearray(json.dumps(model).encode()))
    _repack(native, "xgb_ubj", bytes(edited.save_raw("ubj")), fix_digest)


@pytest.mark.parametrize("fix_digest", [False, True])
def test_an_edited_xgboost_booster_is_refused_naming_the_file(data, tmp_path, fix_digest) -> None:
    path = _fit("xgb", data).save(tmp_path / "m.pt")
    _edit_native(path, lambda n: _xgb_edit(n, fix_digest))
    what = "reproduce" if fix_digest else "SHA-256"
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*{what}"):
        predictors.load(path)


def test_a_member_edited_inside_cell_gbt_is_refused(data, tmp_path) -> None:
    path = _fit("cell_gbt", data).save(tmp_path / "m.pt")

    def edit(native: dict[str, Any]) -> None:
        native["ceiling"] = native["ceiling"] + 1.0

    _edit_native(path, edit)
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*reproduce"):
        predictors.load(path)


def test_a_missing_member_is_refused(data, tmp_path) -> None:
    path = _fit("ens_xgb", data).save(tmp_path / "m.pt")
    _edit_native(path, lambda n: n["members"].pop("2"))
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*3 members"):
        predictors.load(path)


def test_a_state_kind_that_does_not_fit_the_predictor_is_refused(data, tmp_path) -> None:
    path = _fit("xgb", data).save(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["state_kind"] = "tensors"
    torch.save(payload, path)
    with pytest.raises(DataFormatError, match="state kind 'tensors'"):
        predictors.load(path)


@pytest.mark.parametrize("case", ["xgb", "lgb", "cell_gbt", "ens_xgb"])
def test_a_refit_style_file_written_before_native_state_still_loads(
    case: str, data: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An old file: no native state and no state_kind (the previous writer), refitted on load."""
    p = _fit(case, data)
    with monkeypatch.context() as m:
        m.setattr(_RefitPredictor, "_native_state", lambda self: None)
        for cls in (XGBPredictor, LGBPredictor, CellGBTPredictor, EnsemblePredictor):
            m.delattr(cls, "_native_state", raising=False)
        path = p.save(tmp_path / "old.pt")
    payload = torch.load(path, weights_only=True)
    assert payload.pop("state_kind") == "refit" and "native" not in payload["state"]
    torch.save(payload, path)
    called = []
    original = type(p).fit

    def counting_fit(self: Any, *a: Any, **k: Any) -> Any:
        called.append(type(self).__name__)
        return original(self, *a, **k)

    monkeypatch.setattr(type(p), "fit", counting_fit)
    q = predictors.load(path)
    assert called == [type(p).__name__]  # refitted
    every = np.arange(15625)
    np.testing.assert_allclose(q.predict(every), p.predict(every), rtol=1e-6)


def test_a_native_file_holds_only_plain_values(data, tmp_path) -> None:
    """weights_only loading: strings, numbers, tensors and dicts only."""
    path = _fit("cell_gbt", data).save(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        else:
            assert isinstance(v, (str, int, float, torch.Tensor)), type(v)

    walk(payload)
    member = payload["state"]["native"]["members"]["0"]
    assert member["model"]["xgb_ubj"]["zlib"].dtype == torch.uint8
    text = _text(payload["state"]["native"]["members"]["3"]["model"])
    assert text.startswith("tree\nversion=") and "end of trees" in text
    assert io.STATE_KINDS == ("tensors", "refit", "native")


def test_edited_training_targets_are_refused(data, tmp_path) -> None:
    """A native load does not refit, so the stored training set is checked by its digest: the
    refit fallback an older naslab reads must stay consistent with the boosters."""
    path = _fit("xgb", data).save(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["state"]["train_y"] = payload["state"]["train_y"] + 5.0
    torch.save(payload, path)
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*SHA-256 does not match"):
        predictors.load(path)


@pytest.mark.parametrize(("field", "value", "error"), [
    ("left_children", 999, "index out of range"),  # would make XGBoost read past the tree
    ("parents", 2**30, "is not a tree"),  # would crash XGBoost's loader
])  # fmt: skip
def test_a_crafted_xgboost_tree_is_refused_before_xgboost_parses_it(
    data, tmp_path, field, value, error
) -> None:
    """The UBJSON is decoded and its trees checked in Python first (even with a matching
    digest): a flipped child or parent index never reaches XGBoost."""
    import struct

    path = _fit("xgb", data).save(tmp_path / "m.pt")

    def edit(native: dict[str, Any]) -> None:
        raw = bytearray(unpack_blob({k: _np(v) for k, v in native["xgb_ubj"].items()}, "XGB"))
        at = raw.index(field.encode() + b"[$l#L") + len(field) + 5 + 8 + 4  # its second entry
        raw[at : at + 4] = struct.pack(">i", value)
        _repack(native, "xgb_ubj", bytes(raw), True)

    _edit_native(path, edit)
    with pytest.raises(DataFormatError, match=rf"{re.escape(str(path))}.*{error}"):
        predictors.load(path)
