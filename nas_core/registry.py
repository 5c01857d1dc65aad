"""A tiny decorator registry (timm / NASLib style) used for spaces, benchmarks, searchers,
predictors and proxies: duplicate names raise, unknown names get a close-match suggestion."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from nas_core.errors import NaslabError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to factories. `kind` is used in error messages ("unknown searcher 'x'")."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._items:
                raise NaslabError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._items) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
