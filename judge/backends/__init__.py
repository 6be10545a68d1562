"""The ways to run the harness: in a hardened Docker container (default, ``docker``; with warm spares,
``pool``), or as a local subprocess (``local``); the image they run (``image``).

Inside the package imports point one way (import-linter keeps it so): ``factory`` -> ``pool`` -> ``docker``,
``local`` -> ``image`` -> ``port``. This module re-exports the port and the factory for the rest of the judge.
"""

from judge.backends.factory import get_backend, open_backend
from judge.backends.port import Backend, SandboxRun, SandboxUnavailable, short_error

__all__ = ["Backend", "SandboxRun", "SandboxUnavailable", "get_backend", "open_backend", "short_error"]
