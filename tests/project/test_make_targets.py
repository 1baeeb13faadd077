"""What the Makefile's two Quick start commands install: `make run` the runtime lock only."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("pytest", "hypothesis", "schemathesis", "mypy", "ruff", "import-linter")

pytestmark = [
    pytest.mark.slow,  # runs make
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def planned_commands(target: str) -> str:
    """The commands `make` would run for a fresh machine (-B: as if nothing were installed)."""
    # Run from `make test` itself, make's variables would make this a sub-make that prints
    # "Entering directory" lines; a reader's shell has none of them.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    return subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", target],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pinned_names(lock: str) -> set[str]:
    names = set()
    for line in (ROOT / lock).read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==", line)
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def test_make_run_installs_only_the_runtime_lock_and_serves_the_demo() -> None:
    commands = planned_commands("run")
    assert "pip install -r requirements.lock" in commands
    assert "requirements-dev.lock" not in commands
    assert "qicollab serve --demo" in commands


def test_make_test_adds_the_dev_lock() -> None:
    commands = planned_commands("test")
    assert "-r requirements-dev.lock" in commands
    assert any(line.startswith(".venv/bin/pytest") for line in commands.splitlines())


def test_the_runtime_lock_holds_no_test_or_lint_tool() -> None:
    runtime = pinned_names("requirements.lock")
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic"} <= runtime
    assert runtime.isdisjoint(DEV_ONLY), runtime & set(DEV_ONLY)
    assert set(DEV_ONLY) <= pinned_names("requirements-dev.lock")
