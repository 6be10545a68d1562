"""A candidate's mistakes at the command line get one clear line and lose nothing: a deleted current folder,
a data folder that is a file or cannot be written, a workspace missing its solution.py or its pointer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def test_a_deleted_current_folder_is_a_message_not_a_traceback(run: Any, tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    os.chdir(gone)  # the `run` fixture's monkeypatch puts the old folder back
    gone.rmdir()
    for args in (("status",), ("start", "tiny-add"), ("history",), ("hint",)):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "the current folder no longer exists" in result.stderr
        assert "`cd` to a folder that exists" in result.stderr
