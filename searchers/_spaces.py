"""What categorical searchers (REINFORCE, TPE, NSGA-II) need from a space beyond the protocol.

They see an architecture as one categorical choice per position of `Arch.ops`, so they need each
position's number of choices. The SearchSpace protocol has no such method yet, so `choices(space)`
duck-types: a space's own `choices()` if it has one; the two known spaces (nb201: 6 edges x 5
ops; nbgraph: link pattern 0..8 then 4 ops 0..8); otherwise it is derived from `sample` and
`neighbours` (the largest id seen at each position, + 1), which is exact for product spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError
from nas_core.spaces.base import SearchSpace

_KNOWN: dict[str, tuple[int, ...]] = {"nb201": (5,) * 6, "nbgraph": (9,) * 5}


@cache
def _derived(space: SearchSpace) -> tuple[int, ...]:
    rng = np.random.default_rng(0)
    seen = np.array([a.ops for a in space.sample(rng, 512)], dtype=np.int64)
    for a in space.sample(rng, 8):
        nb = space.neighbours(a)
        if nb:
            seen = np.vstack([seen, np.array([b.ops for b in nb], dtype=np.int64)])
    return tuple(int(m) + 1 for m in seen.max(axis=0))


def choices(space: SearchSpace) -> tuple[int, ...]:
    """Number of choices at each position of `Arch.ops` (see module docstring)."""
    own = getattr(space, "choices", None)
    if callable(own):
        return tuple(int(c) for c in own())
    if space.name in _KNOWN:
        return _KNOWN[space.name]
    return _derived(space)


def try_choices(space: SearchSpace, ops: Sequence[int]) -> Arch | None:
    """`from_choices`, or None where the combination is not in the space (e.g. nbgraph's
    all-skip network): categorical searchers then draw again instead of failing the run."""
    try:
        return from_choices(space, ops)
    except InvalidArchError:
        return None


def from_choices(space: SearchSpace, ops: Sequence[int]) -> Arch:
    """The architecture with these per-position choices (parsed, so the space may canonicalise).

    Raises InvalidArchError when the combination is not a member of the space.
    """
    arch = space.parse(tuple(int(o) for o in ops))
    if not isinstance(arch, Arch):  # a space must return its own Arch
        raise InvalidArchError(f"space {space.name!r} did not return an Arch for {tuple(ops)}")
    return arch
