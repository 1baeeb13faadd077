"""The demo charts' SVGs as a browser draws them: headless Chromium screenshots, read back."""

import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import API
from tests.cli.test_demo import _all, demo_client, demo_url

__all__ = ["demo_client", "demo_url"]  # test_demo's fixtures, used here too

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,  # loads the demo in a subprocess and starts a browser
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("QI_REQUIRE_BROWSER"),
        reason="chromium is not installed (set QI_REQUIRE_BROWSER=1 to make this a failure)",
    ),
]

NOTED_MEASURE = "ENJOY_WORK"  # app/demo_data.py puts the teams' PDSA notes on this measure
PLOT_HEIGHT = 440  # app/charts/svg.py: the chart above the legend
WHITE = (255, 255, 255)


class Png:
    """An 8-bit RGB or RGBA PNG as Chromium writes it, decoded with zlib (no imaging library)."""

    def __init__(self, data: bytes) -> None:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        chunks: dict[bytes, bytes] = {}
        at = 8
        while at < len(data):
            (length,) = struct.unpack(">I", data[at : at + 4])
            kind = data[at + 4 : at + 8]
            chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + length]
            at += 12 + length
        self.width, self.height, depth, colour, _, _, interlace = struct.unpack(
            ">IIBBBBB", chunks[b"IHDR"]
        )
        assert (depth, interlace) == (8, 0)
        assert colour in (2, 6)
        self.channels = 3 if colour == 2 else 4
        self.rows = self._unfilter(zlib.decompress(chunks[b"IDAT"]))

    def _unfilter(self, raw: bytes) -> list[bytearray]:
        stride, bpp = self.width * self.channels, self.channels
        rows: list[bytearray] = []
        previous = bytearray(stride)
        for y in range(self.height):
            start = y * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
                if kind == 1:
                    line[i] = (line[i] + left) & 0xFF
                elif kind == 2:
                    line[i] = (line[i] + up) & 0xFF
                elif kind == 3:
                    line[i] = (line[i] + (left + up) // 2) & 0xFF
                elif kind == 4:
                    guess = left + up - corner
                    near = min(
                        (abs(guess - left), 0), (abs(guess - up), 1), (abs(guess - corner), 2)
                    )
                    line[i] = (line[i] + (left, up, corner)[near[1]]) & 0xFF
            rows.append(line)
            previous = line
        return rows

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = x * self.channels
        r, g, b = self.rows[y][at : at + 3]
        return (r, g, b)

    def dark_pixels(self, left: int, top: int, right: int, bottom: int) -> int:
        """Pixels in the box that are clearly ink, not the white page or a faint grid line."""
        return sum(
            1
            for y in range(top, bottom)
            for x in range(left, right)
            if sum(self.pixel(x, y)) < 3 * 160
        )


def screenshot(svg: str, folder: Path, name: str) -> tuple[ET.Element, Png]:
    """The SVG as Chromium draws it in a window of the SVG's own size."""
    root = ET.fromstring(svg)
    width, height = int(float(root.get("width", "0"))), int(float(root.get("height", "0")))
    source, picture = folder / f"{name}.svg", folder / f"{name}.png"
    source.write_text(svg, encoding="utf-8")
    profile = folder / f"{name}-profile"
    assert CHROMIUM is not None, "QI_REQUIRE_BROWSER is set but chromium is not installed"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={picture}",
            f"--window-size={width},{height}",
            source.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert picture.exists(), done.stderr
    return root, Png(picture.read_bytes())


def noted_charts(client: TestClient) -> list[tuple[dict[str, Any], str]]:
    """Each team's chart of the noted measure, rebased where its change was made (as a team
    would once the change is embedded), so the breaks carry a reason too."""
    charts = []
    for team in _all(client, "/teams"):
        measure = next(
            m for m in _all(client, "/measures", team_id=team["id"]) if m["code"] == NOTED_MEASURE
        )
        path = f"{API}/teams/{team['id']}/measures/{measure['id']}"
        chart = client.get(f"{path}/chart").json()
        if chart["annotations"]:
            rebase = {"starts_on": chart["annotations"][0]["date"], "reason": "Change embedded"}
            replaced = api.replace_list(client, f"{path}/rebases", {"rebases": [rebase]})
            assert replaced.status_code == 200, replaced.text
        svg = client.get(f"{path}/chart", params={"format": "svg"})
        assert svg.status_code == 200, svg.text
        charts.append((client.get(f"{path}/chart").json(), svg.text))
    return charts


def test_the_demo_charts_in_a_browser(demo_client: TestClient, tmp_path: Path) -> None:
    charts = noted_charts(demo_client)
    assert sum(1 for chart, _ in charts if chart["annotations"]) >= 4
    for number, (chart, svg) in enumerate(charts):
        root, png = screenshot(svg, tmp_path, f"chart-{number}")
        height = int(float(root.get("height", "0")))
        assert (png.width, png.height) == (860, height)
        # The chart itself is drawn: ink in the plot area, the heading on a white page.
        assert png.dark_pixels(64, 64, 710, 384) > 1000
        assert png.pixel(2, 2) == WHITE
        # Rebases are drawn as breaks; every other annotation gets a row of the legend.
        notes = [a for a in chart["annotations"] if a["kind"] != "rebase"]
        if not notes:
            assert height == PLOT_HEIGHT
            continue
        # The legend below the chart holds one row of text per note ...
        assert height > PLOT_HEIGHT + 30 * len(notes)
        assert png.dark_pixels(64, PLOT_HEIGHT + 30, 860, height) > 300 * len(notes)
        # ... which stays inside the picture: the right margin is blank, nothing is cut off.
        assert png.dark_pixels(836, PLOT_HEIGHT, 860, height) == 0
        # The period break is labelled at the top of the plot with its reason.
        assert png.dark_pixels(64, 56, 710, 72) > 100
    shutil.copy(tmp_path / "chart-0.png", tmp_path / "demo-chart.png")
