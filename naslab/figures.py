"""Figures for papers: one colour, marker and line style per searcher in every figure of every
study, axis labels from the metrics' own descriptions and units, and files in several formats.

Styles are keyed by searcher name, not by position in a study, so "re" has the same colour
whether a study compares two searchers or ten, and in a merged report. The built-in searchers
have fixed entries (`BUILTIN_ORDER`); any other name gets a style chosen by a stable hash of the
name (the same in every process and session, unlike Python's `hash`).

Figures are drawn on matplotlib's Agg canvas directly (no pyplot: no global figure state, no GUI
backend) and saved with fixed metadata, so the same data give byte-identical PDF and SVG files.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nas_core.errors import InvalidInputError

#: Formats figures can be written in; DEFAULT_FORMATS when none are asked for.
FIGURE_FORMATS = ("png", "pdf", "svg")
DEFAULT_FORMATS = ("png", "pdf")
DPI = 300

#: The built-in searchers, in the order their styles were assigned (append new ones at the end:
#: reordering would change every figure's colours).
BUILTIN_ORDER = (
    "rs",
    "re",
    "ls",
    "reinforce",
    "tpe",
    "bananas",
    "npenas",
    "gp_bo",
    "weaknas",
    "nsga2",
)

# Okabe-Ito (colour-blind safe) then the rest of tab10 for the next names.
_COLORS = (
    "#000000",  # rs: black, the baseline
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#D55E00",
    "#0072B2",
    "#CC79A7",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
_LINESTYLES = ("-", "--", "-.", ":")
# Extra colours for names outside BUILTIN_ORDER (tab20's lighter shades, distinct from the above).
_EXTRA_COLORS = (
    "#AEC7E8",
    "#FFBB78",
    "#98DF8A",
    "#FF9896",
    "#C5B0D5",
    "#C49C94",
    "#F7B6D2",
    "#DBDB8D",
    "#9EDAE5",
    "#393B79",
    "#637939",
    "#8C6D31",
    "#843C39",
    "#7B4173",
)


@dataclass(frozen=True)
class Style:
    """How one searcher is drawn."""

    color: str
    marker: str
    linestyle: str

    def kwargs(self) -> dict[str, str]:
        return {"color": self.color, "marker": self.marker, "linestyle": self.linestyle}


def style(name: str) -> Style:
    """The style of searcher `name`: fixed for built-ins, from a stable hash otherwise."""
    if name in BUILTIN_ORDER:
        i = BUILTIN_ORDER.index(name)
        ls = "--" if name == "rs" else _LINESTYLES[(i // len(_COLORS)) % len(_LINESTYLES)]
        return Style(_COLORS[i % len(_COLORS)], _MARKERS[i % len(_MARKERS)], ls)
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return Style(
        _EXTRA_COLORS[h % len(_EXTRA_COLORS)],
        _MARKERS[(h // len(_EXTRA_COLORS)) % len(_MARKERS)],
        _LINESTYLES[1 + (h // 1000) % (len(_LINESTYLES) - 1)],
    )


def palette(names: Iterable[str]) -> dict[str, str]:
    """name -> colour, for libraries that take a colour mapping."""
    return {n: style(n).color for n in names}


def check_formats(formats: Iterable[str] | str | None) -> tuple[str, ...]:
    """The figure formats asked for (a list or "png,pdf"), checked; None: DEFAULT_FORMATS."""
    if formats is None:
        return DEFAULT_FORMATS
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    out = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FIGURE_FORMATS]
    if bad or not out:
        raise InvalidInputError(
            f"unknown figure format {', '.join(map(repr, bad)) or '(none given)'}; valid: "
            f"{', '.join(FIGURE_FORMATS)}"
        )
    return out


def new_figure(figsize: tuple[float, float] = (6.4, 4.2)) -> tuple[Any, Any]:
    """(figure, axes) on the Agg canvas (pyplot is not needed to write files)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


