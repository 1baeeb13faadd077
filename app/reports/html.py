"""The reports as self-contained printable HTML, rendered by Jinja2 with autoescaping on.

The charts are the service's own SVGs, inlined as markup (each escapes its own text); every
other value goes through autoescaping. No script, no external asset (spec 6)."""

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.reports.service import Charts, MeetingPack, ProgrammeReport

_ENVIRONMENT = Environment(
    loader=PackageLoader("app.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _svgs(charts: Charts) -> dict[Any, Markup]:
    # The SVGs are built by app.charts.svg, which escapes every text it draws.
    return {key: Markup(svg) for key, svg in charts.svgs.items()}


def meeting_pack_html(pack: MeetingPack) -> str:
    cells = {(cell.team_id, cell.measure_id): cell for cell in pack.read.dashboard.cells}
    template = _ENVIRONMENT.get_template("meeting_pack.html.j2")
    return template.render(pack=pack.read, svgs=_svgs(pack.charts), cells=cells)


def programme_report_html(report: ProgrammeReport) -> str:
    template = _ENVIRONMENT.get_template("programme_report.html.j2")
    return template.render(report=report.read, svgs=_svgs(report.charts))
