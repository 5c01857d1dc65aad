"""Tree and kernel predictors over a space encoding (+ optional extra features).

Defaults follow NASLib (White et al., "How Powerful are Performance Predictors in NAS?",
NeurIPS 2021), whose settings NAS-Bench-Suite-Zero (Krishnakumar et al. 2022) also used:

- `xgb`: gbtree, max_depth 6, min_child_weight 1, learning_rate 0.3, 500 boosting rounds,
  squared error (NASLib `XGBoost.default_hyperparams` with `num_boost_round=500`), `hist` trees.
- `xgb_tuned`: the same with small-data settings (depth 4, learning rate 0.03, subsample 0.8,
  colsample_bytree 0.7): naslab's best predictor with 100 training archs + zero-cost features.
- `lgb`: LightGBM gbdt, 31 leaves, learning rate 0.05, at least 5 archs per leaf, feature
  fraction 0.9, bagging 0.8 every 5 rounds, 500 rounds (NASLib `LGBoost.default_hyperparams`,
  from Luo et al. 2020, "NAS with GBDT"). NAS-Bench-301's LGB configuration (40 leaves, depth 18,
  learning rate 0.022, feature fraction 0.15, lambda_l2 134.5) relies on early stopping on a
  validation split over up to 30,000 rounds; with a fixed round count it ranked NAS-Bench-201
  cells worse at 1,000 training archs, so it is a setting to pass, not the default.
- `rf`: 116 trees, max_features 0.1726, min_samples_leaf 2, no bootstrap (NASLib
  `RandomForestPredictor`); uncertainty = spread of the trees' predictions.
- `gp`: scikit-learn GaussianProcessRegressor, Constant x Matern(nu=2.5) + White kernel on the
  one-hot encoding, normalised targets, 1 seeded optimiser restart; kernel hyperparameters are
  tuned on at most `max_hyperopt` (300) training points, then the GP is conditioned on all of
  them (marginal-likelihood optimisation is O(n^3) per step; this keeps n=1000 to seconds).
- `ridge`: scikit-learn Ridge (alpha 1.0); `bayes_ridge`: BayesianRidge (evidence-maximised
  priors; predictive std from `return_std`).

Saving never pickles a fitted scikit-learn / XGBoost / LightGBM object. Files store the training
set and the fitted predictions (see predictors.io); xgb and lgb also store their boosters in the
library's own format (XGBoost UBJSON, LightGBM model text), which `load` rebuilds without fitting
and checks against those predictions. The others refit on `load`.
"""

from __future__ import annotations

import struct
import warnings
from contextlib import nullcontext
from typing import Any, ClassVar

import numpy as np

from nas_core.registry import Param
from predictors.base import Predictor, batched


class _RefitPredictor(Predictor):
    #: `save` stores the training data and predictions on it; `load` rebuilds the model from its
    #: native state where `_native_state` gives one, else refits, and checks the predictions.
    state_by_refit: ClassVar[bool] = True

    def _native_state(self) -> dict[str, Any] | None:
        """The fitted model in its library's own safe format (strings, uint8 arrays, numbers),
        which `_set_native_state` rebuilds without fitting; None where there is none (`load`
        then refits)."""
        return None

    def _set_native_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError(f"predictor {self.name!r} has no native saved state")


def member_state(m: Predictor) -> dict[str, Any] | None:
    """A fitted member model's native state with its own feature scaling (what
    `restore_member` needs to rebuild it without fitting); None if it has no native state."""
    own = m._native_state() if isinstance(m, _RefitPredictor) else None
    if own is None:
        return None
    return {
        "model": own,
        "n_train": int(m.n_train_),
        "n_features_extra": int(m.n_features_extra_),
        "feature_mean": np.asarray(m.feature_mean_, dtype=np.float64),
        "feature_scale": np.asarray(m.feature_scale_, dtype=np.float64),
    }


