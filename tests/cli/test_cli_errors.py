"""The command line's expected failures are one line naming what to fix, never a traceback,
and it never creates an empty database by looking for one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs `qicollab` in subprocesses.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QI_")} | {
        "QI_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("QI_CORS_ORIGINS", "https://qi.example.nhs.uk", "QI_CORS_ORIGINS could not be read"),
        ("QI_ACCESS_TOKEN_MINUTES", "60", "QI_ACCESS_TOKEN_MINUTES: Input should be less than"),
        ("QI_DATABASE_URL", "postgres://qi@127.0.0.1/qi", "QI_DATABASE_URL is not a database URL"),
    ],
)
def test_a_configuration_mistake_is_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str, says: str
) -> None:
    result = run(tmp_path, "users", "list", **{variable: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"qicollab: configuration: {says}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_or_unmigrated_database_is_named_not_created(tmp_path: Path) -> None:
    absent = tmp_path / "absent.db"
    missing = run(tmp_path, "users", "list", QI_DATABASE_URL=f"sqlite:///{absent}")
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith(f"qicollab: no database at {absent}")
    assert not absent.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    unmigrated = run(tmp_path, "clients", "list", QI_DATABASE_URL=f"sqlite:///{empty}")
    assert unmigrated.returncode == 1
    assert unmigrated.stderr.strip().endswith("run `qicollab migrate` first")
    assert "Traceback" not in missing.stderr + unmigrated.stderr


def test_a_short_demo_password_names_its_variable(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "demo",
        QI_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
        QI_DEMO_PASSWORD="short",
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "qicollab: configuration: QI_DEMO_PASSWORD: use at least 12 characters",
    )


def test_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    pipeline = subprocess.run(
        f"{sys.executable} -m app openapi | head -c 1",
        shell=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("QI_")}
        | {"QI_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (pipeline.stdout, pipeline.stderr) == ("{", "")
