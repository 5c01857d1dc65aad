"""Every predictor on the new spaces: the open ones (nb101, darts and the 4^30-member test space)
have no index table, so models fit on the architectures' encodings; any spelling the space parses
works, and the models that store their training set save it as architecture strings. The finite
TransNAS-Bench-101 spaces (tnb101-micro, tnb101-macro) run through the same contract."""

from __future__ import annotations

import numpy as np
import pytest

import predictors
from nas_core import spaces
from nas_core.errors import InvalidArchError, NaslabError
from nas_core.metrics import spearman_rho
from tests.nas_core.open_space import OpenProductSpace

NEURAL = {"mlp", "lstm", "gcn", "gin", "bananas"}
FAST = {
    "xgb": {"n_estimators": 30},
    "xgb_tuned": {"n_estimators": 30},
    "rf": {"n_estimators": 20},
    "gp": {"n_restarts": 0},
    "ensemble": {"base": "xgb", "n_members": 2, "base_params": {"n_estimators": 10}},
    **{n: {"epochs": 3} for n in NEURAL},
}
OPEN = ["nb101", "darts"]


def get_space(name):
    return OpenProductSpace() if name == "test-open" else spaces.get(name)


def make(name, space, **kw):
    return predictors.create(name, space=space, **{**FAST.get(name, {}), **kw})


def target(space, archs):
    """A synthetic score that depends on the architecture (through its one-hot encoding)."""
    x = space.encode(archs, "onehot")
    w = np.sin(np.arange(1, x.shape[1] + 1))
    return x @ w


@pytest.fixture(scope="module", params=[*OPEN, "test-open", "tnb101-micro", "tnb101-macro"])
def sample(request):
    space = get_space(request.param)
    archs = space.sample(np.random.default_rng(0), 60)
    return space, archs, target(space, archs)


def _encodings_of(space):
    out = []
    for kind in ("onehot", "adjacency", "path"):
        try:
            space.encode(space.sample(np.random.default_rng(0), 1), kind)
        except NaslabError:
            continue
        out.append(kind)
    return out


@pytest.mark.parametrize("name", predictors.list())
def test_fit_predict_on_an_open_space(name, sample):
    space, archs, y = sample
    kw = {}
    cls = predictors.get_class(name)
    spec = cls.param_spec().get("encoding")
    if spec is not None and spec.choices and spec.default not in _encodings_of(space):
        kw["encoding"] = "onehot"  # the test space has no path encoding
    p = make(name, space, seed=1, **kw).fit(archs[:40], y[:40])
    a = p.predict(archs[40:])
    b = make(name, space, seed=1, **kw).fit(archs[:40], y[:40]).predict(archs[40:])
    assert a.shape == (20,) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    if p.has_uncertainty:
        mean, std = p.predict_dist(archs[40:])
        np.testing.assert_allclose(mean, a, rtol=1e-6)
        assert (std >= 0).all()


@pytest.mark.parametrize("name", predictors.list())
@pytest.mark.parametrize("space_name", OPEN)
def test_save_load_on_an_open_space(name, space_name, tmp_path):
    space = spaces.get(space_name)
    archs = space.sample(np.random.default_rng(1), 40)
    y = target(space, archs)
    f = np.linspace(0, 1, 40)[:, None] * [1.0, -2.0]
    p = make(name, space_name).fit(archs[:30], y[:30], features=f[:30])
    q = predictors.load(p.save(tmp_path / "m.pt"))
    assert type(q) is type(p) and q.get_params() == p.get_params()
    np.testing.assert_allclose(
        q.predict(archs[30:], features=f[30:]), p.predict(archs[30:], features=f[30:]), rtol=1e-5
    )
    if p.state_by_refit:  # the file holds the training archs as strings, not indices
        import torch

        state = torch.load(tmp_path / "m.pt", weights_only=True)["state"]
        assert "train_idx" not in state and isinstance(state["train_archs"], str)


def test_any_spelling_gives_the_same_model():
    """Strings, Archs and a non-canonical NB101 spelling are the same training set."""
    space = spaces.get("nb101")
    archs = space.sample(np.random.default_rng(2), 50)
    y = target(space, archs)
    a = predictors.create("xgb", space="nb101", n_estimators=20).fit(archs, y)
    b = predictors.create("xgb", space="nb101", n_estimators=20)
    b.fit([space.to_str(x) for x in archs], y)
    np.testing.assert_array_equal(a.predict(archs), b.predict(archs))
    # the README cell spelled with its two interior vertices swapped is the same cell
    m1 = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    cell = (m1, ["input", "conv3x3-bn-relu", "maxpool3x3", "output"])
    swapped = (m1, ["input", "maxpool3x3", "conv3x3-bn-relu", "output"])
    assert space.parse(cell) == space.parse(swapped)
    np.testing.assert_array_equal(a.predict([cell]), a.predict([swapped]))


def test_index_arrays_are_refused_on_an_open_space():
    p = predictors.create("ridge", space="darts")
    with pytest.raises(InvalidArchError, match="'darts' is open.*no index"):
        p.fit(np.arange(10), np.arange(10.0))


def test_unregistered_space_fits_but_is_not_saved(tmp_path):
    space = OpenProductSpace()
    archs = space.sample(np.random.default_rng(0), 20)
    p = predictors.create("ridge", space=space).fit(archs, target(space, archs))
    assert p.predict(archs[:3]).shape == (3,)
    with pytest.raises(NaslabError, match="'test-open' is not registered"):
        p.save(tmp_path / "m.pt")


@pytest.mark.parametrize("space_name", OPEN)
def test_learns_a_structured_target(space_name):
    """Fitted through the encodings, a model ranks unseen archs by a score that depends on them."""
    space = spaces.get(space_name)
    archs = space.sample(np.random.default_rng(3), 400)
    adj, x = space.graph_arrays(archs)  # op counts and edge count: what both models can see
    y = x.sum(axis=1) @ np.sin(np.arange(1, x.shape[2] + 1)) + 0.3 * adj.sum(axis=(1, 2))
    for name in ("xgb", "gin"):
        kw = {"epochs": 60} if name == "gin" else {}
        p = predictors.create(name, space=space_name, **kw).fit(archs[:300], y[:300])
        rho = spearman_rho(y[300:], p.predict(archs[300:]))
        assert rho > 0.4, (name, rho)  # chance: |rho| < 0.2 (100 held-out archs)
