"""The `judge` command line: parse, call a service, render. One module per command group.

Commands are loaded on first use (``app.COMMANDS``); heavy imports (docker, the renderers, the services)
happen inside the commands that need them, so `judge --help` and `judge list` start fast.
"""

from __future__ import annotations

from judge.interfaces.cli.app import cli, main
from judge.interfaces.cli.context import Context

__all__ = ["Context", "cli", "main"]
