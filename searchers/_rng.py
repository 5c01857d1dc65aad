"""`BufferedIntegers`: NumPy's `Generator.integers`, bit for bit, without NumPy's per-call cost.

A searcher's step draws a handful of small integers (a tournament, an edge, an op); each
`Generator.integers` call costs ~1-3 us of argument handling, several times the rest of a
regularized-evolution step. This wrapper reads the bit generator's raw 64-bit words in blocks
and applies the algorithm NumPy uses for an int64 draw whose range fits in 32 bits (Lemire's
bounded integers on the generator's 32-bit stream, `random_bounded_uint64_fill` in NumPy's
`distributions.c`), so it returns exactly the numbers the wrapped generator would have returned,
in the same order, and the same seed keeps giving the same search.

Anything else (another method, a range beyond 32 bits, a non-int64 dtype) goes to the wrapped
generator after rewinding it to the position the wrapper has reached, so mixing the two is
exact too. The wrapped generator itself runs up to one block ahead while the wrapper is in
use: use one or the other for a stream, or call `sync()` before touching the generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BLOCK = 256
_M32 = 0xFFFFFFFF


class BufferedIntegers:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._bg = rng.bit_generator
        # the generator's 32-bit stream, in order: a pending half (if the generator held one),
        # then each raw 64-bit word's low and high halves (PCG64's `next_uint32` order)
        self._u: list[int] = []
        self._j = self._n = 0  # position in `_u`, its length (0: refill before the next draw)
        self._pending = 0  # 1 when `_u[0]` is the half the generator held at the refill
        self._start: dict[str, Any] | None = None  # generator state at the refill
        if "has_uint32" not in self._bg.state:
            raise TypeError(f"BufferedIntegers needs PCG64-like state, got {type(self._bg)}")

    def _refill(self) -> None:
        if self._j < self._n:  # keep the draws not yet used (a refill in the middle of a block)
            self.sync()
        st = self._bg.state
        self._start = st
        self._pending = 1 if st["has_uint32"] else 0
        halves = self._bg.random_raw(_BLOCK).view(np.uint32).tolist()
        self._u = [st["uinteger"], *halves] if self._pending else halves
        self._j, self._n = 0, len(self._u)

    def _reject(self, m: int, excl: int) -> int:
        """Lemire's rejection step (rare: probability < excl / 2**32)."""
        threshold = (_M32 - (excl - 1)) % excl
        while (m & _M32) < threshold:
            if self._j >= self._n:
                self._refill()
            m = self._u[self._j] * excl
            self._j += 1
        return m >> 32

    def sync(self) -> np.random.Generator:
        """Put the wrapped generator at the wrapper's position; return it."""
        if self._n:
            c = self._j - self._pending  # halves of the raw words consumed
            self._bg.state = self._start
            st = self._bg.state
            if c < 0:  # the generator's pending half is still unused
                pass
            else:
                if c:
                    self._bg.random_raw((c + 1) // 2)
                st = self._bg.state
                st["has_uint32"] = c % 2
                if c:  # the high half of the last word drawn (used already when c is even)
                    st["uinteger"] = self._u[self._j if c % 2 else self._j - 1]
            self._bg.state = st
            self._u, self._j, self._n = [], 0, 0
        return self.rng

    def integers_list(self, low: int, high: int, n: int) -> list[int]:
        """`rng.integers(low, high, size=n).tolist()` (int64, high exclusive)."""
        excl = high - low
        if excl <= 1 or excl > _M32:
            if excl == 1:
                return [low] * n
            return self.sync().integers(low, high, size=n).tolist()
        u, j = self._u, self._j
        if j + n > self._n:  # block boundary: one draw at a time
            return [low + self._one(excl) for _ in range(n)]
        out = []
        for _ in range(n):  # _one, inlined: this is the hot path
            m = u[j] * excl
            j += 1
            if (m & _M32) < excl:
                self._j = j
                out.append(low + self._reject(m, excl))
                u, j = self._u, self._j
            else:
                out.append(low + (m >> 32))
        self._j = j
        return out

    def _one(self, excl: int) -> int:
        """One uniform integer in [0, excl), 1 < excl <= 2**32 - 1."""
        if self._j >= self._n:
            self._refill()
        m = self._u[self._j] * excl
        self._j += 1
        return (m >> 32) if (m & _M32) >= excl else self._reject(m, excl)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Any:  # fmt: skip
        """`Generator.integers`; a Python int when `size` is None."""
        if size is None and type(low) is int and dtype is np.int64 and not endpoint:
            excl = low if high is None else (high - low if type(high) is int else 0)
            if 1 < excl <= _M32:  # one draw: what a space's `mutate` asks for, every step
                j = self._j  # `_one`, inlined
                if j < self._n:
                    m = self._u[j] * excl
                    self._j = j + 1
                    r = (m >> 32) if (m & _M32) >= excl else self._reject(m, excl)
                else:
                    r = self._one(excl)
                return r if high is None else low + r
        if type(low) is int and dtype is np.int64 and not endpoint:
            if high is None:
                low, high = 0, low
            excl = high - low if type(high) is int else 0
            if 1 < excl <= _M32:
                if size is None:
                    return low + self._one(excl)
                if type(size) is int:
                    return np.array(self.integers_list(low, high, size), dtype=np.int64)
        return self.sync().integers(low, high, size=size, dtype=dtype, endpoint=endpoint)

    def __getattr__(self, name: str) -> Any:  # every other Generator method: exact, slower
        return getattr(self.sync(), name)