def restore_member(m: Predictor, state: dict[str, Any], space_name: str) -> Predictor:
    """Make the unfitted member `m` the fitted model `state` (from `member_state`) describes."""
    k = int(state["n_features_extra"])
    mean = np.asarray(state["feature_mean"], dtype=np.float64)
    scale = np.asarray(state["feature_scale"], dtype=np.float64)
    if mean.shape != (k,) or scale.shape != (k,):
        raise ValueError(f"a member's feature scaling does not have its {k} columns")
    m.space_name_ = space_name
    m.n_features_extra_ = k
    m.feature_mean_, m.feature_scale_ = mean, scale
    m._set_native_state(state["model"])
    m.n_train_ = int(state["n_train"])
    return m


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _digest(blob: bytes) -> str:
    import hashlib

    return hashlib.sha256(blob).hexdigest()


#: Largest booster a file may unpack to (a bound on what a zlib stream may inflate to).
MAX_BOOSTER_BYTES = 1 << 30


def pack_blob(blob: bytes) -> dict[str, Any]:
    """A booster's bytes as stored: zlib-compressed (about 3.5x smaller) uint8 array, with its
    unpacked size and SHA-256."""
    import zlib

    z = zlib.compress(blob, 6)
    return {"zlib": np.frombuffer(z, dtype=np.uint8).copy(), "size": len(blob),
            "sha256": _digest(blob)}  # fmt: skip


def unpack_blob(state: dict[str, Any], what: str) -> bytes:
    """The bytes `pack_blob` stored, inflated to at most their stated size, and checked against
    their SHA-256: a damaged or edited booster never reaches the library's parser (LightGBM's and
    XGBoost's crash the process on some malformed input)."""
    import zlib

    z, size = np.asarray(state["zlib"]), state["size"]
    if z.dtype != np.uint8 or z.ndim != 1 or isinstance(size, bool) or not isinstance(size, int):
        raise ValueError(f"the stored {what} model is not a byte array with its size")
    if not 0 < size <= MAX_BOOSTER_BYTES:
        raise ValueError(f"the stored {what} model states a size of {size} bytes")
    inflate = zlib.decompressobj()
    try:
        blob = inflate.decompress(z.tobytes(), size + 1)
    except zlib.error as e:
        raise ValueError(f"the stored {what} model does not decompress ({e})") from None
    if len(blob) != size or not inflate.eof or inflate.unconsumed_tail:
        raise ValueError(f"the stored {what} model is not the stated {size} bytes")
    if state.get("sha256") != _digest(blob):
        raise ValueError(f"the stored {what} model does not match its SHA-256 (edited or damaged)")
    return blob


#: Per-tree keys of LightGBM's model text and how many values each holds (n: leaves; n - 1:
#: splits); any other key (categorical splits, linear leaves) is refused.
_LGB_TREE_KEYS = {
    "split_feature": -1, "split_gain": -1, "threshold": -1, "decision_type": -1,
    "left_child": -1, "right_child": -1, "internal_value": -1, "internal_weight": -1,
    "internal_count": -1, "leaf_value": 0, "leaf_weight": 0, "leaf_count": 0,
}  # fmt: skip
_LGB_HEADER = {"version", "num_class", "num_tree_per_iteration", "label_index", "max_feature_idx",
               "objective", "feature_names", "feature_infos", "tree_sizes"}  # fmt: skip


