"""NAS-Bench-x11's guideline: do not benchmark a searcher on a surrogate built from its own model
class. A predictor-guided searcher (BANANAS, NPENAS, GP-BO, WeakNAS) run on a surrogate of the
same kind of model finds the surrogate's own biases easy to exploit, so its results there look
better than they would on real training (Yan et al., NeurIPS 2021, section 5).

`own_model_warnings(config, bench)` gives one line per searcher of a study that fits a predictor
of the same model class as one of the surrogate models it is searched on; `naslab compare`
emits each as an `OwnModelWarning` and its report carries them (`summary.json` "warnings",
report.md). What counts as the same class: the registered predictors in each class's
inheritance (BANANAS' predictor is an MLP ensemble: it shares `mlp` with an MLP surrogate; a
tuned XGBoost shares `xgb`); an `ensemble` (either side) counts as its members' class, and
`cell_gbt`, an ensemble of XGBoost and LightGBM models, as `cell_gbt` and its members' classes
(`xgb`, `lgb`). A model that is not a registered predictor is known by its class name only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nas_core.errors import NaslabError

if TYPE_CHECKING:
    from benchmarks.base import Benchmark
    from naslab.compare import StudyConfig


class OwnModelWarning(UserWarning):
    """A searcher is benchmarked on a surrogate built from its own model class."""


def _family_of_class(cls: type) -> set[str]:
    """Registered predictor names among `cls` and its bases (the class name where none is)."""
    import predictors
    from predictors.base import Predictor

    names = set()
    known = set(predictors.list())
    for c in cls.__mro__:
        name = getattr(c, "name", "") if isinstance(c, type) and issubclass(c, Predictor) else ""
        if name and name in known and predictors.get_class(name) is c:
            names.add(name)
    return names or {cls.__name__}


#: Registered predictors that are ensembles of other registered ones: name -> member classes.
_MEMBER_CLASSES = {"cell_gbt": ("xgb", "lgb")}


def predictor_family(name: str) -> set[str]:
    """The model family of registered predictor `name` (see the module docstring)."""
    import predictors

    fam = _family_of_class(predictors.get_class(name))
    for member in _MEMBER_CLASSES.get(name, ()):
        fam |= predictor_family(member)
    return fam


def model_family(model: Any) -> set[str]:
    """The model family of a fitted surrogate model (an ensemble: its members'; cell_gbt: its
    own and its members')."""
    import predictors
    from predictors.cellgbt import CellGBTPredictor
    from predictors.ensemble import EnsemblePredictor

    if isinstance(model, CellGBTPredictor):
        members = getattr(model, "members_", None)
        if not members:  # unfitted: the member classes it will have
            members = model._new_members()
        return _family_of_class(type(model)).union(*(model_family(m) for m in members))
    if isinstance(model, EnsemblePredictor):
        members = getattr(model, "members_", None)
        if members:
            return set().union(*(model_family(m) for m in members))
        return predictor_family(str(model.base or predictors.params_of("ensemble")["base"].default))
    return _family_of_class(type(model))


def _surrogate_models(bench: Benchmark, metrics: list[str], dataset: str) -> list[tuple[str, Any]]:
    """(metric, fitted model) of each of `metrics` a surrogate benchmark answers with a model."""
    if not getattr(bench, "is_surrogate", False) or not callable(getattr(bench, "model", None)):
        return []
    out = []
    for m in dict.fromkeys(metrics):
        try:
            out.append((m, bench.model(m, dataset)))  # type: ignore[attr-defined]
        except (NaslabError, KeyError):
            continue
    return out


def own_model_warnings(config: StudyConfig, bench: Benchmark) -> list[str]:
    """One line per searcher of the resolved study `config` that fits a predictor of the same
    model class as the surrogate model answering what it searches on `bench` (its search metric
    and objectives); [] on a benchmark that is not a surrogate."""
    import searchers
    from naslab.study_run import make_searcher

    models = _surrogate_models(
        bench, [m for m in (config.metric, *config.objectives) if m], str(config.dataset)
    )
    if not models:
        return []
    fams = [(m, model, model_family(model)) for m, model in models]
    lines = []
    for s in config.searchers:
        try:
            cls = searchers.get(s)
            params = dict(config.params.get(s, {}))
            if not cls.guide_predictors and "predictor" not in searchers.params_of(s):
                continue
            guides = make_searcher(
                s, bench.space, 0, params, len(config.objectives)
            ).guiding_predictors()
        except (NaslabError, TypeError, ValueError):  # a report of a searcher gone or changed
            continue
        for g in guides:
            try:
                mine = predictor_family(g)
            except NaslabError:
                continue
            for m, model, fam in fams:
                shared = sorted(mine & fam)
                if shared:
                    lines.append(
                        f"searcher {s!r} is guided by a {g!r} predictor and surrogate "
                        f"{bench.name!r} answers {m!r} with model class {type(model).__name__} "
                        f"(both are {'/'.join(shared)} models): NAS-Bench-x11 advises against "
                        "benchmarking a searcher on a surrogate of its own model class (the "
                        "surrogate's errors are the kind its predictor makes, so its results "
                        "there are likely optimistic)"
                    )
                    break
            else:
                continue
            break
    return lines


__all__ = ["OwnModelWarning", "model_family", "own_model_warnings", "predictor_family"]
