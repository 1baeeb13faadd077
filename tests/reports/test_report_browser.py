"""The demo's meeting pack (13 February 2025) and programme report as a browser renders them:
headless Chromium, driven by Playwright, checks the laid-out page (every team's section, every
chart drawn with a size, nothing wider than the page, on screen and in print) and saves a
full-page screenshot of each as PNG in QI_SCREENSHOT_DIR (`.ci/run` sets it)."""

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import ViewportSize, sync_playwright

from tests.api import API
from tests.charts.test_chart_browser import Png
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

SCREEN: ViewportSize = {"width": 1000, "height": 900}
A4_WIDTH = 794  # CSS pixels at 96 dpi
LAYOUT = """() => {
  const root = document.documentElement;
  const charts = [...document.querySelectorAll('figure.chart svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    return {width: box.width, height: box.height, right: box.right,
            marks: svg.querySelectorAll('path, polyline, line, circle').length};
  });
  return {
    teams: [...document.querySelectorAll('section.team h2')].map(h => h.textContent.trim()),
    charts,
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    scripts: document.scripts.length,
    images: document.images.length,
  };
}"""


def _shots() -> Path:
    folder = Path(os.environ.get("QI_SCREENSHOT_DIR") or Path.cwd() / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check(page: Any, teams: list[str], charts: int, problems: list[str], where: str) -> None:
    layout = page.evaluate(LAYOUT)
    if layout["teams"] != teams:
        problems.append(f"{where}: team sections {layout['teams']}, not {teams}")
    if len(layout["charts"]) != charts:
        problems.append(f"{where}: {len(layout['charts'])} charts drawn, not {charts}")
    for chart in layout["charts"]:
        if chart["width"] < 300 or chart["height"] < 150 or chart["marks"] < 20:
            problems.append(f"{where}: a chart is not drawn: {chart}")
        if chart["right"] > layout["clientWidth"] + 0.5:
            problems.append(f"{where}: a chart overflows the page: {chart}")
    if layout["scrollWidth"] > layout["clientWidth"]:
        problems.append(
            f"{where}: the page is {layout['scrollWidth']}px wide in a "
            f"{layout['clientWidth']}px window"
        )
    if layout["scripts"] or layout["images"]:
        problems.append(f"{where}: {layout['scripts']} scripts, {layout['images']} images")


def test_the_demo_reports_render_whole_in_a_browser(
    demo_client: TestClient, tmp_path: Path
) -> None:
    assert CHROMIUM is not None, "QI_REQUIRE_BROWSER is set but chromium is not installed"
    (collaborative,) = _all(demo_client, "/collaboratives")
    meetings = _all(demo_client, "/meetings", collaborative_id=collaborative["id"])
    (session,) = [m for m in meetings if m["starts_at"].startswith("2025-02-13")]
    reports = {
        "meeting-pack-2025-02-13": f"{API}/meetings/{session['id']}/report",
        "programme-report": f"{API}/collaboratives/{collaborative['id']}/report",
    }
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for name, path in reports.items():
                body = demo_client.get(path).json()
                teams = [team["team_name"] for team in body["teams"]]
                charts = sum(len(team["charts"]) for team in body["teams"])
                assert len(teams) == 6, (name, teams)
                assert charts >= 6, (name, charts)
                page_file = tmp_path / f"{name}.html"
                page_file.write_text(demo_client.get(path, params={"format": "html"}).text)
                page = browser.new_page(viewport=SCREEN)
                # Offline, as a printed or e-mailed page is read: any request would fail.
                page.route("http*://**", lambda route: route.abort())
                page.goto(page_file.as_uri())
                _check(page, teams, charts, problems, f"{name} on screen")
                picture = _shots() / f"{name}.png"
                page.screenshot(path=str(picture), full_page=True)
                png = Png(picture.read_bytes())
                if png.width != SCREEN["width"] or png.height < 6 * 400:
                    problems.append(f"{name}: screenshot {png.width}x{png.height}")
                page.set_viewport_size({"width": A4_WIDTH, "height": 1123})
                page.emulate_media(media="print")
                _check(page, teams, charts, problems, f"{name} printed on A4")
                page.close()
        finally:
            browser.close()
    assert problems == []