def _checked_lgb_text(text: str) -> str:
    """LightGBM model text of single-output regression trees with numerical splits, checked in
    Python before LightGBM parses it, rebuilt from the checked header and trees (without
    `tree_sizes`, whose offsets LightGBM trusts, and without the parameter section): every array
    has its tree's length, every child and feature index is in range and every child comes
    after its parent (so prediction ends). ValueError naming the first fault."""
    head, sep, rest = text.partition("\nTree=")
    trees, end, _ = rest.partition("\nend of trees")
    if not sep or not end:
        raise ValueError("the stored LightGBM model has no trees section")
    lines = head.splitlines()
    if not lines or lines[0] != "tree":
        raise ValueError("the stored LightGBM model does not start with its 'tree' header")
    header = dict(ln.split("=", 1) for ln in lines[1:] if ln)
    if set(header) - _LGB_HEADER or any("=" not in ln for ln in lines[1:] if ln):
        raise ValueError("the stored LightGBM model has unexpected header lines")
    if (header.get("num_class"), header.get("num_tree_per_iteration")) != ("1", "1") or header.get(
        "objective", ""
    ).split(" ")[0] != "regression":
        raise ValueError("the stored LightGBM model is not a single-output regression model")
    n_feat = int(header["max_feature_idx"]) + 1
    if n_feat < 1 or any(len(header.get(k, "x " * n_feat).split()) != n_feat
                         for k in ("feature_names", "feature_infos")):  # fmt: skip
        raise ValueError("the stored LightGBM model's feature list does not match its width")
    out = ["tree", *(f"{k}={v}" for k, v in header.items() if k != "tree_sizes"), ""]
    # per tree: lengths checked on the split tokens; the arrays prediction reads are converted
    # once for all trees (one conversion per tree and key would cost ~0.1 s per model)
    used = ("split_feature", "decision_type", "left_child", "right_child", "threshold")
    tokens: dict[str, list[str]] = {k: [] for k in (*used, "leaf_value")}
    node_of: list[np.ndarray] = []  # per split: its node index and its tree's split count
    for t, block in enumerate(trees.split("\nTree=")):
        rows = block.strip().splitlines()
        if not rows or rows[0] != str(t) or any("=" not in r for r in rows[1:]):
            raise ValueError(f"the stored LightGBM model's tree {t} is malformed")
        kv = dict(r.split("=", 1) for r in rows[1:])
        n = int(kv.pop("num_leaves"))
        if n < 1 or kv.pop("num_cat", "0") != "0" or kv.pop("is_linear", "0") != "0":
            raise ValueError(f"the stored LightGBM model's tree {t} has unsupported splits")
        shrinkage = float(kv.pop("shrinkage", "1"))
        if not np.isfinite(shrinkage) or set(kv) - set(_LGB_TREE_KEYS) or "leaf_value" not in kv:
            raise ValueError(f"the stored LightGBM model's tree {t} has unexpected fields")
        if n > 1 and set(used) - set(kv):
            raise ValueError(f"the stored LightGBM model's tree {t} lacks a split field")
        for k, v in kv.items():
            tok = v.split()
            if len(tok) != n + _LGB_TREE_KEYS[k]:
                raise ValueError(f"the stored LightGBM model's tree {t} has a bad {k!r}")
            if k in tokens:
                tokens[k] += tok
        node_of.append(np.stack([np.arange(n - 1), np.full(n - 1, n - 1)]))
        out += [f"Tree={t}", f"num_leaves={n}", "num_cat=0", *(f"{k}={kv[k]}" for k in kv),
                "is_linear=0", f"shrinkage={shrinkage!r}", "", ""]  # fmt: skip
    v = {k: np.array(tok, dtype=np.float64) for k, tok in tokens.items()}
    node, n_split = np.concatenate(node_of, axis=1)
    feat, dec = v["split_feature"], v["decision_type"]
    ok = np.isfinite(v["leaf_value"]).all() and np.isfinite(v["threshold"]).all()
    good = (feat == np.round(feat)) & (feat >= 0) & (feat < n_feat)
    good &= (dec == np.round(dec)) & (dec >= 0) & (dec < 256) & (dec % 2 == 0)  # no categorical
    for k in ("left_child", "right_child"):
        c = v[k]  # >= 0: a later split of the same tree; < 0: leaf ~c
        good &= (c == np.round(c)) & np.where(c >= 0, (c > node) & (c < n_split), -c - 1 <= n_split)
    if not ok or not good.all():
        raise ValueError("the stored LightGBM model has a split index or value out of range")
    return "\n".join([*out, "end of trees", ""])


_UBJ_NUM = {
    b"i": ">i1",
    b"U": ">u1",
    b"I": ">i2",
    b"l": ">i4",
    b"L": ">i8",
    b"d": ">f4",
    b"D": ">f8",
}


_UBJ_STRUCT = {ord(m): struct.Struct(">" + {"i1": "b", "u1": "B", "i2": "h", "i4": "i", "i8": "q",
                                             "f4": "f", "f8": "d"}[dt[1:]])
               for m, dt in _UBJ_NUM.items()}  # fmt: skip
