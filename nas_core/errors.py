"""One root exception for naslab, with subclasses that also inherit the builtin a caller expects.

Every error a user can cause (unknown name, bad architecture, missing file) is one of these, so the
CLI can print its message as one line instead of a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NaslabError(Exception):
    """Root of every error naslab raises on purpose."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class InvalidInputError(NaslabError, ValueError):
    """A value given by the user is out of range or malformed."""


class InvalidArchError(InvalidInputError):
    """An architecture cannot be parsed or does not belong to the space."""


class UnknownNameError(NaslabError, KeyError):
    """An unknown benchmark, dataset, metric, op, searcher, predictor or proxy name."""

    def __init__(self, kind: str, given: object, valid: Iterable[str], where: str = ""):
        """`where` places the name: "unknown dataset 'x' for benchmark 'y'" (kind="dataset",
        where="for benchmark 'y'")."""
        valid = sorted(str(v) for v in valid)
        close = difflib.get_close_matches(str(given), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        place = f" {where}" if where else ""
        super().__init__(f"unknown {kind} {given!r}{place}.{hint} Valid: {', '.join(valid)}")
        self.kind, self.given, self.valid, self.where = kind, given, valid, where


class NotInBenchmarkError(NaslabError, KeyError):
    """An architecture is valid in its space but the benchmark holds no value for it."""


class MissingFileError(NaslabError, FileNotFoundError):
    """A data file naslab needs is not where it was looked for."""


class DataFormatError(NaslabError, ValueError):
    """A file exists but is not in the expected format (or is corrupt, or foreign)."""


class NotFittedError(NaslabError, ValueError):
    """A model was used before `fit` (mirrors sklearn.exceptions.NotFittedError)."""


class OutputDirError(NaslabError, ValueError):
    """An output folder naslab may not use: a file, someone else's folder, a file there that is
    not naslab's, or a folder another naslab process is writing to (`OutputBusyError`)."""


class OutputBusyError(OutputDirError):
    """Another live naslab process holds the output folder's lock."""


class OutputWriteError(NaslabError, OSError):
    """Writing to an output folder failed (full disk, no permission, read-only file system)."""


class JobFailedError(NaslabError, RuntimeError):
    """Some tasks of a job failed; the finished ones are saved. `.report` holds the details."""

    def __init__(self, message: str, report: object = None):
        super().__init__(message)
        self.report = report


def check_name(kind: str, given: str, valid: Iterable[str], where: str = "") -> str:
    """Return `given` if it is one of `valid`, else raise UnknownNameError with a suggestion."""
    valid = list(valid)
    if given not in valid:
        raise UnknownNameError(kind, given, valid, where)
    return given
