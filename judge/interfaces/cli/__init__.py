"""The `judge` command line: parse, call a service, render. One module per command group.

Heavy imports (docker, the renderers, the services) happen inside commands so `judge --help` stays fast.
"""

from __future__ import annotations

from judge.interfaces.cli import (  # noqa: F401  (registers commands)
    attempts,
    catalog,
    grade,
    practice,
    problems,
    sandbox,
    server,
    teach,
    workers,
)
from judge.interfaces.cli.app import cli, main
from judge.interfaces.cli.context import Context

__all__ = ["Context", "cli", "main"]