_UBJ_DTYPE = {ord(m): np.dtype(dt) for m, dt in _UBJ_NUM.items()}


class _UBJ:
    """A strict reader of the UBJSON subset XGBoost writes: every length is checked against the
    buffer, typed arrays come back as numpy arrays, anything else (high-precision numbers,
    optimised objects, nesting deeper than 32) is refused."""

    def __init__(self, blob: bytes):
        self.b, self.i, self.n = blob, 0, len(blob)

    def _fail(self, what: str = "is truncated or has a bad length") -> ValueError:
        return ValueError(f"the stored XGBoost model {what} (byte {self.i})")

    def _num(self, m: int) -> Any:
        st = _UBJ_STRUCT.get(m)
        if st is None:
            raise self._fail(f"has an unexpected marker {bytes([m])!r}")
        i = self.i
        if i + st.size > self.n:
            raise self._fail()
        self.i = i + st.size
        return st.unpack_from(self.b, i)[0]

    def _count(self) -> int:
        if self.i >= self.n:
            raise self._fail()
        self.i += 1
        k = self._num(self.b[self.i - 1])
        if not isinstance(k, int) or k < 0 or self.i + k > self.n:
            raise self._fail()
        return k

    def _bytes(self, k: int) -> bytes:
        i = self.i
        self.i = i + k
        return self.b[i : i + k]

    def _peek(self) -> int:
        if self.i >= self.n:
            raise self._fail()
        return self.b[self.i]

    def value(self, depth: int = 0) -> Any:
        if depth > 32:
            raise self._fail("nests too deeply")
        m = self._peek()
        self.i += 1
        if m == 0x7B:  # {
            obj = {}
            while self._peek() != 0x7D:
                key = self._bytes(self._count()).decode()
                obj[key] = self.value(depth + 1)
            self.i += 1
            return obj
        if m == 0x5B:  # [
            nxt = self._peek()
            if nxt == 0x24:  # $ type # count: a typed array
                self.i += 1
                t = self._peek()
                self.i += 1
                if t not in _UBJ_DTYPE or self._peek() != 0x23:
                    raise self._fail("has an unexpected typed array")
                self.i += 1
                dt = _UBJ_DTYPE[t]
                k = self._count()  # checked k bytes are left; the array needs k * itemsize
                if self.i + k * dt.itemsize > self.n:
                    raise self._fail()
                return np.frombuffer(self._bytes(k * dt.itemsize), dt)
            if nxt == 0x23:  # # count
                self.i += 1
                k = self._count()  # at least a byte per element: k is bounded
                return [self.value(depth + 1) for _ in range(k)]
            out = []
            while self._peek() != 0x5D:
                out.append(self.value(depth + 1))
            self.i += 1
            return out
        if m == 0x53:  # S
            return self._bytes(self._count()).decode()
        if m in (0x54, 0x46, 0x5A):
            return {0x54: True, 0x46: False, 0x5A: None}[m]
        return self._num(m)


