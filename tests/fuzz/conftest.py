"""Shared pieces of the fuzz suite: hypothesis settings sized so the whole suite runs in well under
a minute, and the one property every test asserts (only naslab's own errors, never a traceback)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings

from nas_core.errors import NaslabError

#: NASLAB_FUZZ_SCALE=10 runs ten times the examples (a deeper hunt; the default keeps the suite
#: well under a minute).
_SCALE = float(os.environ.get("NASLAB_FUZZ_SCALE", "1"))
#: The default run is derandomized (the same examples every time), so the README's test command
#: passes or fails the same way on every machine; a deeper hunt (NASLAB_FUZZ_SCALE > 1, or
#: NASLAB_FUZZ_RANDOM=1) draws new examples each run.
_RANDOM = _SCALE > 1 or bool(os.environ.get("NASLAB_FUZZ_RANDOM"))
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
    "database": None,
    "derandomize": not _RANDOM,
}
#: Pure parsers: cheap, so many examples.
PARSER = settings(max_examples=int(100 * _SCALE), **_COMMON)
#: Whole CLI commands: each example may import, load a benchmark or run a tiny study.
COMMAND = settings(max_examples=int(30 * _SCALE), **_COMMON)


def naslab_only(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """Call `fn`; an error it raises must be a NaslabError (one clear line for the user), never
    an untyped TypeError/ValueError/KeyError from deep inside. Returns (result, error)."""
    try:
        return fn(*args, **kwargs), None
    except NaslabError as e:
        assert str(e).strip(), f"{type(e).__name__} with an empty message"
        return None, e
