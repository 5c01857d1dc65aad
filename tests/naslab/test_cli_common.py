"""CLI plumbing: warnings raised during a command are one line on stderr."""

from __future__ import annotations

import warnings

from naslab._cli_common import friendly_errors


def test_a_warning_during_a_command_is_one_line(capsys):
    @friendly_errors
    def command() -> int:
        warnings.warn("set aside out/log/part-1.parquet (unreadable)", UserWarning, stacklevel=1)
        return 7

    before = warnings.showwarning
    assert command() == 7
    err = capsys.readouterr().err
    assert err.strip() == "warning: set aside out/log/part-1.parquet (unreadable)"
    assert warnings.showwarning is before  # restored after the command