def _check_xgb_ubj(blob: bytes) -> None:
    """An XGBoost UBJSON model of single-output squared-error gbtree trees with numerical splits,
    checked in Python before XGBoost parses it: the whole buffer decodes, every tree array has
    the tree's node count, every child comes after its parent and within the tree, and every
    split feature is below the model's feature count. ValueError naming the first fault."""
    r = _UBJ(blob)
    model = r.value()
    if r.i != r.n or not isinstance(model, dict):
        raise ValueError("the stored XGBoost model has trailing bytes")
    try:
        learner = model["learner"]
        param = learner["learner_model_param"]
        booster = learner["gradient_booster"]
        trees = booster["model"]["trees"]
        n_feat = int(param["num_feature"])
        single = param.get("num_target", "1") == "1" and param.get("num_class", "0") == "0"
        objective = learner["objective"]["name"]
    except (KeyError, TypeError) as e:
        raise ValueError(f"the stored XGBoost model lacks {e}") from None
    if booster.get("name") != "gbtree" or objective != "reg:squarederror" or not single:
        raise ValueError("the stored XGBoost model is not a single-output squared-error gbtree")
    if not isinstance(trees, list) or not 0 < n_feat < 2**31:
        raise ValueError("the stored XGBoost model has no trees or no features")
    per_node = ("left_children", "right_children", "split_indices", "split_conditions",
                "default_left", "split_type", "base_weights", "parents", "loss_changes",
                "sum_hessian")  # fmt: skip
    for t, tree in enumerate(trees):
        try:
            n = int(tree["tree_param"]["num_nodes"])
            arr = {k: np.asarray(tree[k]) for k in per_node}
            cats = [np.asarray(tree[k]).size for k in ("categories", "categories_nodes",
                                                        "categories_segments", "categories_sizes")]  # fmt: skip
            leaf_vec = int(tree["tree_param"].get("size_leaf_vector", "1"))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"the stored XGBoost model's tree {t} is malformed") from None
        if n < 1 or any(a.shape != (n,) or a.dtype.kind not in "iuf" for a in arr.values()):
            raise ValueError(f"the stored XGBoost model's tree {t} has a bad array length")
        if any(cats) or arr["split_type"].any() or leaf_vec > 1:
            raise ValueError(f"the stored XGBoost model's tree {t} has unsupported splits")
        node = np.arange(n)
        left, right, feat = arr["left_children"], arr["right_children"], arr["split_indices"]
        leaf = left == -1
        ok = (right == -1) == leaf
        ok &= leaf | ((left > node) & (left < n) & (right > node) & (right < n))
        ok &= leaf | ((feat >= 0) & (feat < n_feat))
        ok &= np.isfinite(arr["split_conditions"]) & np.isfinite(arr["base_weights"])
        if not ok.all():
            raise ValueError(f"the stored XGBoost model's tree {t} has an index out of range")
        # a tree: every node but the root is one split's child, and `parents` says which
        inner = ~leaf
        kids = np.concatenate([left[inner], right[inner]])
        parent = np.full(n, 2**31 - 1, dtype=np.int64)  # XGBoost's "no parent"
        parent[kids] = np.concatenate([node[inner], node[inner]])
        once = np.bincount(kids, minlength=n)
        if once[0] or (once[1:] != 1).any() or not np.array_equal(arr["parents"], parent):
            raise ValueError(f"the stored XGBoost model's tree {t} is not a tree")


class XGBPredictor(_RefitPredictor):
    """Gradient-boosted trees (XGBoost; Chen & Guestrin 2016). `n_jobs` threads (default 1)."""

    param_specs: ClassVar[dict[str, Param]] = {
        "n_estimators": Param("boosting rounds (trees)", ge=1, le=100_000),
        "max_depth": Param("maximum tree depth", ge=1, le=64),
        "learning_rate": Param("shrinkage per round (eta)", gt=0, le=1),
        "min_child_weight": Param("minimum hessian sum in a leaf", ge=0, le=1e6),
        "subsample": Param("fraction of rows sampled per tree", gt=0, le=1),
        "colsample_bytree": Param("fraction of columns sampled per tree", gt=0, le=1),
        "reg_lambda": Param("L2 penalty on leaf weights", ge=0, le=1e6),
    }

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        n_estimators: int = 500,
        max_depth: int = 6,
        learning_rate: float = 0.3,
        min_child_weight: float = 1.0,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        reg_lambda: float = 1.0,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.space = space
        self.encoding = encoding
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.seed = seed
        self.n_jobs = n_jobs

    def _xgb_params(self) -> dict:
        """The booster parameters XGBoost's scikit-learn wrapper (`XGBRegressor`) would pass to
        `xgboost.train` for these settings (its unset ones are XGBoost's defaults either way)."""
        return {
            "objective": "reg:squarederror",
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "random_state": self.seed,
            "n_jobs": self.n_jobs,
        }

    def _blas_limit(self) -> Any:
        # XGBoost takes its thread count from `n_jobs` itself; threadpoolctl's library scan
        # would cost ~3 ms on every fit and predict for nothing.
        return nullcontext()

    def _fit(self, idx, feats, y):
        # xgboost.train on a DMatrix directly: the same trees and predictions, bit for bit, as
        # XGBRegressor.fit (tests/predictors/test_xgb_speed_equivalence.py) without the
        # wrapper's per-fit work, and without its QuantileDMatrix, whose construction starts
        # OpenMP threads whatever `nthread` says.
        import xgboost as xgb

        dtrain = xgb.DMatrix(self._encode(idx, feats), label=y, nthread=self.n_jobs)
        self.model_ = xgb.train(self._xgb_params(), dtrain, num_boost_round=self.n_estimators)

    def _predict(self, idx, feats):
        return self.model_.inplace_predict(self._encode(idx, feats))

    def _native_state(self) -> dict[str, Any]:
        # UBJSON, XGBoost's binary JSON: parses ~25x faster than its JSON text
        return {"xgb_ubj": pack_blob(bytes(self.model_.save_raw("ubj")))}

    def _set_native_state(self, state: dict[str, Any]) -> None:
        import xgboost as xgb

        blob = unpack_blob(state["xgb_ubj"], "XGBoost")
        _check_xgb_ubj(blob)
        try:
            booster = xgb.Booster(model_file=bytearray(blob))
        except Exception as e:  # XGBoostError, or a decoding error from its JSON reader
            raise ValueError(f"the stored XGBoost model does not load: {_first_line(e)}") from None
        booster.set_param({"nthread": self.n_jobs})  # a loaded booster would use every core
        self.model_ = booster


