"""Numbers and tables for reports: a precision chosen from the spread of what is shown, and one
table rendered as plain text, Markdown, LaTeX (booktabs) or CSV.

A fixed "%.3f" hides a difference of 1e-4 between searchers (NAS-Bench-Graph's metric varies in
the fourth decimal) and pads a latency in milliseconds with noise digits; `format_number` shows a
value to the decimal at which its uncertainty has two significant digits instead.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

from nas_core.errors import InvalidInputError

FORMATS = ("text", "markdown", "latex", "csv")

MISSING = "-"
MAX_DECIMALS = 12


def _finite(x: object) -> bool:
    try:
        return math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def decimals_for(spread: float | None, value: float | None = None, sig: int = 2) -> int:
    """Decimal places that show `spread` (a std, CI half-width or range) to `sig` significant
    digits; with no usable spread (None, 0, nan), those that show `value` to 4 significant
    digits. Never negative: integers keep their units digit."""
    if _finite(spread) and float(spread) != 0.0:  # type: ignore[arg-type]
        mag = math.floor(math.log10(abs(float(spread))))  # type: ignore[arg-type]
        return int(min(MAX_DECIMALS, max(0, sig - 1 - mag)))
    if _finite(value) and float(value) != 0.0:  # type: ignore[arg-type]
        mag = math.floor(math.log10(abs(float(value))))  # type: ignore[arg-type]
        return int(min(MAX_DECIMALS, max(0, 3 - mag)))
    return 0


def format_number(
    x: float | None, spread: float | None = None, sig: int = 2, decimals: int | None = None
) -> str:
    """`x` rounded to the precision its `spread` warrants (see `decimals_for`); `decimals` forces
    a number of places (to align a column). Missing or non-finite values print as "-" or as
    "inf"/"-inf"."""
    if x is None:
        return MISSING
    xf = float(x)
    if math.isnan(xf):
        return MISSING
    if math.isinf(xf):
        return "inf" if xf > 0 else "-inf"
    d = decimals_for(spread, xf, sig) if decimals is None else decimals
    s = f"{xf:.{d}f}"
    return "0" + s[2:] if s.startswith("-0") and float(s) == 0.0 else s


def format_mean_ci(
    mean: float | None,
    lo: float | None,
    hi: float | None,
    sig: int = 2,
    decimals: int | None = None,
) -> str:
    """ "mean ± half" for a symmetric interval, "mean [lo, hi]" otherwise (bootstrap), all with the
    precision of the interval's half-width. A missing interval (one run) prints the mean alone."""
    if mean is None or not _finite(mean):
        return format_number(mean)
    if not (_finite(lo) and _finite(hi)):
        return format_number(mean, None, sig, decimals)
    m, a, b = float(mean), float(lo), float(hi)  # type: ignore[arg-type]
    half = max(b - m, m - a, (b - a) / 2)
    d = decimals_for(half, m, sig) if decimals is None else decimals
    if math.isclose(b - m, m - a, rel_tol=1e-6, abs_tol=1e-12):
        return f"{format_number(m, decimals=d)} ± {format_number(half, decimals=d)}"
    return f"{format_number(m, decimals=d)} [{format_number(a, decimals=d)}, {format_number(b, decimals=d)}]"


def format_p(p: float | None) -> str:
    """A p-value: two significant digits, "<0.001" below that (no test resolves finer here)."""
    if p is None or not _finite(p):
        return MISSING
    p = float(p)
    if p < 0.001:
        return "<0.001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def best_cells(
    values: Sequence[Sequence[float | None]], higher_is_better: Sequence[bool | None]
) -> set[tuple[int, int]]:
    """(row, column) of the best finite value in each column whose direction is known (None: a
    column with no best, e.g. a count); ties are all best."""
    cells: set[tuple[int, int]] = set()
    for j, hib in enumerate(higher_is_better):
        if hib is None:
            continue
        col = [(i, float(r[j])) for i, r in enumerate(values) if j < len(r) and _finite(r[j])]
        if not col:
            continue
        target = max(v for _, v in col) if hib else min(v for _, v in col)
        cells |= {(i, j) for i, v in col if v == target}
    return cells


_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "–": "--",
    "—": "---",
}


def latex_escape(text: str) -> str:
    """`text` safe inside a LaTeX tabular cell (special characters and ± escaped)."""
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def _numeric(cell: str) -> bool:
    head = cell.strip().split(" ")[0].lstrip("<")
    try:
        float(head)
        return True
    except ValueError:
        return cell.strip() == MISSING


def _check(head: Sequence[str], rows: Sequence[Sequence[str]], fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown table format {fmt!r}; valid: {', '.join(FORMATS)}")
    for i, r in enumerate(rows):
        if len(r) != len(head):
            raise InvalidInputError(
                f"table row {i} has {len(r)} cells but the header has {len(head)}"
            )


def render_table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    fmt: str,
    bold: Iterable[tuple[int, int]] = (),
    caption: str | None = None,
    note: str | None = None,
) -> str:
    """One table (header + rows of already formatted strings) as `fmt` in FORMATS. `bold`: (row,
    column) cells to emphasise (Markdown **x**, LaTeX \\textbf{x}; ignored by text and csv).
    LaTeX uses booktabs rules and right-aligns numeric columns; `caption` is a LaTeX comment line
    (a caption belongs to the float around the tabular, which the paper owns). `note` (e.g. how
    the intervals were computed) follows the table: a small-print paragraph after the LaTeX
    tabular, a line after the Markdown and text tables; CSV has no place for it and leaves it out."""
    _check(head, rows, fmt)
    head = [str(h) for h in head]
    rows = [[str(c) for c in r] for r in rows]
    bold = set(bold)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(head)
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":

        def md(i: int, j: int, c: str) -> str:
            c = c.replace("|", r"\|")
            return f"**{c}**" if (i, j) in bold and c != MISSING else c

        align = [
            "---:" if rows and all(_numeric(r[j]) for r in rows) and j else "---"
            for j in range(len(head))
        ]
        lines = ["| " + " | ".join(h.replace("|", r"\|") for h in head) + " |"]
        lines.append("| " + " | ".join(align) + " |")
        lines += [
            "| " + " | ".join(md(i, j, c) for j, c in enumerate(r)) + " |"
            for i, r in enumerate(rows)
        ]
        if note:
            lines += ["", note]
        return "\n".join(lines) + "\n"
    if fmt == "latex":
        spec = "".join(
            "r" if j and rows and all(_numeric(r[j]) for r in rows) else "l"
            for j in range(len(head))
        )

        def tex(i: int, j: int, c: str) -> str:
            e = latex_escape(c)
            return f"\\textbf{{{e}}}" if (i, j) in bold and c != MISSING else e

        lines = [f"% {caption}"] if caption else []
        lines += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
        lines.append(" & ".join(latex_escape(h) for h in head) + r" \\")
        lines.append("\\midrule")
        lines += [
            " & ".join(tex(i, j, c) for j, c in enumerate(r)) + r" \\" for i, r in enumerate(rows)
        ]
        lines += ["\\bottomrule", "\\end{tabular}"]
        if note:  # a paragraph under the tabular wraps to the float's width; a row would not
            lines.append(f"\\par{{\\footnotesize {latex_escape(note)}}}")
        return "\n".join(lines) + "\n"
    # text: columns padded to their widest cell, numeric ones right-aligned
    widths = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(head)]
    right = [bool(j and rows and all(_numeric(r[j]) for r in rows)) for j in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ).rstrip()

    out = [line(head), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    if note:
        out.append(note)
    return "\n".join(out) + "\n"