_METADATA = {"pdf": {"CreationDate": None}, "svg": {"Date": None}, "png": {}}


def save(fig: Any, out: Path, stem: str, formats: Sequence[str] = DEFAULT_FORMATS) -> list[str]:
    """Write `fig` as out/stem.<format> for each format (PNG at DPI dots per inch); returns the
    file names written."""
    import matplotlib

    names = []
    with matplotlib.rc_context({"svg.hashsalt": "naslab"}):  # SVG element ids: not random
        for f in check_formats(formats):
            name = f"{stem}.{f}"
            fig.savefig(out / name, format=f, dpi=DPI, metadata=_METADATA[f], bbox_inches="tight")
            names.append(name)
    return names


def metric_label(name: str, description: str = "", unit: str = "", width: int = 60) -> str:
    """An axis label naming a metric by its description and unit, wrapped to `width` columns."""
    text = f"{name}: {description}" if description else name
    if unit:
        text += f" [{unit}]"
    return "\n".join(textwrap.wrap(text, width)) or name


def best_curve_label(
    report: str, search: str, description: str = "", unit: str = "", width: int = 60
) -> str:
    """The y label of a best-so-far curve: what the curve is (the report metric of the
    architecture that is best by the search metric, which can go DOWN when the two differ)."""
    what = (
        f"{report} of the best-by-{search} architecture"
        if report != search
        else f"best {report} found"
    )
    detail = f"{description} [{unit}]" if unit else description
    lines = textwrap.wrap(what, width) + (textwrap.wrap(f"({detail})", width) if detail else [])
    return "\n".join(lines)


def band_min_runs(runs: int) -> int:
    """How many runs must have a value where a confidence band is drawn: half of them, at least
    3 (all of them when there are fewer), at least 2."""
    return max(2, min(runs, max(3, math.ceil(runs / 2))))


