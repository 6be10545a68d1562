"""Issue 26, host side: nothing a submission or a workspace holds reaches the host. Host-side reads and writes
refuse symlinks (workspace files, the attempt pointer, a batch's submission folders); names from submissions
are shown with control characters escaped (terminal and CSV; JSON stays exact); a batch's input is capped
(zip members, uncompressed size, rows) so one zip cannot exhaust the machine."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from judge.services import intake
from judge.services.intake import InputError, discover

from .conftest import TINY

REFERENCE = (TINY / "reference" / "solution.py").read_text()
SUBTRACTS = REFERENCE.replace("return a + b", "return a - b")


def printable(text: str) -> str:
    from judge.model.names import printable as escape

    return escape(text)


HOSTILE = "evil\x1b]52;c;aGVsbG8=\x07\x1b[2J\x1b[1;1H\x9b31m\x7fname"


def outside_file(tmp_path: Path, name: str, text: str = "# the user's own file\n") -> Path:
    target = tmp_path / "home" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def start_tiny(run: Any, tmp_path: Path) -> Path:
    started = run("start", "tiny-add", "--dir", str(tmp_path / "ws"))
    assert started.exit_code == 0, started.output
    return tmp_path / "ws"


# -- symlinks in a workspace ------------------------------------------------------------------------------

@pytest.mark.parametrize("planted", ["solution.prev.py", "README.md", "numbers.csv", "tests", "pytest.ini"])
def test_retry_fresh_never_writes_through_a_planted_symlink(run: Any, tmp_path: Path, planted: str) -> None:
    ws = start_tiny(run, tmp_path)
    (ws / "solution.py").write_text(REFERENCE)
    bashrc = outside_file(tmp_path, ".bashrc")
    if (ws / planted).is_dir():
        import shutil

        shutil.rmtree(ws / planted)
        bashrc = tmp_path / "home"
    else:
        (ws / planted).unlink(missing_ok=True)
    (ws / planted).symlink_to(bashrc)
    before = {p: p.read_bytes() for p in (tmp_path / "home").rglob("*") if p.is_file()}
    status_before = json.loads(run("status", "--dir", str(ws), "--json").stdout)

    done = run("retry", "--fresh", "--dir", str(ws))

    assert done.exit_code == 2, done.output
    assert f"{ws / planted}" in done.stderr and "symbolic link" in done.stderr
    assert "Traceback" not in done.output
    assert {p: p.read_bytes() for p in (tmp_path / "home").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == [".bashrc"]
    # Refused before anything changed: the open attempt is still open, with the same id.
    status = json.loads(run("status", "--dir", str(ws), "--json").stdout)
    assert status["attempt_id"] == status_before["attempt_id"] and status["status"] == "open"


def test_start_force_never_copies_through_a_symlinked_solution(run: Any, tmp_path: Path) -> None:
    ws = start_tiny(run, tmp_path)
    secret = outside_file(tmp_path, "id_rsa", "PRIVATE KEY\n")
    (ws / "solution.py").unlink()
    (ws / "solution.py").symlink_to(secret)
    done = run("start", "tiny-add", "--dir", str(ws), "--force")
    assert done.exit_code == 2, done.output
    assert str(ws / "solution.py") in done.stderr and "symbolic link" in done.stderr
    assert not (ws / "solution.prev.py").exists()


@pytest.mark.parametrize("command", [("submit", "--yes", "--backend", "local"), ("test", "--backend", "local"),
                                     ("abandon",)])
def test_a_symlinked_solution_is_never_read(run: Any, tmp_path: Path, command: tuple[str, ...]) -> None:
    ws = start_tiny(run, tmp_path)
    secret = outside_file(tmp_path, "secret.py", REFERENCE + "# SECRET-MARKER\n")
    (ws / "solution.py").unlink()
    (ws / "solution.py").symlink_to(secret)
    if command[0] == "abandon":  # a planted pointer: the attempt's id is never read through it
        (ws / ".judge-attempt").unlink()
        (ws / ".judge-attempt").symlink_to(outside_file(tmp_path, "pointer.json", '{"attempt_id": "x"}'))
    done = run(*command, "--dir", str(ws))
    assert done.exit_code == 2, done.output
    assert "symbolic link" in done.stderr and "Traceback" not in done.output
    assert "SECRET-MARKER" not in done.output


def test_remote_submit_never_uploads_a_symlinked_solution(run: Any, tmp_path: Path) -> None:
    ws = tmp_path / "remote-ws"
    ws.mkdir()
    (ws / ".judge-attempt").write_text(json.dumps({"attempt_id": "att_x", "problem": "tiny-add", "token": "jcs_x",
                                                   "server": "http://127.0.0.1:9"}))
    (ws / "solution.py").symlink_to(outside_file(tmp_path, "bashrc", "x = 1\n"))
    done = run("submit", "--yes", "--dir", str(ws))
    # Refused on this machine (exit 2), before any request: the server at port 9 would have been exit 3.
    assert done.exit_code == 2, done.output
    assert str(ws / "solution.py") in done.stderr and "symbolic link" in done.stderr


# -- symlinks in a batch -----------------------------------------------------------------------------------

def test_batch_refuses_symlinked_submissions_with_a_row_each(run: Any, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "solution.py").symlink_to(outside_file(tmp_path, "secret.py", REFERENCE + "# SECRET-MARKER\n"))
    (subs / "bob").mkdir()
    (subs / "bob" / "solution.py").write_text(REFERENCE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "solution.py").write_text(REFERENCE + "# SECRET-MARKER\n")
    (subs / "carol").symlink_to(elsewhere, target_is_directory=True)
    (subs / "dan.zip").symlink_to(tmp_path / "home" / "secret.py")

    by_name = {e.name: e for e in discover([subs])}
    assert sorted(by_name) == ["alice", "bob", "carol", "dan"]
    for name in ("alice", "carol", "dan"):
        assert not by_name[name].gradable and "symbolic link" in by_name[name].error, by_name[name]
    assert by_name["bob"].gradable

    out = tmp_path / "out"
    done = run("grade", "--problem", "tiny-add", str(subs), "--backend", "local", "--out", str(out))
    assert done.exit_code == 1, done.output  # graded, not every row passed (three were refused)
    copied = [p for p in out.rglob("*") if p.is_file() and b"SECRET-MARKER" in p.read_bytes()]
    assert copied == []
    rows = {r["name"]: r for r in json.loads((out / "summary.json").read_text())["submissions"]}
    assert "symbolic link" in rows["alice"]["detail"] and rows["bob"]["score"] == rows["bob"]["max_score"]


def test_grade_of_a_folder_with_a_symlinked_solution_is_refused(run: Any, tmp_path: Path) -> None:
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / "solution.py").symlink_to(outside_file(tmp_path, "environ", "x = 1\n"))
    done = run("grade", "--problem", "tiny-add", str(tmp_path / "carol"), "--backend", "local")
    assert done.exit_code == 2, done.output
    assert "symbolic link" in done.stderr and "Traceback" not in done.output


# -- names with control characters -------------------------------------------------------------------------

def test_printable_escapes_c0_c1_and_del_only() -> None:
    assert printable("Zoë Ólafsdóttir 李雷") == "Zoë Ólafsdóttir 李雷"
    assert printable("a\x1b]52;c;x\x07b") == "a\\x1b]52;c;x\\x07b"
    assert printable("\x9b31m\x7f\x00\n\t") == "\\x9b31m\\x7f\\x00\\n\\t"


def test_hostile_names_reach_the_terminal_and_csv_escaped_and_json_exact(run: Any, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    (subs / HOSTILE).mkdir(parents=True)
    (subs / HOSTILE / "solution.py").write_text(SUBTRACTS)  # a known mistake: the "Common mistakes" table
    (subs / "bob").mkdir()
    (subs / "bob" / "solution.py").write_text(SUBTRACTS)
    (subs / f"{HOSTILE}-missing").mkdir()
    out = tmp_path / "out"
    done = run("grade", "--problem", "tiny-add", str(subs), "--backend", "local", "--out", str(out))
    printed = done.stdout + done.stderr
    assert "Common mistakes" in printed, printed
    for raw in ("\x1b", "\x07", "\x9b", "\x7f"):
        assert raw not in printed
        assert raw not in (out / "summary.csv").read_text(encoding="utf-8")
        assert raw not in (out / "summary.html").read_text(encoding="utf-8")
    assert printable(HOSTILE) in printed
    rows = list(csv.reader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    assert printable(HOSTILE) in [r[0] for r in rows]
    names = [r["name"] for r in json.loads((out / "summary.json").read_text())["submissions"]]
    assert HOSTILE in names  # JSON carries the name exactly


def test_progress_lines_escape_names(tmp_path: Path) -> None:
    from rich.console import Console

    from judge.model.batch import Row
    from judge.model.outcomes import RowState
    from judge.render.progress import BatchProgress, LineProgress

    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False)
    row = Row(HOSTILE, "evil", "subs/x", RowState.UNREADABLE, detail=f"cannot read {HOSTILE}/solution.py")
    for progress in (BatchProgress(console, "tiny-add", live=False), LineProgress(console, "tiny-add")):
        progress.begin(1, 1, 1)
        progress.started(HOSTILE)
        progress.finished(row)
        progress.end()
    assert "\x1b" not in buffer.getvalue() and "\x9b" not in buffer.getvalue()
    assert printable(HOSTILE) in buffer.getvalue()


# -- caps on a batch's input -------------------------------------------------------------------------------

def folders_zip(path: Path, count: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(zipfile.ZipInfo(f"c{i:06d}/"), b"")
    return path


def test_a_zip_of_200000_folders_is_refused_at_once(tmp_path: Path) -> None:
    archive = folders_zip(tmp_path / "bomb.zip", 200_000)
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        discover([archive])
    took = time.monotonic() - started
    message = str(caught.value)
    assert str(archive) in message and "200000 members" in message and "at most" in message, message
    assert took < 10, f"refusing it took {took:.1f} s"


def test_batch_caps_members_size_and_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "MAX_MEMBERS", 50)
    with pytest.raises(InputError, match=r"51 members.*at most 50"):
        discover([folders_zip(tmp_path / "many.zip", 51)])

    monkeypatch.setattr(intake, "MAX_UNCOMPRESSED_BYTES", 1000)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("alice/solution.py", REFERENCE)
        archive.writestr("alice/data.csv", "0" * 5000)
    with pytest.raises(InputError, match=r"uncompressed.*at most 1000 bytes"):
        discover([big])

    monkeypatch.setattr(intake, "MAX_ROWS", 5)
    subs = tmp_path / "subs"
    for i in range(8):
        (subs / f"c{i}").mkdir(parents=True)
        (subs / f"c{i}" / "solution.py").write_text(REFERENCE)
    with pytest.raises(InputError, match=r"more than 5 submissions"):
        discover([subs])
    with pytest.raises(InputError, match=r"more than 5 submissions"):
        discover([subs / "c0", subs / "c1", subs / "c2", subs / "c3", subs / "c4", subs / "c5"])


def test_the_cli_refuses_a_capped_zip_in_one_clear_line(run: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "MAX_MEMBERS", 10)
    done = run("grade", "--problem", "tiny-add", str(folders_zip(tmp_path / "many.zip", 11)), "--backend", "local")
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert "many.zip" in done.stderr and "Split it" in done.stderr


def test_symlink_check_accepts_a_plain_workspace(tmp_path: Path) -> None:
    from judge.store.confined import UnsafePath, read_bytes, write_bytes

    write_bytes(tmp_path, "a/b.txt", b"x")
    assert read_bytes(tmp_path, "a/b.txt") == b"x"
    os.symlink(tmp_path / "a", tmp_path / "link")
    with pytest.raises(UnsafePath, match="symbolic link"):
        read_bytes(tmp_path, "link/b.txt")
    with pytest.raises(UnsafePath, match="outside"):
        read_bytes(tmp_path, "../x")


def test_the_member_count_is_read_from_the_end_record_zip64_included(tmp_path: Path) -> None:
    small = folders_zip(tmp_path / "small.zip", 3)
    assert intake.declared_members(small) == 3
    big = tmp_path / "zip64.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:  # over 65,535 members: a zip64 end record
        for i in range(70_000):
            archive.writestr(zipfile.ZipInfo(f"{i}/"), b"")
    assert intake.declared_members(big) == 70_000
    assert intake.declared_members(tmp_path / "missing.zip") is None
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert intake.declared_members(tmp_path / "junk.zip") is None