class XGBTunedPredictor(XGBPredictor):
    """XGBoost with small-data settings: 500 trees of depth 4, learning rate 0.03, rows
    subsampled 0.8 and columns 0.7 per tree. Chosen on NAS-Bench-Suite-Zero CIFAR-10 (100
    training archs, one-hot + zero-cost features) against NASLib's defaults (docs/results.md,
    "NAS-Bench-Suite-Zero Table 9", has the numbers on all three datasets)."""

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        n_estimators: int = 500,
        max_depth: int = 4,
        learning_rate: float = 0.03,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.7,
        reg_lambda: float = 1.0,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        super().__init__(
            space, encoding, n_estimators, max_depth, learning_rate, min_child_weight, subsample,
            colsample_bytree, reg_lambda, seed, n_jobs,
        )  # fmt: skip


class LGBPredictor(_RefitPredictor):
    """Gradient-boosted trees (LightGBM; Ke et al. 2017): leaf-wise trees, histogram splits.
    Deterministic for a given `seed` and `n_jobs` (LightGBM's `deterministic` mode)."""

    param_specs: ClassVar[dict[str, Param]] = {
        "n_estimators": Param("boosting rounds (trees)", ge=1, le=100_000),
        "num_leaves": Param("most leaves per tree", ge=2, le=131_072),
        "max_depth": Param("maximum tree depth (-1: no limit)", ge=-1, le=64),
        "learning_rate": Param("shrinkage per round", gt=0, le=1),
        "min_child_samples": Param("fewest training archs in a leaf", ge=1, le=100_000),
        "feature_fraction": Param("fraction of columns sampled per tree", gt=0, le=1),
        "bagging_fraction": Param("fraction of rows sampled per bagging round", gt=0, le=1),
        "bagging_freq": Param("resample rows every k rounds (0: no bagging)", ge=0, le=100_000),
        "lambda_l1": Param("L1 penalty on leaf weights", ge=0, le=1e6),
        "lambda_l2": Param("L2 penalty on leaf weights", ge=0, le=1e6),
        "max_bin": Param("most histogram bins per feature", ge=2, le=65_535),
        "seed": Param("random seed (LightGBM's range)", ge=0, le=2**31 - 1),
    }

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        n_estimators: int = 500,
        num_leaves: int = 31,
        max_depth: int = -1,
        learning_rate: float = 0.05,
        min_child_samples: int = 5,
        feature_fraction: float = 0.9,
        bagging_fraction: float = 0.8,
        bagging_freq: int = 5,
        lambda_l1: float = 0.0,
        lambda_l2: float = 0.0,
        max_bin: int = 255,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.space = space
        self.encoding = encoding
        self.n_estimators = n_estimators
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.bagging_freq = bagging_freq
        self.lambda_l1 = lambda_l1
        self.lambda_l2 = lambda_l2
        self.max_bin = max_bin
        self.seed = seed
        self.n_jobs = n_jobs

    def _lgb_params(self) -> dict:
        return {
            "objective": "regression",
            "boosting_type": "gbdt",
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l1": self.lambda_l1,
            "lambda_l2": self.lambda_l2,
            "max_bin": self.max_bin,
            # one seed drives bagging, feature sampling and binning; `deterministic` with
            # column-wise histograms gives the same trees on every run for a given thread count
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": self.n_jobs,
            "verbosity": -1,
        }

    def _blas_limit(self) -> Any:
        # LightGBM takes its thread count from `num_threads`; skip threadpoolctl's library scan.
        return nullcontext()

    def _fit(self, idx, feats, y):
        import lightgbm as lgb

        params = self._lgb_params()
        dtrain = lgb.Dataset(self._encode(idx, feats), label=y, params=params, free_raw_data=True)
        self.model_ = lgb.train(params, dtrain, num_boost_round=self.n_estimators)

    def _predict(self, idx, feats):
        return self.model_.predict(self._encode(idx, feats), num_threads=self.n_jobs)

    def _native_state(self) -> dict[str, Any]:
        return {"lgb_text": pack_blob(self.model_.model_to_string().encode())}

    def _set_native_state(self, state: dict[str, Any]) -> None:
        import lightgbm as lgb

        try:
            text = unpack_blob(state["lgb_text"], "LightGBM").decode()
        except UnicodeDecodeError:
            raise ValueError("the stored LightGBM model is not text") from None
        try:
            self.model_ = lgb.Booster(model_str=_checked_lgb_text(text))
        except lgb.basic.LightGBMError as e:
            raise ValueError(f"the stored LightGBM model does not load: {_first_line(e)}") from None


