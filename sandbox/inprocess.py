"""The ``candidate`` fixture without the judge: solution.py imported into this process.

For a candidate who runs plain ``pytest`` in a workspace, and for an author trying a suite by hand
(``PYTHONPATH=reference python -m pytest -p sandbox.inprocess hidden_tests``). It offers what the judge's
fixture offers (``remote.Candidate``: the solution's attributes, ``doubles``, ``new``, ``value``,
``isinstance``) but calls in-process, so it isolates nothing. Under the judge the plugin's fixture is used
instead: a public suite's conftest imports this one only when ``judge_plugin`` is not loaded.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest


class _Module:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


class InProcessCandidate(_Module):
    """solution.py (and doubles.py) in this process, with the judge fixture's helpers."""

    def __init__(self) -> None:
        super().__init__("solution")
        self.doubles = _Module("doubles")

    def new(self, value: Any) -> Any:
        """A private copy of ``value`` (the judge keeps it in the candidate's process)."""
        return copy.deepcopy(value)

    def value(self, handle: Any) -> Any:
        """The object behind a handle: here, the object itself."""
        return handle

    def isinstance(self, value: Any, class_path: str) -> bool:
        """isinstance by class path, as the judge's fixture checks it in the candidate's process."""
        return any(f"{k.__module__}.{k.__qualname__}" == class_path for k in type(value).__mro__)


@pytest.fixture(scope="session")
def candidate() -> InProcessCandidate:
    """solution.py, called in this process (no judge, no isolation)."""
    return InProcessCandidate()
