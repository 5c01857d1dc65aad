"""How far the two TransNAS-Bench-101-micro sources agree: `all_benchmarks_zen.zip` (the
`tnb101-micro` benchmark, all 4,096 cells) and NAS-Bench-Suite-Zero's `zc_transbench101_micro.json`
(711 cells per task). naslab keeps them apart; this prints, per task, on the cells both hold:

- Spearman's rank correlation of `val_accuracy`;
- how many values are identical (exactly, as the float64 numbers in the two JSON texts, and
  within 1e-6), and the sign of the differences (json - zip);
- the same for `zen` where the Suite-Zero file has a zen score (it has none: its proxies are
  flops, params, grad_norm, grasp, fisher, jacov, snip, plain, l2_norm, nwot, epe_nas).

The zip is read through naslab's loader for the cell mapping and through `json` for the values
(naslab's table is float32; the exact comparison uses the files' own numbers).

    python perf/check_tnb101_agreement.py [--zip PATH] [--json PATH] [--markdown]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from benchmarks import tnb101
from nas_core import spaces

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "naslib-zc"


def agreement(zip_path: Path, json_path: Path) -> list[dict]:
    """One row per task (and metric both files hold)."""
    space = spaces.get("tnb101-micro")
    zipped = tnb101.read_archive(zip_path)  # task -> {space index: (i, idx, val, zen, zen_time)}
    suite = json.loads(json_path.read_text())
    rows = []
    for task in tnb101.TASKS:
        recs = suite.get(task, {})
        keys = list(recs)
        cells = [space.index(space.parse(k)) for k in keys]
        for metric, col in (("val_accuracy", 2), ("zen", 3)):
            if not keys or metric not in recs[keys[0]]:
                rows.append({"task": task, "metric": metric, "shared": 0})
                continue
            a = np.array([_value(recs[k][metric]) for k in keys], dtype=np.float64)
            b = np.array([zipped[task][i][col] for i in cells], dtype=np.float64)
            d = a - b
            rows.append(
                {
                    "task": task,
                    "metric": metric,
                    "shared": len(keys),
                    "spearman": float(spearmanr(a, b).statistic),
                    "identical": int((d == 0).sum()),
                    "within_1e-6": int((np.abs(d) <= 1e-6).sum()),
                    "json_above": int((d > 0).sum()),
                    "json_below": int((d < 0).sum()),
                    "max_abs_diff": float(np.abs(d).max()),
                }
            )
    return rows


def _value(v: object) -> float:
    return float(v["score"]) if isinstance(v, dict) else float(v)  # type: ignore[index,arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zip", type=Path, default=DATA / "all_benchmarks_zen.zip")
    ap.add_argument("--json", type=Path, default=DATA / "zc_transbench101_micro.json")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    rows = agreement(args.zip, args.json)
    head = ("task", "metric", "shared", "Spearman", "identical", "within 1e-6", "json > zip",
            "json < zip", "max |diff|")  # fmt: skip
    lines = []
    absent = sorted({r["metric"] for r in rows if not r["shared"]})
    for r in rows:
        if not r["shared"]:
            continue
        n = r["shared"]
        lines.append(
            (
                r["task"],
                r["metric"],
                str(n),
                f"{r['spearman']:.4f}",
                f"{r['identical']} ({r['identical'] / n:.1%})",
                f"{r['within_1e-6']} ({r['within_1e-6'] / n:.1%})",
                str(r["json_above"]),
                str(r["json_below"]),
                f"{r['max_abs_diff']:.4g}",
            )
        )
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *lines, strict=True)]
        for line in (head, *lines):
            print("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)))
    for metric in absent:
        tasks = [r["task"] for r in rows if r["metric"] == metric and not r["shared"]]
        print(f"\n{metric}: not in {args.json.name} ({len(tasks)} of {len(tnb101.TASKS)} tasks)")


if __name__ == "__main__":
    main()
