"""Saving and loading predictors without ever executing code from the file.

A model file is written with `torch.save` but holds only what `torch.load(weights_only=True)`
accepts: a dict of strings, numbers and tensors. Loading therefore cannot run arbitrary code (the
restricted unpickler refuses every global outside tensors and builtin containers), and anything
that is not a naslab predictor file raises `DataFormatError`.

Layout: {"format": "naslab-predictor", "version": 1, "predictor": registry name,
"params": JSON of get_params(), "space": space name, "fit": JSON (n_train, feature scaling),
"state": {name: tensor or number}, "state_kind": how `state` is read (below; absent in files
written before it existed, which are "refit" or "tensors" by their predictor), "meta": JSON of
`pred.meta_` (free-form provenance, e.g. the benchmark, dataset and feature names the CLI trained
on)}.

- Before anything is built, the stored hyper-parameters are checked against the predictor's
  declared bounds (`Predictor.validate_params`: a file edited to `n_estimators=10**7` is refused,
  not refitted for hours) and every stored number must be finite (NaN/inf weights, targets or
  feature scalings make the file invalid). Both raise `DataFormatError` naming the file.
- "tensors": neural predictors store their `state_dict` tensors (+ target scaling).
- Tree, kernel and linear models (`state_by_refit`: xgb, lgb, cell_gbt, rf, gp, ridge,
  bayes_ridge, ensemble) store their training set (space indices, or, on an open space such as
  nb101 or darts, the architectures' `to_str` strings as one JSON list; raw extra features;
  targets) and the fitted model's predictions on it. Then either
  - "native": the gradient-boosted models (xgb, xgb_tuned, lgb, cell_gbt, and an ensemble of
    them) also store their boosters in the library's own format (XGBoost UBJSON, LightGBM model
    text; each zlib-compressed as a uint8 tensor with its size and SHA-256) with what else the
    model learned (members' feature scaling, cell_gbt's log-gap ceiling) and a SHA-256 of the
    training set and predictions; `load` builds the boosters from these with no fit, whatever
    library version would fit today. Both libraries' parsers crash the process on some
    malformed input, so each booster is first checked against its digest and then decoded and
    checked in Python (array lengths, child/feature indices, tree shape; predictors.classic)
    before the library sees it; or
  - "refit" (every other such model, and files written before "native" existed): `load` refits
    with the stored hyperparameters and seed.
  Either way `load` checks that the model reproduces the stored predictions and raises
  `DataFormatError` naming the file if it does not (a booster string edited or damaged; a refit
  under a library version that changed the algorithm). This replaces pickling fitted
  scikit-learn/XGBoost objects, which cannot be loaded safely. A "native" file also loads under a
  naslab that predates the marker: that one ignores it and refits from the stored training set.
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from nas_core.errors import DataFormatError, MissingFileError, NaslabError

FORMAT = "naslab-predictor"
VERSION = 1
#: How a file's "state" is read (see the module docstring).
STATE_KINDS = ("tensors", "refit", "native")


def _to_tensor(v: Any) -> Any:
    import torch

    if isinstance(v, torch.Tensor):
        return v.detach().cpu()
    if isinstance(v, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(v))
    if isinstance(v, dict):
        return {str(k): _to_tensor(x) for k, x in v.items()}
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"cannot store {type(v).__name__} in a predictor file")


def save(pred: Any, path: str | os.PathLike[str]) -> Path:
    """Write a fitted predictor to `path` atomically (temp file + rename)."""
    import torch

    pred._check_fitted()
    params = pred.get_params(deep=False)
    if not isinstance(params.get("space", "nb201"), str):
        from nas_core import spaces

        if pred.space_name_ not in spaces.names():
            raise NaslabError(
                f"space {pred.space_name_!r} is not registered, so a model fitted on it cannot be "
                "saved (loading looks the space up by name); register it with "
                "nas_core.spaces.register"
            )
        params["space"] = pred.space_name_
    try:
        params_json = json.dumps(params)
    except TypeError as e:
        raise NaslabError(f"predictor parameters must be JSON-serialisable to save: {e}") from None
    if pred.state_by_refit:
        train = pred.train_idx_
        if train.dtype == object:  # an open space: no indices, its archs' strings instead
            space = pred._resolve_space()
            key: dict[str, Any] = {"train_archs": json.dumps([space.to_str(a) for a in train])}
        else:
            key = {"train_idx": train}
        state: dict[str, Any] = {
            **key,
            "train_features": pred.train_features_,
            "train_y": pred.train_y_,
            "check_pred": pred.predict(pred.train_idx_, features=_feats_or_none(pred)),
        }
        native = pred._native_state() if hasattr(pred, "_native_state") else None
        kind = "refit" if native is None else "native"
        if native is not None:
            state["native"] = native
            state["train_sha256"] = _train_digest(state)
    else:
        state, kind = pred._get_state(), "tensors"
    fit_info = {"n_train": int(pred.n_train_), "n_features_extra": int(pred.n_features_extra_)}
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "predictor": pred.name,
        "space": pred.space_name_,
        "params": params_json,
        "fit": json.dumps(fit_info),
        "feature_mean": _to_tensor(np.asarray(pred.feature_mean_, dtype=np.float64)),
        "feature_scale": _to_tensor(np.asarray(pred.feature_scale_, dtype=np.float64)),
        "state": _to_tensor(state),
        "state_kind": kind,
        "meta": json.dumps(getattr(pred, "meta_", {}), default=str),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def _feats_or_none(pred: Any) -> Any:
    f = pred.train_features_
    return f if f.shape[1] else None


def _train_archs(state: dict[str, Any]) -> list[str]:
    """The stored training architectures of an open-space model: a JSON list of strings."""
    archs = json.loads(state["train_archs"])
    if not isinstance(archs, list) or not all(isinstance(a, str) for a in archs):
        raise ValueError("'train_archs' is not a list of architecture strings")
    return archs


def _numpy(state: Any) -> Any:
    import torch

    if isinstance(state, torch.Tensor):
        return state.numpy()
    if isinstance(state, dict):
        return {k: _numpy(v) for k, v in state.items()}
    return state


def _check_finite(path: Path, tree: Any, where: str = "") -> None:
    """DataFormatError if any stored number (tensor element or scalar) is NaN or inf."""
    import torch

    if isinstance(tree, dict):
        for k, v in tree.items():
            _check_finite(path, v, f"{where}.{k}" if where else str(k))
    elif isinstance(tree, torch.Tensor):
        if tree.is_floating_point() and not bool(torch.isfinite(tree).all()):
            raise DataFormatError(
                f"{path}: invalid predictor file: {where!r} holds NaN or inf values"
            )
    elif isinstance(tree, float) and not np.isfinite(tree):
        raise DataFormatError(f"{path}: invalid predictor file: {where!r} is {tree}")


def load(path: str | os.PathLike[str]) -> Any:
    """Read a predictor written by `save`. Never executes code from the file."""
    import torch

    from predictors import get_class

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"predictor file not found: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise DataFormatError(
            f"{path} is not a naslab predictor file: it holds Python objects other than tensors "
            "and plain values, which naslab refuses to load (they could run code)"
        ) from None
    except Exception as e:  # any failure here means: not a file we wrote
        raise DataFormatError(
            f"{path} is not a naslab predictor file (corrupt or foreign: {type(e).__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise DataFormatError(f"{path} is not a naslab predictor file (no '{FORMAT}' header)")
    if payload.get("version") != VERSION:
        raise DataFormatError(
            f"{path}: predictor file version {payload.get('version')!r}, this naslab reads "
            f"version {VERSION}"
        )
    try:
        cls = get_class(str(payload["predictor"]))
        params = json.loads(payload["params"])
        if not isinstance(params, dict):
            raise DataFormatError(f"{path}: invalid predictor file: parameters are not a mapping")
        space = params.pop("space", payload["space"])
        params = cls.validate_params(params)
        fit_info = json.loads(payload["fit"])
        state = payload["state"]
        _check_finite(path, {"state": state, "feature_mean": payload["feature_mean"],
                             "feature_scale": payload["feature_scale"]})  # fmt: skip
        pred = cls(space=space, **params)
        kind = payload.get("state_kind", "refit" if cls.state_by_refit else "tensors")
        if kind not in STATE_KINDS or (kind == "tensors") == bool(cls.state_by_refit):
            raise DataFormatError(
                f"{path}: invalid predictor file: state kind {kind!r} does not fit predictor "
                f"{payload['predictor']!r} (this naslab reads {', '.join(STATE_KINDS)})"
            )
        if kind == "refit":
            state = _numpy(state)
            feats = state["train_features"]
            train = _train_archs(state) if "train_archs" in state else state["train_idx"]
            pred.fit(train, state["train_y"], features=feats if feats.shape[1] else None)
            again = pred.predict(train, features=feats if feats.shape[1] else None)
            if not np.allclose(again, state["check_pred"], rtol=1e-4, atol=1e-6):
                raise DataFormatError(
                    f"{path}: refitting the stored {payload['predictor']} model did not reproduce "
                    "its saved predictions (written with a different library version?)"
                )
        elif kind == "native":
            state = _numpy(state)
            _restore_fitted(pred, payload, fit_info)
            _load_native(path, pred, state, str(payload["predictor"]))
        else:
            _restore_fitted(pred, payload, fit_info)
            pred._set_state(state)
        pred.meta_ = json.loads(payload.get("meta", "{}"))
    except DataFormatError:
        raise
    except NaslabError as e:
        raise DataFormatError(f"{path}: invalid predictor file: {e}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as e:
        raise DataFormatError(f"{path}: invalid predictor file ({type(e).__name__}: {e})") from None
    return pred


def _restore_fitted(pred: Any, payload: dict[str, Any], fit_info: dict[str, Any]) -> None:
    """The fitted attributes every predictor has (space, sizes, feature scaling)."""
    pred.space_name_ = str(payload["space"])
    pred.n_train_ = int(fit_info["n_train"])
    pred.n_features_extra_ = int(fit_info["n_features_extra"])
    pred.feature_mean_ = payload["feature_mean"].numpy()
    pred.feature_scale_ = payload["feature_scale"].numpy()


def _train_digest(state: dict[str, Any]) -> str:
    """SHA-256 of the stored training set and predictions. A native load never refits, so it
    cannot notice edited targets by itself; this keeps the file's refit fallback (what a naslab
    older than native state reads) consistent with its boosters."""
    import hashlib

    h = hashlib.sha256()
    for key in ("train_idx", "train_archs", "train_features", "train_y", "check_pred"):
        if key not in state:
            continue
        v = state[key]
        if isinstance(v, str):
            h.update(f"{key}:str:{len(v)}:".encode() + v.encode())
        else:
            a = np.ascontiguousarray(_numpy(v))
            h.update(f"{key}:{a.dtype.str}:{a.shape}:".encode() + a.tobytes())
    return h.hexdigest()


def _load_native(path: Path, pred: Any, state: dict[str, Any], name: str) -> None:
    """Build `pred`'s boosters from the stored native state (no fit) and check that they
    reproduce the stored predictions on the stored training set."""
    from predictors.base import Predictor

    if state.get("train_sha256") != _train_digest(state):
        raise DataFormatError(
            f"{path}: the stored training set or predictions were edited or are damaged (their "
            "SHA-256 does not match)"
        )
    feats = state["train_features"]
    train = _train_archs(state) if "train_archs" in state else state["train_idx"]
    idx, _ = Predictor._inputs(pred._resolve_space(), train, None)
    if len(idx) != pred.n_train_ or feats.shape != (len(idx), pred.n_features_extra_):
        raise DataFormatError(
            f"{path}: invalid predictor file: the stored training set does not match its sizes"
        )
    pred._set_native_state(state["native"])
    pred.train_idx_, pred.train_features_ = idx, feats
    pred.train_y_ = np.asarray(state["train_y"], dtype=np.float64)
    try:
        again = pred.predict(idx, features=feats if feats.shape[1] else None)
    except Exception as e:  # a library's own error type (LightGBMError is no ValueError)
        raise DataFormatError(
            f"{path}: the stored {name} model cannot predict ({type(e).__name__}: "
            f"{(str(e).strip().splitlines() or [''])[0]})"
        ) from None
    # the same booster predicts the same numbers: only an edited or damaged model differs
    if again.shape != np.shape(state["check_pred"]) or not np.allclose(
        again, state["check_pred"], rtol=1e-6, atol=1e-9
    ):
        raise DataFormatError(
            f"{path}: the stored {name} model did not reproduce its saved predictions (the "
            "file was edited or is damaged)"
        )


# --- the "naslab-predictor" regressor format (nas_core.regressor) ----------------------------
#: The file a saved predictor takes inside a regressor folder.
REGRESSOR_FILE = "predictor.pt"


def _save_regressor(pred: Any, folder: Path) -> None:
    save(pred, folder / REGRESSOR_FILE)


def _load_regressor(folder: Path) -> Any:
    return load(folder / REGRESSOR_FILE)


def _accepts(model: Any) -> bool:
    from predictors.base import Predictor

    return isinstance(model, Predictor)


def _register_format() -> None:
    from nas_core.regressor import register_format

    register_format(FORMAT, _save_regressor, _load_regressor, _accepts)


_register_format()
