"""The Regressor protocol and the regressor-format registry (nas_core.regressor)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nas_core import spaces
from nas_core.errors import DataFormatError, InvalidInputError, MissingFileError
from nas_core.regressor import (
    HEADER,
    Regressor,
    formats,
    has_uncertainty,
    load_regressor,
    read_header,
    register_format,
    save_regressor,
)


class MeanModel:
    """A stand-in regressor: predicts the training mean; saved as one JSON number."""

    def __init__(self, value: float = 0.0):
        self.value = value

    def fit(self, archs: Any, y: Any) -> MeanModel:
        self.value = float(np.mean(y))
        return self

    def predict(self, archs: Any) -> np.ndarray:
        return np.full(len(archs), self.value)


def _save(model: MeanModel, folder: Path) -> None:
    (folder / "mean.json").write_text(json.dumps(model.value))


def _load(folder: Path) -> MeanModel:
    return MeanModel(json.loads((folder / "mean.json").read_text()))


register_format("test-mean-json", _save, _load, lambda m: isinstance(m, MeanModel))


def test_protocol_is_fit_and_predict() -> None:
    assert isinstance(MeanModel(), Regressor)

    class OnlyFit:
        def fit(self, archs: Any, y: Any) -> None: ...

    assert not isinstance(OnlyFit(), Regressor)
    assert not isinstance(object(), Regressor)


def test_has_uncertainty_prefers_the_stated_flag() -> None:
    class Dist(MeanModel):
        def predict_dist(self, archs: Any) -> tuple[np.ndarray, np.ndarray]:
            return self.predict(archs), np.ones(len(archs))

    class Refuses(Dist):
        has_uncertainty = False

    assert not has_uncertainty(MeanModel())
    assert has_uncertainty(Dist())
    assert not has_uncertainty(Refuses())  # naslab predictors define predict_dist and raise


def test_round_trip_writes_a_header(tmp_path: Path) -> None:
    folder = save_regressor(MeanModel().fit([0, 1], [2.0, 4.0]), tmp_path / "m", space="nb201")
    assert read_header(folder) == {"format": "test-mean-json", "version": 1, "space": "nb201"}
    back = load_regressor(folder, space="nb201")
    assert isinstance(back, MeanModel) and back.value == 3.0


def test_save_refuses_a_non_empty_folder_and_an_unsavable_model(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("")
    with pytest.raises(InvalidInputError, match="empty folder"):
        save_regressor(MeanModel(), tmp_path, space="nb201")

    class Foreign:
        def fit(self, archs: Any, y: Any) -> None: ...
        def predict(self, archs: Any) -> np.ndarray:
            return np.zeros(len(archs))

    with pytest.raises(InvalidInputError, match="no regressor format can save a Foreign"):
        save_regressor(Foreign(), tmp_path / "f", space="nb201")


def _with_header(folder: Path, **header: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / HEADER).write_text(
        json.dumps({"format": "x", "version": 1, "space": "nb201", **header})
    )
    return folder


def test_unknown_format_names_the_known_ones(tmp_path: Path) -> None:
    folder = _with_header(tmp_path / "m", format="pickle")
    with pytest.raises(DataFormatError, match="unknown regressor format 'pickle'") as e:
        load_regressor(folder)
    assert "naslab-predictor" in str(e.value) and "test-mean-json" in str(e.value)


def test_a_format_name_never_chooses_an_import(tmp_path: Path) -> None:
    """Only modules on the allowlist are imported: a header naming a module imports nothing."""
    assert "this" not in sys.modules  # the stdlib module that prints the Zen of Python
    with pytest.raises(DataFormatError, match="unknown regressor format 'this'"):
        load_regressor(_with_header(tmp_path / "m", format="this"))
    assert "this" not in sys.modules
    assert "naslab-predictor" in formats()  # the allowlisted provider did register


def test_bad_headers(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=HEADER):
        load_regressor(tmp_path)
    (tmp_path / HEADER).write_text("{not json")
    with pytest.raises(DataFormatError, match="not valid JSON"):
        load_regressor(tmp_path)
    with pytest.raises(DataFormatError, match="version 7"):
        load_regressor(_with_header(tmp_path / "v", version=7))
    with pytest.raises(DataFormatError, match="'space' must be a non-empty string"):
        load_regressor(_with_header(tmp_path / "s", space=3))


def test_a_model_of_another_space_is_refused(tmp_path: Path) -> None:
    folder = save_regressor(MeanModel(), tmp_path / "m", space="nb201")
    with pytest.raises(DataFormatError, match="fitted on space 'nb201', not 'nb101'"):
        load_regressor(folder, space="nb101")


def test_naslab_predictor_format_round_trip(tmp_path: Path) -> None:
    predictors = pytest.importorskip("predictors")
    sp = spaces.get("nb201")
    archs = sp.sample(np.random.default_rng(0), 40)
    y = np.arange(40, dtype=float)
    pred = predictors.create("xgb", n_estimators=20).fit(archs, y)
    folder = save_regressor(pred, tmp_path / "m", space="nb201")
    assert read_header(folder)["format"] == "naslab-predictor"
    back = load_regressor(folder, space="nb201")
    assert np.array_equal(back.predict(archs), pred.predict(archs))
    # the header lies about the space: the model file's own space is checked too
    (folder / HEADER).write_text(json.dumps({"format": "naslab-predictor", "version": 1,
                                             "space": "nb101"}))  # fmt: skip
    with pytest.raises(DataFormatError, match="of space 'nb201', its header says 'nb101'"):
        load_regressor(folder)
