"""`Arch`: the small immutable value every layer passes around.

A NamedTuple (space name + tuple of ints) rather than a dataclass: creating and hashing one costs
about as much as a plain tuple, so a search over 10^5 architectures is not dominated by object
overhead. What the ints mean is up to the space (for nb201: NASLib op ids per edge).
"""

from __future__ import annotations

from typing import NamedTuple


class Arch(NamedTuple):
    space: str
    ops: tuple[int, ...]

    def __repr__(self) -> str:
        return f"Arch({self.space!r}, {self.ops})"
