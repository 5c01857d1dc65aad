"""Where a number comes from: measured by someone's real training, predicted by a surrogate, or
computed by a program (by naslab here, or by a benchmark's authors). Every benchmark metric carries one, and every study report prints it, so
a reader can tell a measured accuracy from a model's guess without reading the source."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nas_core.errors import InvalidInputError

#: kind -> what `source` and `detail` name for it.
KINDS: dict[str, str] = {
    "measured": "a benchmark's real training or measurement: whose, which schedule, how many seeds",
    "surrogate": "a surrogate model's prediction: which model, trained on which data",
    "computed": "computed by a program, not trained or measured (a proxy score, a parameter count): "
    "by whom (naslab here, or a benchmark's authors), protocol, hardware",
    "unstated": "the data's origin was not stated (e.g. a user table without provenance=...)",
}


@dataclass(frozen=True)
class Provenance:
    """`kind` (one of `KINDS`), `source` (who produced the numbers) and `detail` (how)."""

    kind: str
    source: str
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(
                f"provenance kind must be one of {', '.join(KINDS)}, got {self.kind!r}"
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise InvalidInputError("provenance needs a non-empty source (who produced the values)")
        if not isinstance(self.detail, str):
            raise InvalidInputError(f"provenance detail must be text, got {self.detail!r}")

    def line(self) -> str:
        """One line for reports: 'measured: <source> (<detail>)'."""
        return f"{self.kind}: {self.source}" + (f" ({self.detail})" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_any(cls, value: Any) -> Provenance:
        """A Provenance, a dict with kind/source[/detail], or a 'kind: source' string."""
        if isinstance(value, Provenance):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {"kind", "source", "detail"}
            if unknown or "kind" not in value or "source" not in value:
                raise InvalidInputError(
                    "provenance must be {'kind': ..., 'source': ...[, 'detail': ...]}, got "
                    f"{value!r}"
                )
            return cls(str(value["kind"]), str(value["source"]), str(value.get("detail", "")))
        if isinstance(value, str):
            kind, sep, source = value.partition(":")
            if not sep:
                raise InvalidInputError(
                    f"provenance text must look like 'kind: source', e.g. 'measured: my lab, "
                    f"3 seeds'; kinds: {', '.join(KINDS)}; got {value!r}"
                )
            return cls(kind.strip(), source.strip())
        raise InvalidInputError(f"provenance must be a dict or 'kind: source' text, got {value!r}")
