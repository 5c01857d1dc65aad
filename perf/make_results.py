"""Assemble perf/RESULTS.md from the per-topic files in perf/results/ (each written by hand from
a perf script's output, command included). Headings are demoted one level so each topic is a
section; fenced code is copied unchanged. Run: `python perf/make_results.py`."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = (
    "foundation",
    "tables",
    "nbgraph",
    "searchers",
    "predictors",
    "zerocost",
    "report",
    "spaces",
    "learning_curves_new_spaces",
    "surrogates",
)
HEADER = """# Performance results

Every number here was produced by a script in `perf/`, with the command shown above its output.
Machines here are noisy (2 cores, at times shared with other jobs), so each script times a
baseline in the same run and reports the ratio. No timing is asserted in the test suite. This file
is assembled from `perf/results/*.md` by `python perf/make_results.py`.
"""


def demote(text: str) -> str:
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        out.append("#" + line if not fenced and line.startswith("#") else line)
    return "\n".join(out).strip() + "\n"


def main() -> None:
    files = {p.stem: p for p in (HERE / "results").glob("*.md")}
    names = [n for n in ORDER if n in files] + sorted(set(files) - set(ORDER))
    parts = [HEADER] + [demote(files[n].read_text()) for n in names]
    (HERE / "RESULTS.md").write_text("\n".join(parts))
    print(f"wrote {HERE / 'RESULTS.md'} from {len(names)} files: {', '.join(names)}")


if __name__ == "__main__":
    main()
