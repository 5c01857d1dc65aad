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

These are cheap to refit, so their files store the training set and refit on `load` (see
predictors.io) rather than pickling the fitted scikit-learn / XGBoost / LightGBM objects.
"""

from __future__ import annotations

import warnings
from contextlib import nullcontext
from typing import Any, ClassVar

import numpy as np

from nas_core.registry import Param
from predictors.base import Predictor, batched


class _RefitPredictor(Predictor):
    #: `save` stores the training data; `load` refits and checks the predictions match.
    state_by_refit: ClassVar[bool] = True


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