class RFPredictor(_RefitPredictor):
    """Random forest (Breiman 2001) with NASLib's tuned defaults."""

    has_uncertainty = True
    param_specs: ClassVar[dict[str, Param]] = {
        "n_estimators": Param("trees", ge=1, le=10_000),
        "max_features": Param("fraction of features tried per split", gt=0, le=1),
        "min_samples_leaf": Param("fewest training archs in a leaf", ge=1, le=100_000),
        "min_samples_split": Param("fewest training archs to split a node", ge=2, le=100_000),
        "bootstrap": Param("fit each tree on a bootstrap resample"),
        "seed": Param("random seed (scikit-learn's range)", ge=0, le=2**32 - 1),
    }

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        n_estimators: int = 116,
        max_features: float = 0.17256824559175262,
        min_samples_leaf: int = 2,
        min_samples_split: int = 2,
        bootstrap: bool = False,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.space = space
        self.encoding = encoding
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.min_samples_split = min_samples_split
        self.bootstrap = bootstrap
        self.seed = seed
        self.n_jobs = n_jobs

    def _fit(self, idx, feats, y):
        from sklearn.ensemble import RandomForestRegressor

        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            min_samples_split=self.min_samples_split,
            bootstrap=self.bootstrap,
            random_state=self.seed,
            n_jobs=self.n_jobs,
        ).fit(self._encode(idx, feats), y)

    def _predict(self, idx, feats):
        return self.model_.predict(self._encode(idx, feats))

    def _predict_dist(self, idx, feats):
        x = self._encode(idx, feats)
        per_tree = np.stack([t.predict(x) for t in self.model_.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)


class GPPredictor(_RefitPredictor):
    """Gaussian process regression (Rasmussen & Williams 2006) with a Matern-5/2 kernel."""

    has_uncertainty = True
    param_specs: ClassVar[dict[str, Param]] = {
        "nu": Param("Matern smoothness (0.5, 1.5 and 2.5 are the fast ones)", gt=0, le=100),
        "n_restarts": Param("extra restarts of the kernel optimiser", ge=0, le=100),
        "max_hyperopt": Param("most training points the kernel is tuned on", ge=2, le=20_000),
    }

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "onehot",
        nu: float = 2.5,
        n_restarts: int = 1,
        max_hyperopt: int = 300,
        seed: int = 0,
    ):
        self.space = space
        self.encoding = encoding
        self.nu = nu
        self.n_restarts = n_restarts
        self.max_hyperopt = max_hyperopt
        self.seed = seed

    def _fit(self, idx, feats, y):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
            length_scale=3.0, length_scale_bounds=(1e-2, 1e3), nu=self.nu
        ) + WhiteKernel(0.1, (1e-6, 1e1))
        x = self._encode(idx, feats).astype(np.float64)
        rng = np.random.default_rng(self.seed)
        sub = np.arange(len(x))
        if len(x) > self.max_hyperopt:  # O(n^3) per optimiser step: tune on a subset
            sub = np.sort(rng.choice(len(x), int(self.max_hyperopt), replace=False))
        with warnings.catch_warnings():  # noise at its bound is fine for noise-free tables
            warnings.simplefilter("ignore", ConvergenceWarning)
            tuned = GaussianProcessRegressor(
                kernel,
                normalize_y=True,
                n_restarts_optimizer=self.n_restarts,
                random_state=int(rng.integers(2**31)),
            ).fit(x[sub], y[sub])
        self.model_ = (
            tuned
            if len(sub) == len(x)
            else GaussianProcessRegressor(tuned.kernel_, normalize_y=True, optimizer=None).fit(x, y)
        )

    def _predict(self, idx, feats):
        x = self._encode(idx, feats).astype(np.float64)
        # Row chunks keep the (chunk x n_train) kernel block in cache: 2-3x faster for 15,625.
        return np.concatenate([self.model_.predict(x[s]) for s in batched(len(x), 256)])

    def _predict_dist(self, idx, feats):
        x = self._encode(idx, feats).astype(np.float64)
        parts = [self.model_.predict(x[s], return_std=True) for s in batched(len(x), 256)]
        return np.concatenate([m for m, _ in parts]), np.concatenate([sd for _, sd in parts])


