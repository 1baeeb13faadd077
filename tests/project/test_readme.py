"""The README's walk-through and charts run as written against a served instance, printing what
the README shows after each command block."""

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import create_scratch_database, drop_scratch_database
from tests.live import free_port, qicollab_serve

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTIONS = ("A walk-through with curl", "Charts", "Extracts from trust systems")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
STATUS_LINE = re.compile(r"^HTTP/[\d.]+ \d{3}")
MARKER = "@@ readme block {} @@"

# The README's conventions, which this test implements:
# - Every ```sh block in SECTIONS runs, in order, in one bash process (set -euo pipefail) whose
#   working directory is empty, with PORT and QI_DEMO_PASSWORD exported as a reader would have.
# - A ```sh block that runs `make run` is the first terminal's: the server is started as
#   `make run` starts it (`qicollab serve --demo`) with the variables the block exports.
# - The fenced block right after a ```sh block (``` or ```json, nothing but blank lines between)
#   is what the block prints; a ```sh block with no such block must print nothing.
# - In an output block, `...` stands for any text within a line, and a line that is just `...`
#   for any number of lines (none included): ids, ETags, times and what the README leaves out.
# - After `curl -i`, the headers shown are those the test compares (names case-insensitively);
#   the others the server sends are left out of the comparison.


@dataclass
class Block:
    command: str
    output: str  # what the README shows it prints


def readme_blocks() -> tuple[dict[str, str], list[Block]]:
    """The server block's exported variables, and the reader's blocks with their outputs."""
    text = README.read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    server_env: dict[str, str] = {}
    blocks: list[Block] = []
    for section in sections:
        if not section.startswith(SECTIONS):
            continue
        fences = list(FENCE.finditer(section))
        for index, fence in enumerate(fences):
            if fence.group(1) != "sh":
                continue
            following = fences[index + 1] if index + 1 < len(fences) else None
            output = ""
            if (
                following is not None
                and following.group(1) != "sh"
                and not section[fence.end() : following.start()].strip()
            ):
                output = following.group(2)
            command = fence.group(2)
            if re.search(r"^make run\b", command, re.MULTILINE):
                server_env |= exported(command)
                assert not output, "the server block's output is the server's log"
            else:
                blocks.append(Block(command, output))
    return server_env, blocks


def exported(command: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in command.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                found[name] = value
    return found


def classified(output: str) -> Iterator[tuple[str, str | None]]:
    """Each line of the output, with the lower-case header name for a header line that
    `curl -i` printed (header names in lower case in the line too), else None."""
    in_headers = False
    for line in output.replace("\r\n", "\n").splitlines():
        if STATUS_LINE.match(line):
            in_headers = True
        elif not line.strip():
            in_headers = False
        elif in_headers:
            name, _, value = line.partition(":")
            yield f"{name.lower()}:{value}", name.lower()
            continue
        yield line, None


def normalised(output: str, keep: set[str]) -> str:
    """The output with header names in lower case and the headers not in `keep` left out."""
    lines = [line for line, header in classified(output) if header is None or header in keep]
    text = "\n".join(lines).strip("\n")
    return text + "\n" if text else ""


def pattern(expected: str) -> re.Pattern[str]:
    parts: list[str] = []
    for line in expected.strip("\n").splitlines():
        if line.strip() == "...":
            parts.append(r"(?:.*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def matches(expected: str, actual: str) -> bool:
    keep = {header for _, header in classified(expected) if header is not None}
    return pattern(normalised(expected, keep)).fullmatch(normalised(actual, keep)) is not None


def test_the_wildcards_and_headers_match_as_the_readme_says() -> None:
    shown = 'HTTP/1.1 200 OK\nEtag: "...-2"\n\n{"id":"...","status":"selected",...}\n'
    served = (
        'HTTP/1.1 200 OK\r\ndate: today\r\netag: "abc-2"\r\n\r\n'
        '{"id":"abc","status":"selected","coach_id":null}'
    )
    assert matches(shown, served)
    assert not matches(shown, served.replace("200 OK", "412 Precondition Failed"))
    assert not matches(shown, served.replace('"abc-2"', '"abc-3"'))
    assert matches("first\n...\nlast\n", "first\nlast\n")
    assert matches("first\n...\nlast\n", "first\ntwo\nthree\nlast\n")
    assert not matches("first\nlast\n", "first\ntwo\nlast\n")
    assert not matches("", "something printed\n")


@contextlib.contextmanager
def make_run(tmp_path: Path, env: dict[str, str], port: int) -> Iterator[None]:
    """`make run`'s server (`qicollab serve --demo`) on a fresh database of the suite's kind."""
    url = create_scratch_database(str(tmp_path))
    env = os.environ | env | {"QI_DATABASE_URL": url, "QI_DATA_DIR": str(tmp_path)}
    log = tmp_path / "server.log"
    try:
        with qicollab_serve(["--demo", "--port", str(port)], env, log) as process:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=2).status_code == 200:
                        break
                time.sleep(0.2)
            yield
    finally:
        drop_scratch_database(url)


@pytest.mark.slow
def test_the_walk_through_runs_as_written(tmp_path: Path) -> None:
    missing = [tool for tool in ("curl", "jq") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("QI_REQUIRE_README_TEST"):
            pytest.fail(f"QI_REQUIRE_README_TEST is set but {' and '.join(missing)} is missing")
        pytest.skip(f"the walk-through needs {' and '.join(missing)}")
    server_env, blocks = readme_blocks()
    assert "QI_DEMO_PASSWORD" in server_env, "the README exports the demo password for make run"
    assert blocks, "the walk-through's blocks were not found"
    port = free_port()
    reader = tmp_path / "reader"
    reader.mkdir()
    script = "set -euo pipefail\n" + "".join(
        f"printf '\\n{MARKER.format(index)}\\n'\n{block.command}"
        for index, block in enumerate(blocks)
    )
    reader_env = os.environ | {
        "PORT": str(port),
        "QI_DEMO_PASSWORD": server_env["QI_DEMO_PASSWORD"],
        # The extracts section reads the repository's example files from the reader's folder.
        "EXAMPLES": str(ROOT / "examples"),
    }
    with make_run(tmp_path, server_env, port):
        run = subprocess.run(
            ["bash", "-c", script],
            check=False,
            cwd=reader,
            env=reader_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    printed = re.split(r"\n@@ readme block (\d+) @@\n", run.stdout)
    outputs = dict(zip(map(int, printed[1::2]), printed[2::2], strict=True))
    last = max(outputs, default=0)
    assert run.returncode == 0, (
        f"the README block below exited {run.returncode}:\n{blocks[last].command}\n"
        f"stdout:\n{outputs.get(last, '')}\nstderr:\n{run.stderr}"
    )
    assert len(outputs) == len(blocks)
    wrong = [
        f"README block {index}:\n{block.command}\nshows:\n{block.output}\n"
        f"but printed:\n{outputs[index]}"
        for index, block in enumerate(blocks)
        if not matches(block.output, outputs[index])
    ]
    assert not wrong, "\n\n".join(wrong)
