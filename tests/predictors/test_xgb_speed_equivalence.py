"""The xgb predictors call `xgboost.train` on a DMatrix directly (issue 13, speed). This checks
that they give, bit for bit, the predictions of the scikit-learn wrapper (`XGBRegressor`, which
they used before) with the same settings and data."""

from __future__ import annotations

import numpy as np
import pytest

import predictors
from nas_core import spaces

xgb = pytest.importorskip("xgboost")

NB201 = spaces.get("nb201")


def _data(n: int, seed: int, k: int):
    rng = np.random.default_rng(seed)
    idx = rng.choice(NB201.size, n, replace=False)
    ops = NB201.op_rows(idx).astype(float)
    y = ops @ rng.normal(size=ops.shape[1]) + 0.3 * rng.normal(size=n)  # learnable, noisy
    feats = rng.normal(size=(n, k)) if k else None
    test = rng.choice(NB201.size, 500, replace=False)
    test_feats = rng.normal(size=(500, k)) if k else None
    return idx, y, feats, test, test_feats


def _wrapper_predictions(p, idx, y, feats, test, test_feats) -> np.ndarray:
    """What the predictor returned before: XGBRegressor.fit / predict on the same matrices."""
    empty = np.zeros((len(idx), 0))
    x = p._encode(idx, p._scale(feats if feats is not None else empty))
    empty_t = np.zeros((len(test), 0))
    xt = p._encode(test, p._scale(test_feats if test_feats is not None else empty_t))
    model = xgb.XGBRegressor(
        n_estimators=p.n_estimators,
        max_depth=p.max_depth,
        learning_rate=p.learning_rate,
        min_child_weight=p.min_child_weight,
        subsample=p.subsample,
        colsample_bytree=p.colsample_bytree,
        reg_lambda=p.reg_lambda,
        objective="reg:squarederror",
        tree_method="hist",
        random_state=p.seed,
        n_jobs=p.n_jobs,
    )
    model.fit(x, y)
    return np.asarray(model.predict(xt), dtype=np.float64)


@pytest.mark.parametrize(
    "name,n,k,seed",
    [("xgb", 100, 0, 0), ("xgb", 1000, 3, 5), ("xgb_tuned", 100, 2, 1), ("xgb_tuned", 400, 0, 9)],
)
def test_xgb_predictions_bit_identical_to_the_sklearn_wrapper(name, n, k, seed):
    idx, y, feats, test, test_feats = _data(n, seed, k)
    p = predictors.create(name, seed=seed, n_estimators=60)
    p.fit(idx, y, feats)
    got = p.predict(test, test_feats)
    want = _wrapper_predictions(p, idx, y, feats, test, test_feats)
    assert np.array_equal(got, want)
    assert np.std(got) > 0  # a real model, not a constant


def test_xgb_seed_matters_when_subsampling():
    """The seed reaches the booster (row/column sampling of xgb_tuned depends on it)."""
    idx, y, feats, test, test_feats = _data(200, 0, 0)
    a = predictors.create("xgb_tuned", seed=0, n_estimators=40).fit(idx, y).predict(test)
    b = predictors.create("xgb_tuned", seed=1, n_estimators=40).fit(idx, y).predict(test)
    c = predictors.create("xgb_tuned", seed=0, n_estimators=40).fit(idx, y).predict(test)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, c)