def line_with_band(
    ax: Any,
    x: np.ndarray,
    mat: np.ndarray,
    name: str,
    label: str,
    confidence: float = 0.95,
    floor: float | None = None,
) -> dict[str, Any]:
    """Mean over the runs (rows of `mat`, NaN = no value yet) with a Student's t band; the band
    is drawn only where at least `band_min_runs(len(mat))` runs have a value (half of them, at
    least 3: one run has no spread, and a t band from the first 2 of many runs spikes with
    t(0.975, 1) = 12.7). `floor`: the band's lowest value (a log axis cannot draw a lower end at
    or below 0). Returns where the band was left out."""
    from scipy import stats

    n = np.sum(~np.isnan(mat), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(n > 0, np.nansum(np.nan_to_num(mat), axis=0), np.nan)
        mean = s / np.where(n > 0, n, 1)
        dev = np.where(np.isnan(mat), 0.0, mat - mean) ** 2
        sd = np.sqrt(dev.sum(axis=0) / np.maximum(n - 1, 1))
        tq = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        half = np.where(n >= 2, tq * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    st = style(name)
    markevery = max(1, len(x) // 8)
    ax.plot(
        x,
        mean,
        label=label,
        lw=1.5,
        color=st.color,
        linestyle=st.linestyle,
        marker=st.marker,
        ms=4,
        markevery=markevery,
    )
    ok = n >= band_min_runs(mat.shape[0])
    low = mean - half if floor is None else np.maximum(mean - half, floor)
    ax.fill_between(
        x, low, mean + half, where=ok, color=st.color, alpha=0.18, lw=0, interpolate=False
    )
    first = np.flatnonzero(ok)
    return {
        "points": int(len(x)),
        "no_band_points": int((~ok).sum()),
        "single_run_points": int((n == 1).sum()),
        "band_from": float(x[first[0]]) if len(first) else None,
    }


def staircase(ax: Any, front: np.ndarray, name: str, label: str, maximise: Sequence[bool]) -> None:
    """A 2-D attainment surface / Pareto front as a step line through its corner points (in the
    metrics' own units; `maximise` says which way each axis is better)."""
    if not len(front):
        return
    f = np.asarray(front, float)
    o = np.argsort(f[:, 0])
    f = f[o]
    st = style(name)
    # between two corners the boundary keeps the value of the corner that still attains there:
    # the right one when the first objective is maximised, the left one when it is minimised
    where = "pre" if maximise[0] else "post"
    ax.step(
        f[:, 0],
        f[:, 1],
        where=where,
        color=st.color,
        linestyle=st.linestyle,
        lw=1.3,
        marker=st.marker,  # markers at the corners only (step keeps the data as vertices)
        ms=4,
        label=label,
    )


def log_x(ax: Any) -> None:
    """A log x axis labelled with plain numbers at 1, 2 and 5 per decade (matplotlib's default
    labels minor ticks as 3x10^2 and lets them overlap on a short range)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def focus_limits(values: np.ndarray, maximise: bool) -> tuple[float, int] | None:
    """Where to cut an axis of a Pareto plot so isolated points at its bad end (e.g. the
    untrainable cells at 10% accuracy) do not squeeze the front into one edge: the bad-end limit
    and how many of `values` it leaves out, when the largest gap between consecutive values lies
    in the bad half and spans more than half their range; None otherwise (the axis is kept)."""
    v = np.unique(np.asarray(values, float)[np.isfinite(values)])
    if len(v) < 4:
        return None
    if not maximise:  # bad end first
        v = v[::-1]
    gaps = np.abs(np.diff(v))
    k = int(np.argmax(gaps))
    span = abs(v[-1] - v[0])
    if span <= 0 or gaps[k] <= 0.5 * span or k >= len(v) // 2:
        return None
    keep = v[k + 1 :]
    pad = 0.05 * abs(keep[-1] - keep[0]) or 0.05 * abs(keep[0]) or 1.0
    return (float(keep[0] - pad) if maximise else float(keep[0] + pad)), k + 1


def cd_diagram(
    ax: Any, ranks: dict[str, float], p_values: Any, alpha: float = 0.05
) -> dict[str, list]:
    """scikit-posthocs' critical-difference diagram: searchers on an average-rank axis, a bar
    joining those no Holm-corrected Wilcoxon test separates at `alpha`."""
    import scikit_posthocs as sp

    names = list(ranks)
    return sp.critical_difference_diagram(
        {n: float(ranks[n]) for n in names},
        p_values.loc[names, names],
        ax=ax,
        alpha=alpha,
        color_palette=palette(names),
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
    )


def legend(ax: Any, order: Sequence[str], **kw: Any) -> None:
    """A legend in the study's searcher order (entries whose label starts with a searcher
    name, then the rest, e.g. the optimum line)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return

    def key(item: tuple[Any, str]) -> tuple[int, int]:
        lab = item[1]
        for i, n in enumerate(order):
            if lab == n or lab.startswith(f"{n} "):
                return (0, i)
        return (1, 0)

    pairs = sorted(zip(handles, labels, strict=True), key=key)
    ax.legend([h for h, _ in pairs], [lab for _, lab in pairs], **{"fontsize": 8, **kw})


def log_floor(values: np.ndarray) -> float:
    """A positive floor for a log axis: half the smallest positive value (1e-12 if none)."""
    v = np.asarray(values, float)
    pos = v[np.isfinite(v) & (v > 0)]
    return float(pos.min() / 2) if len(pos) else 1e-12


__all__ = [
    "BUILTIN_ORDER",
    "DEFAULT_FORMATS",
    "DPI",
    "FIGURE_FORMATS",
    "Style",
    "best_curve_label",
    "cd_diagram",
    "check_formats",
    "legend",
    "line_with_band",
    "log_floor",
    "metric_label",
    "new_figure",
    "palette",
    "save",
    "staircase",
    "style",
]
