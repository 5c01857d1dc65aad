"""Re-export of the search loop, which lives in `searchers.loop` (the unit of work of searchers,
usable without the CLI). Kept so `from naslab.runner import run_search` keeps working."""

from __future__ import annotations

from searchers.loop import Trajectory, check_budget, run_search

__all__ = ["Trajectory", "check_budget", "run_search"]
