"""Is a surrogate's noise right? Calibration of the predictive distribution behind
`SurrogateBenchmark.query(..., seed=s)` (mean + std * z), as pure functions returning JSON-able
dicts, plus `markdown(report)` for `audit.md`.

Two questions, on architectures the surrogate never saw:

- `calibration(y_true, mean, std)` (any source): does N(mean, std) describe where the real value
  lies? Coverage of the truth by the central 68% / 95% intervals (with exact binomial CIs and a
  binomial test against the nominal level), mean |z| (sqrt(2/pi) = 0.798 when calibrated), RMS z
  (1 when calibrated; it is also the factor the stds would have to be multiplied by to maximise
  the normal likelihood), and the mean negative log-likelihood. A seed= draw is over-dispersed
  when the intervals cover more than they claim, under-dispersed when less. Architectures with
  std 0 have no z: they are counted (`n_zero_std`) and left out of the z statistics.
- `seed_spread(seed_values, mean, std, draws)` (a source with several training seeds per
  architecture): does the surrogate's spread match the real seed-to-seed spread, as NAS-Bench-301
  checked its noise model? The ratio of predictive std to the real per-arch std of the seed
  values (median per arch, and of the RMS), their Spearman/Pearson correlation over
  architectures, the coverage of every real seed value by the predictive 68% / 95% intervals,
  and a two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp) of |draw - draw| against
  |seed - seed| differences within an architecture (the same number of draws as the arch has
  seeds, so both samples weigh architectures alike). Differences within an arch cancel the
  model's mean error: the test asks about the spread alone.

Where the predictive std comes from matters for reading the numbers: a model fitted on seed means
(every naslab table's default column) has an epistemic spread (trees or members disagreeing), not
a model of training noise, so `seed_spread` tells a user how far the seed= draws are from
emulating a re-run, and `calibration` whether they bracket the truth.

`noise_report(surrogate, source, ...)` runs both on a source benchmark (the per-seed part only
where the source has per-seed columns; `available_seeds`), on every finite source architecture
outside the surrogate's training sample unless told which, and refuses training architectures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np

from nas_core.errors import InvalidInputError, NotInBenchmarkError

#: Central interval levels reported.
LEVELS: tuple[float, ...] = (0.68, 0.95)
#: Significance of the binomial test behind `dispersion`.
ALPHA = 0.05
#: E|z| of a standard normal.
MEAN_ABS_Z_CALIBRATED = math.sqrt(2.0 / math.pi)

CALIBRATION_FIELDS: dict[str, str] = {
    "n": "held-out architectures",
    "n_zero_std": "architectures with predictive std 0 (left out of the z statistics)",
    "coverage": "per level: share of truths inside mean +- z_level * std, with its exact "
    "binomial CI and the binomial-test p-value against the level",
    "mean_abs_z": "mean |truth - mean| / std (0.798 when calibrated)",
    "rms_z": "root mean square z (1 when calibrated; the std scale that maximises the likelihood)",
    "nll": "mean negative log-likelihood of the truths under N(mean, std)",
    "median_std": "median predictive std",
    "median_abs_error": "median |truth - mean|",
    "dispersion_per_level": "per level: 'under' (the interval covers less than it claims: seed= "
    "draws too narrow), 'over' (too wide) or 'consistent', by the binomial test at ALPHA",
    "dispersion": "the levels' common verdict, or 'mixed' where they differ (a heavy-tailed error: "
    "the 68% interval too wide while the 95% one is right or too narrow)",
}

SEED_SPREAD_FIELDS: dict[str, str] = {
    "n_archs": "held-out architectures with at least 2 real seed values",
    "n_values": "real seed values on them",
    "median_std_ratio": "median over archs of predictive std / real seed std (archs with real "
    "std > 0)",
    "rms_std_ratio": "sqrt(mean predictive variance / mean real seed variance)",
    "spearman_std": "Spearman correlation of predictive and real seed std over archs",
    "pearson_std": "Pearson correlation of predictive and real seed std over archs",
    "coverage": "per level: share of real seed values inside mean +- z_level * std",
    "ks": "two-sample KS test of |draw - draw| vs |seed - seed| within an arch: statistic, "
    "p-value, sample sizes, and which is wider (median ratio)",
}


def _z_level(level: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2.0))


def _arrays(*arrays: Any, names: Sequence[str]) -> list[np.ndarray]:
    out = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    n = out[0].size
    for a, name in zip(out, names, strict=True):
        if a.size != n:
            raise InvalidInputError(
                f"{names[0]} and {name} differ in length: {n} vs {a.size} architectures"
            )
        bad = int((~np.isfinite(a)).sum())
        if bad:
            raise InvalidInputError(
                f"{name} has {bad} NaN/inf value(s); drop those architectures first"
            )
    std = out[-1]
    if (std < 0).any():
        raise InvalidInputError(f"std has {int((std < 0).sum())} negative value(s)")
    return out


def _check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    out = tuple(float(x) for x in levels)
    if not out or not all(0 < x < 1 for x in out):
        raise InvalidInputError(f"levels must be coverage levels in (0, 1), got {list(levels)}")
    return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _coverage(inside: np.ndarray, level: float) -> dict[str, Any]:
    from scipy import stats

    n, k = int(inside.size), int(inside.sum())
    if n == 0:
        return {"level": level, "value": None, "lo": None, "hi": None, "p_value": None, "n": 0}
    test = stats.binomtest(k, n, level)
    ci = test.proportion_ci(confidence_level=0.95, method="exact")
    return {
        "level": level,
        "value": k / n,
        "lo": float(ci.low),
        "hi": float(ci.high),
        "p_value": float(test.pvalue),
        "n": n,
    }


def _level_key(level: float) -> str:
    return f"{round(level * 100, 4):g}"


def calibration(
    y_true: Sequence[float] | np.ndarray,
    mean: Sequence[float] | np.ndarray,
    std: Sequence[float] | np.ndarray,
    *,
    levels: Sequence[float] = LEVELS,
) -> dict[str, Any]:
    """Calibration of N(mean, std) against held-out truths (see the module docstring and
    `CALIBRATION_FIELDS`). `coverage` maps "68", "95" to {"level", "value", "lo", "hi",
    "p_value", "n"}; an undefined number is None."""
    from scipy import stats

    t, m, s = _arrays(y_true, mean, std, names=("y_true", "mean", "std"))
    lv = _check_levels(levels)
    if t.size < 3:
        raise InvalidInputError(f"calibration needs at least 3 architectures, got {t.size}")
    pos = s > 0
    err = t - m
    z = err[pos] / s[pos]
    cov = {_level_key(x): _coverage(np.abs(z) <= _z_level(x), x) for x in lv}
    nll = float(-stats.norm.logpdf(t[pos], loc=m[pos], scale=s[pos]).mean()) if pos.any() else None
    out: dict[str, Any] = {
        "n": int(t.size),
        "n_zero_std": int((~pos).sum()),
        "coverage": cov,
        "mean_abs_z": _finite_or_none(float(np.mean(np.abs(z)))) if z.size else None,
        "rms_z": _finite_or_none(float(np.sqrt(np.mean(z**2)))) if z.size else None,
        "nll": nll,
        "median_std": float(np.median(s)),
        "median_abs_error": float(np.median(np.abs(err))),
    }
    per_level = {k: _dispersion(c) for k, c in cov.items()}
    out["dispersion_per_level"] = per_level
    verdicts = set(per_level.values())
    out["dispersion"] = verdicts.pop() if len(verdicts) == 1 else "mixed"
    return out


def _dispersion(c: dict[str, Any]) -> str | None:
    """'under' / 'over' where the binomial test rejects the nominal coverage at `ALPHA`."""
    if c["value"] is None:
        return None
    if c["p_value"] >= ALPHA:
        return "consistent"
    return "under" if c["value"] < c["level"] else "over"


def seed_spread(
    seed_values: Any,
    mean: Sequence[float] | np.ndarray,
    std: Sequence[float] | np.ndarray,
    draws: Any,
    *,
    levels: Sequence[float] = LEVELS,
) -> dict[str, Any]:
    """The surrogate's spread against the real seed-to-seed spread (see the module docstring and
    `SEED_SPREAD_FIELDS`).

    Shapes: `seed_values` (n, k) real per-seed values, NaN where an arch lacks a seed (archs with
    fewer than 2 are left out); `mean`, `std` (n,) the surrogate's predictive distribution;
    `draws` (n, d) the surrogate's seed= draws for the same archs (d >= the most seeds any arch
    has). A std 0 arch contributes coverage by equality only."""
    from scipy import stats

    vals = np.asarray(seed_values, dtype=np.float64)
    if vals.ndim != 2:
        raise InvalidInputError(f"seed_values must be (n_archs, n_seeds), got shape {vals.shape}")
    m, s = _arrays(mean, std, names=("mean", "std"))
    if m.size != vals.shape[0]:
        raise InvalidInputError(f"seed_values has {vals.shape[0]} architectures, mean/std {m.size}")
    dr = np.asarray(draws, dtype=np.float64)
    if dr.ndim != 2 or dr.shape[0] != m.size or not np.isfinite(dr).all():
        raise InvalidInputError(
            f"draws must be a finite (n_archs, n_draws) = ({m.size}, d) array, got shape {dr.shape}"
        )
    lv = _check_levels(levels)
    counts = np.isfinite(vals).sum(axis=1)
    keep = counts >= 2
    if not keep.any():
        raise InvalidInputError(
            "no architecture has 2 or more real seed values: there is no seed spread to compare"
        )
    if dr.shape[1] < counts.max():
        raise InvalidInputError(
            f"draws has {dr.shape[1]} draws per arch; need at least {int(counts.max())} (the most "
            "seeds any arch has)"
        )
    real_std, seed_diffs, draw_diffs, inside = [], [], [], {x: [] for x in lv}
    for i in np.flatnonzero(keep):
        v = vals[i][np.isfinite(vals[i])]
        real_std.append(float(np.std(v, ddof=1)))
        seed_diffs.extend(abs(a - b) for a, b in combinations(v, 2))
        draw_diffs.extend(abs(a - b) for a, b in combinations(dr[i, : v.size], 2))
        for x in lv:
            inside[x].extend(np.abs(v - m[i]) <= _z_level(x) * s[i])
    rs, ps = np.asarray(real_std), s[keep]
    pos = rs > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        import warnings

        with warnings.catch_warnings():  # a constant std column: SciPy warns, the answer is NaN
            warnings.simplefilter("ignore")
            rho = float(stats.spearmanr(ps, rs).statistic) if keep.sum() >= 3 else math.nan
            r = float(stats.pearsonr(ps, rs).statistic) if keep.sum() >= 3 else math.nan
    ks = stats.ks_2samp(draw_diffs, seed_diffs)
    med_seed, med_draw = float(np.median(seed_diffs)), float(np.median(draw_diffs))
    return {
        "n_archs": int(keep.sum()),
        "n_values": int(counts[keep].sum()),
        "median_real_std": float(np.median(rs)),
        "median_pred_std": float(np.median(ps)),
        "median_std_ratio": float(np.median(ps[pos] / rs[pos])) if pos.any() else None,
        "rms_std_ratio": _finite_or_none(float(np.sqrt(np.mean(ps**2) / np.mean(rs**2))))
        if np.mean(rs**2) > 0
        else None,
        "spearman_std": _finite_or_none(rho),
        "pearson_std": _finite_or_none(r),
        "coverage": {_level_key(x): _coverage(np.asarray(inside[x]), x) for x in lv},
        "ks": {
            "statistic": float(ks.statistic),
            "p_value": float(ks.pvalue),
            "n_draw_diffs": len(draw_diffs),
            "n_seed_diffs": len(seed_diffs),
            "median_draw_diff": med_draw,
            "median_seed_diff": med_seed,
            "median_diff_ratio": med_draw / med_seed if med_seed > 0 else None,
        },
    }


# ----------------------------------------------------------------------------------------------
# on benchmarks


def available_seeds(source: Any, metric: str, dataset: str | None = None) -> list[int]:
    """The seeds `source` holds separate values of `metric` for (`query(..., seed=s)`): read from
    a table's column keys (dataset, metric, epoch, seed); [] for a benchmark without a table
    (only the mean)."""
    d = source._dataset(dataset)
    source.metric_info(metric, d)  # UnknownNameError naming the valid ones
    columns = getattr(getattr(source, "store", None), "columns", None) or []
    return sorted({int(c[3]) for c in columns if c[:2] == (d, metric) and c[3] is not None})


def seed_values(
    source: Any, archs: Sequence[Any], metric: str, dataset: str | None, seeds: Sequence[int]
) -> np.ndarray:
    """(n, len(seeds)) real per-seed values, NaN where the source lacks one."""
    out = np.full((len(archs), len(seeds)), np.nan)
    for j, sd in enumerate(seeds):
        try:
            out[:, j] = source.query(list(archs), metric, dataset, seed=int(sd))
        except NotInBenchmarkError:  # a sparse seed column: one by one
            for i, a in enumerate(archs):
                try:
                    out[i, j] = source.query(a, metric, dataset, seed=int(sd))
                except NotInBenchmarkError:
                    continue
    return out


def surrogate_draws(surrogate: Any, archs: Sequence[Any], metric: str, d: str, n: int) -> Any:
    """(len(archs), n) seed= draws of the surrogate (seeds 0..n-1): the values a study sees."""
    return np.stack(
        [np.asarray(surrogate.query(list(archs), metric, d, seed=s), np.float64) for s in range(n)],
        axis=1,
    )


def noise_report(
    surrogate: Any,
    source: Any,
    metric: str,
    dataset: str | None = None,
    *,
    archs: Sequence[Any] | None = None,
    seeds: Sequence[int] | None = None,
    levels: Sequence[float] = LEVELS,
) -> dict[str, Any]:
    """Both checks of `surrogate`'s `metric` against the real `source` (a finite benchmark) on
    `archs` (default: every source architecture holding a finite mean value that is not in the
    surrogate's training sample). `seeds`: the source's per-seed columns to compare with
    (default: `available_seeds`); without any, `seed_spread` is None and `seed_spread_note` says
    why. Training architectures are refused: a calibration on them says nothing."""
    from nas_core.regressor import has_uncertainty

    d = surrogate._dataset(dataset)
    source.metric_info(metric, d)
    model = surrogate.model(metric, d)
    if not has_uncertainty(model):
        raise InvalidInputError(
            f"the {type(model).__name__} model of {metric!r} has no predictive distribution "
            "(seed= draws are refused), so there is no noise to calibrate"
        )
    sp = surrogate.space
    train = set(surrogate.train_archs)
    if archs is None:
        pool = source.archs(d)
        y = np.asarray(source.query(pool, metric, d), dtype=np.float64)
        chosen = [a for a, v in zip(pool, y, strict=True) if np.isfinite(v)]
        test = [a for a in chosen if sp.to_str(a) not in train]
    else:
        test = [sp.parse(a) for a in archs]
        seen = [sp.to_str(a) for a in test if sp.to_str(a) in train]
        if seen:
            raise InvalidInputError(
                f"{len(seen)} of the architectures are in the surrogate's training sample (e.g. "
                f"{seen[0]}); calibrate on held-out architectures only"
            )
    if len(test) < 3:
        raise InvalidInputError(f"need at least 3 held-out architectures, got {len(test)}")
    y_true = np.asarray(source.query(test, metric, d), dtype=np.float64)
    # the distribution seed= draws from: the model's std times the surrogate's noise scale
    dist = getattr(surrogate, "predict_dist", None)
    mean, std = dist(test, metric, d) if callable(dist) else model.predict_dist(test)
    report: dict[str, Any] = {
        "metric": metric,
        "dataset": d,
        "model_class": type(model).__name__,
        "n_test": len(test),
        "calibration": calibration(y_true, mean, std, levels=levels),
        "seed_spread": None,
        "seed_spread_note": "",
    }
    use = list(available_seeds(source, metric, d) if seeds is None else seeds)
    if len(use) < 2:
        report["seed_spread_note"] = (
            f"{source.name!r} holds {'one per-seed column' if use else 'no per-seed values'} of "
            f"{metric!r} on {d!r} (only the mean over seeds), so the noise cannot be compared with "
            "the real seed-to-seed spread"
        )
        return report
    vals = seed_values(source, test, metric, d, use)
    if (np.isfinite(vals).sum(axis=1) >= 2).sum() == 0:
        report["seed_spread_note"] = (
            f"no held-out architecture has 2 or more of seeds {use} of {metric!r} on {d!r}"
        )
        return report
    draws = surrogate_draws(surrogate, test, metric, d, len(use))
    report["seeds"] = [int(x) for x in use]
    report["seed_spread"] = seed_spread(vals, mean, std, draws, levels=levels)
    return report


# ----------------------------------------------------------------------------------------------
# markdown


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        if x != 0 and (abs(x) < 10 ** (-digits) or abs(x) >= 1e5):
            return f"{x:.2e}"
        return f"{x:.{digits}f}"
    return str(x)


def _cov_cell(c: dict[str, Any]) -> str:
    if c["value"] is None:
        return "n/a"
    p = "p<1e-300" if c["p_value"] == 0 else f"p={_fmt(c['p_value'])}"  # underflow
    return f"{c['value']:.3f} [{c['lo']:.3f}, {c['hi']:.3f}] ({p})"


def markdown(report: dict[str, Any] | Sequence[dict[str, Any]], heading: str = "##") -> str:
    """A markdown section (`heading` "Noise calibration") for one `noise_report` or several (one
    row per report, e.g. per model)."""
    reports = [report] if isinstance(report, dict) else list(report)
    if not reports:
        raise InvalidInputError("markdown needs at least one noise report")
    keys = list(reports[0]["calibration"]["coverage"])
    lines = [
        f"{heading} Noise calibration",
        "",
        "`query(..., seed=s)` draws mean + std * z from each model's predictive distribution. "
        "On held-out architectures: does N(mean, std) cover the real value as often as it claims "
        "(coverage with exact 95% CI and binomial p-value; calibrated: mean |z| 0.798, RMS z "
        "1)? 'under' = the draws are too narrow, 'over' = too wide.",
        "",
        "| model | metric | n | "
        + " | ".join(f"coverage {k}%" for k in keys)
        + " | mean abs z | RMS z | NLL | median std | median abs error | dispersion |",
        "|---|---|---:|" + "---|" * len(keys) + "---:|---:|---:|---:|---:|---|",
    ]
    for r in reports:
        c = r["calibration"]
        zero = f" ({c['n_zero_std']} with std 0)" if c["n_zero_std"] else ""
        lines.append(
            f"| {r['model_class']} | {r['dataset']}/{r['metric']} | {c['n']}{zero} | "
            + " | ".join(_cov_cell(c["coverage"][k]) for k in keys)
            + f" | {_fmt(c['mean_abs_z'])} | {_fmt(c['rms_z'])} | {_fmt(c['nll'])} | "
            f"{_fmt(c['median_std'])} | {_fmt(c['median_abs_error'])} | {c['dispersion']} |"
        )
    spread = [r for r in reports if r.get("seed_spread")]
    notes = sorted({r["seed_spread_note"] for r in reports if r.get("seed_spread_note")})
    lines += ["", f"{heading}# Against the real seed-to-seed spread", ""]
    if spread:
        lines += [
            "Predictive std vs the std of the real per-seed values; coverage of every real seed "
            "value; KS test of |draw - draw| vs |seed - seed| within an architecture (NAS-Bench-"
            "301's check of its noise model).",
            "",
            "| model | archs (values) | median std ratio | RMS std ratio | Spearman (std) | "
            + " | ".join(f"coverage {k}%" for k in keys)
            + " | KS statistic | KS p | median diff draws / seeds |",
            "|---|---:|---:|---:|---:|" + "---|" * len(keys) + "---:|---:|---:|",
        ]
        for r in spread:
            s = r["seed_spread"]
            lines.append(
                f"| {r['model_class']} | {s['n_archs']} ({s['n_values']}) | "
                f"{_fmt(s['median_std_ratio'])} | {_fmt(s['rms_std_ratio'])} | "
                f"{_fmt(s['spearman_std'])} | "
                + " | ".join(_cov_cell(s["coverage"][k]) for k in keys)
                + f" | {_fmt(s['ks']['statistic'])} | {_fmt(s['ks']['p_value'])} | "
                f"{_fmt(s['ks']['median_diff_ratio'])} |"
            )
    for note in notes:
        lines.append(f"Not measured: {note}.")
    return "\n".join(lines) + "\n"
