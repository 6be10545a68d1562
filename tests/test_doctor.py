"""`judge doctor` and the image tag, with fakes for the engine (the real engine path is in test_cli_docker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judge.backends import SandboxUnavailable
from judge.services.doctor import ready, run_checks


class FakeAPI:
    def __init__(self, images: dict[str, int]) -> None:
        self.images = images

    def version(self) -> dict[str, str]:
        return {"Version": "20.10.24"}

    def inspect_image(self, ref: str) -> dict[str, Any]:
        from docker.errors import ImageNotFound

        if ref not in self.images:
            raise ImageNotFound(ref)
        return {"Size": self.images[ref]}


def test_missing_engine_names_the_fix(tmp_path: Path) -> None:
    def down() -> object:
        raise SandboxUnavailable("the Docker engine is not reachable", "start the Docker engine")

    checks = run_checks(down, "ml-judge-sandbox:abc", tmp_path, None)
    engine = checks[0]
    assert not engine.ok and engine.fix == "start the Docker engine"
    assert not ready(checks)


def test_missing_image_names_the_build_command(tmp_path: Path) -> None:
    checks = run_checks(lambda: FakeAPI({}), "ml-judge-sandbox:abc", tmp_path, None)
    image = next(c for c in checks if c.name == "Sandbox image")
    assert not image.ok and image.fix == "judge sandbox build"
    assert not ready(checks)


def test_ready_when_engine_and_image_are_there(tmp_path: Path) -> None:
    checks = run_checks(lambda: FakeAPI({"ml-judge-sandbox:abc": 2 * 1024**3}), "ml-judge-sandbox:abc", tmp_path, None)
    assert ready(checks), [c for c in checks if not c.ok]


def test_image_tag_follows_the_harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import judge.backends.image as image
    from judge.paths import dockerfile, sandbox_dir

    shutil.copytree(sandbox_dir(), tmp_path / "sandbox")
    shutil.copy(dockerfile(), tmp_path / "Dockerfile")
    monkeypatch.setattr(image, "sandbox_dir", lambda: tmp_path / "sandbox")
    monkeypatch.setattr(image, "dockerfile", lambda: tmp_path / "Dockerfile")
    monkeypatch.delenv("JUDGE_IMAGE", raising=False)
    before = image.expected_tag()
    assert before == image.expected_tag()
    harness = tmp_path / "sandbox" / "harness.py"
    harness.write_text(harness.read_text() + "\n# changed\n")
    after = image.expected_tag()
    assert after != before and after.startswith("ml-judge-sandbox:")


def test_local_extra_pins_match_the_sandbox_requirements() -> None:
    import tomllib

    from judge.paths import resource_root, sandbox_dir

    pins = {}
    for line in (sandbox_dir() / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version.strip()
    project = tomllib.loads((resource_root() / "pyproject.toml").read_text())["project"]
    for requirement in project["optional-dependencies"]["local"]:
        name, version = requirement.split("==")
        assert pins.get(name.lower()) == version, f"{name}: pyproject says {version}, requirements {pins.get(name)}"
