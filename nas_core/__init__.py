"""naslab's shared vocabulary: architectures, search spaces, errors, registries (and, later,
networks, metrics and executors). Imports nothing from the other naslab packages."""

from nas_core.arch import Arch
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    NaslabError,
    NotFittedError,
    NotInBenchmarkError,
    UnknownNameError,
)

__all__ = [
    "Arch",
    "DataFormatError",
    "InvalidArchError",
    "InvalidInputError",
    "MissingFileError",
    "NaslabError",
    "NotFittedError",
    "NotInBenchmarkError",
    "UnknownNameError",
]
