import os
import sys
from pathlib import Path

import pytest

if "judge_plugin" not in sys.modules:  # plain `pytest` in the workspace: solution.py in this process
    from sandbox.inprocess import candidate  # noqa: F401  (the judge's own fixture calls it in its own process)


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points this test is worth")
    config.addinivalue_line("markers", "requirement(rid): statement requirement checked")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the starter files: the judge's, the workspace root, or the problem's starter/.

    Iris ships with scikit-learn, so these examples read no file from it.
    """
    env = os.environ.get("JUDGE_DATA_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    return root / "starter" if (root / "starter").is_dir() else root
