"""`Regressor`: what a surrogate benchmark needs from a fitted model, and a registry of the safe
formats such models are saved in.

`benchmarks` must not import `predictors` (imports point down only), yet a surrogate benchmark
has to save and load the predictor it wraps. So the model is any object meeting the `Regressor`
protocol, and saving goes through a *format* registered here by whichever package can write it:
`register_format(name, save, load, accepts)`. A saved model is a folder holding `regressor.json`
(`{"format": name, "version": 1, "space": ...}`) beside the format's own files.

`load_regressor(folder)` reads the format's name and, when nothing has registered it yet, imports
the modules on `PROVIDERS` (a fixed allowlist, today `predictors.io`, which registers
"naslab-predictor") and looks again. A name from a file never chooses what is imported: an unknown
format is one `DataFormatError` naming the known ones. No format may unpickle.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from nas_core.errors import DataFormatError, InvalidInputError, MissingFileError

#: The file naming a saved model's format.
HEADER = "regressor.json"
VERSION = 1
#: Modules that register regressor formats when imported (the only ones `load_regressor` and
#: `save_regressor` ever import).
PROVIDERS: tuple[str, ...] = ("predictors.io",)


@runtime_checkable
class Regressor(Protocol):
    """A model mapping architectures to numbers. `fit(archs, y)` learns from a batch of
    architectures (any spelling their space parses) and targets; `predict(archs)` returns a float
    array (n,). A model with predictive uncertainty also has `predict_dist(archs) -> (mean, std)`
    (checked with `has_uncertainty`, not by this protocol)."""

    def fit(self, archs: Any, y: Any) -> Any: ...

    def predict(self, archs: Any) -> np.ndarray: ...


def has_uncertainty(model: Any) -> bool:
    """Whether `model.predict_dist` gives a real spread: a `has_uncertainty` attribute decides
    where the model states one (naslab predictors define `predict_dist` on every model and raise
    on those without); otherwise having `predict_dist` does."""
    flag = getattr(model, "has_uncertainty", None)
    if flag is not None:
        return bool(flag)
    return callable(getattr(model, "predict_dist", None))


@dataclass(frozen=True)
class RegressorFormat:
    """`save(model, folder)` writes the model's files into an existing folder; `load(folder)`
    returns the model; `accepts(model)` says whether `save` can write this model."""

    name: str
    save: Callable[[Any, Path], None]
    load: Callable[[Path], Any]
    accepts: Callable[[Any], bool]


_FORMATS: dict[str, RegressorFormat] = {}


def register_format(
    name: str,
    save: Callable[[Any, Path], None],
    load: Callable[[Path], Any],
    accepts: Callable[[Any], bool],
) -> None:
    """Register a regressor format (registering the same name again replaces it: a module that is
    re-imported registers again)."""
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"a regressor format needs a non-empty name, got {name!r}")
    _FORMATS[name] = RegressorFormat(name, save, load, accepts)


def formats() -> list[str]:
    """Names of the registered formats (after importing the allowlisted providers)."""
    _import_providers()
    return sorted(_FORMATS)


def _import_providers() -> None:
    for module in PROVIDERS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:  # a provider's optional dependencies are missing
            continue


def _format_for(model: Any) -> RegressorFormat:
    for attempt in range(2):
        for fmt in _FORMATS.values():
            if fmt.accepts(model):
                return fmt
        if attempt == 0:
            _import_providers()
    raise InvalidInputError(
        f"no regressor format can save a {type(model).__name__}; registered formats: "
        f"{', '.join(sorted(_FORMATS)) or 'none'} (register one with "
        "nas_core.regressor.register_format)"
    )


def save_regressor(
    model: Any, folder: str | os.PathLike[str], *, space: str, format: str | None = None
) -> Path:
    """Save a fitted `model` of `space` into `folder` (created; must be empty or absent) in
    `format` (default: the first registered format that accepts the model)."""
    fmt = _format_for(model) if format is None else _lookup(format, Path(folder))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise InvalidInputError(f"{folder}: a model is saved into an empty folder")
    fmt.save(model, folder)
    header = {"format": fmt.name, "version": VERSION, "space": space}
    (folder / HEADER).write_text(json.dumps(header, indent=1) + "\n")
    return folder


def _lookup(name: str, where: Path) -> RegressorFormat:
    if name not in _FORMATS:
        _import_providers()
    if name not in _FORMATS:
        raise DataFormatError(
            f"{where}: unknown regressor format {name!r}; known formats: "
            f"{', '.join(sorted(_FORMATS)) or 'none'}"
        )
    return _FORMATS[name]


def read_header(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The validated `regressor.json` of a saved model: format, version, space."""
    path = Path(folder) / HEADER
    if not path.is_file():
        raise MissingFileError(f"{path}: not found (a saved regressor folder holds it)")
    try:
        header = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataFormatError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise DataFormatError(f"{path}: must hold a JSON object")
    for key in ("format", "space"):
        if not isinstance(header.get(key), str) or not header[key]:
            raise DataFormatError(f"{path}: {key!r} must be a non-empty string")
    if header.get("version") != VERSION:
        raise DataFormatError(
            f"{path}: regressor folder version {header.get('version')!r}; this naslab reads "
            f"version {VERSION}"
        )
    return header


def load_regressor(folder: str | os.PathLike[str], *, space: str | None = None) -> Any:
    """Load a model saved by `save_regressor`. With `space`, a model saved for another space is
    refused (DataFormatError naming both)."""
    folder = Path(folder)
    header = read_header(folder)
    if space is not None and header["space"] != space:
        raise DataFormatError(
            f"{folder}: the model was fitted on space {header['space']!r}, not {space!r}"
        )
    model = _lookup(header["format"], folder).load(folder)
    own = getattr(model, "space_name_", None)
    if isinstance(own, str) and own != header["space"]:
        raise DataFormatError(
            f"{folder}: the model file is of space {own!r}, its header says {header['space']!r}"
        )
    return model