class RidgePredictor(_RefitPredictor):
    """Linear least squares with an L2 penalty (scikit-learn Ridge)."""

    param_specs: ClassVar[dict[str, Param]] = {
        "alpha": Param("L2 penalty strength", ge=0, le=1e12),
    }

    def __init__(self, space: str = "nb201", encoding: str = "onehot", alpha: float = 1.0):
        self.space = space
        self.encoding = encoding
        self.alpha = alpha

    def _fit(self, idx, feats, y):
        from sklearn.linear_model import Ridge

        self.model_ = Ridge(alpha=self.alpha).fit(self._encode(idx, feats), y)

    def _predict(self, idx, feats):
        return self.model_.predict(self._encode(idx, feats))


class BayesRidgePredictor(_RefitPredictor):
    """Bayesian linear regression (scikit-learn BayesianRidge; MacKay 1992): evidence-maximised
    Gamma priors, Gaussian predictive distribution."""

    has_uncertainty = True
    param_specs: ClassVar[dict[str, Param]] = {
        "max_iter": Param("most evidence-maximisation iterations", ge=1, le=1_000_000),
    }

    def __init__(self, space: str = "nb201", encoding: str = "onehot", max_iter: int = 300):
        self.space = space
        self.encoding = encoding
        self.max_iter = max_iter

    def _fit(self, idx, feats, y):
        from sklearn.linear_model import BayesianRidge

        # float64: scikit-learn keeps float32 input in float32, where the posterior covariance of
        # a near-noise-free fit (lambda ~ 1e-13) loses its positive definiteness: NaN stds.
        x = self._encode(idx, feats).astype(np.float64)
        self.model_ = BayesianRidge(max_iter=self.max_iter).fit(x, y)

    def _predict(self, idx, feats):
        return self.model_.predict(self._encode(idx, feats).astype(np.float64))

    def _predict_dist(self, idx, feats):
        return self.model_.predict(self._encode(idx, feats).astype(np.float64), return_std=True)
