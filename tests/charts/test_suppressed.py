"""Suppressed points on charts (ingest spec 5.4): a gap in the JSON and the SVG, counted in
the warnings, and left out of the limits of a stored series as of a posted one."""

import uuid
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.data_points import service
from app.data_points.schemas import ImportedPointIn
from app.measures.models import Measure
from app.teams.models import Team
from tests import api
from tests.api import API, assert_problem

CHARTS = f"{API}/spc/charts"
SVG_NS = "{http://www.w3.org/2000/svg}"
START = date(2024, 8, 5)  # a Monday
# Favourable of respondents, week by week; None is a week with too few respondents.
WEEKS: list[tuple[int, int] | None] = [
    (7, 11), (8, 12), None, (6, 10), (9, 13), (7, 12), None, (8, 11), (5, 10), (9, 12),
    (7, 10), (8, 13),
]  # fmt: skip
GAPS = [str(START + timedelta(weeks=n)) for n, week in enumerate(WEEKS) if week is None]
WARNING = (
    "2 points are suppressed (fewer respondents or staff than the disclosure threshold) and"
    " shown as gaps"
)


def _points() -> list[ImportedPointIn]:
    return [
        ImportedPointIn(period_start=START + timedelta(weeks=n), suppressed=True)
        if week is None
        else ImportedPointIn(
            period_start=START + timedelta(weeks=n), numerator=week[0], denominator=week[1]
        )
        for n, week in enumerate(WEEKS)
    ]


@pytest.fixture
def stored(client: TestClient, session: Session) -> str:
    """The chart path of a bound p measure whose points an import wrote, two suppressed."""
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    source = {"type": "survey-question", "survey": "enjoying-work", "question": "enjoy_work"}
    measure = api.measure(client, team_id=team["id"], chart="p", multiply=100, data_source=source)
    service.upsert_points(
        session,
        session.get_one(Team, uuid.UUID(team["id"])),
        session.get_one(Measure, uuid.UUID(measure["id"])),
        _points(),
        overwrite=True,
    )
    session.commit()
    return f"{API}/teams/{team['id']}/measures/{measure['id']}/chart"


def _posted(*, drop_gaps: bool = False) -> dict[str, Any]:
    points = [
        {"date": str(START + timedelta(weeks=n)), "suppressed": True}
        if week is None
        else {
            "date": str(START + timedelta(weeks=n)),
            "numerator": week[0],
            "denominator": week[1],
        }
        for n, week in enumerate(WEEKS)
        if week is not None or not drop_gaps
    ]
    return {"chart": "p", "multiply": 100, "improvement_direction": "increase", "points": points}


def test_the_json_chart_shows_each_suppressed_point_as_a_gap(
    client: TestClient, stored: str
) -> None:
    chart = client.get(stored).json()
    gaps = [point for point in chart["points"] if point["suppressed"]]
    assert [point["date"] for point in gaps] == GAPS
    for point in gaps:
        assert point["value"] is None
        assert (point["special_cause"], point["point_type"]) == ("common_cause", "common_cause")
        # A missing P row carries the centre and no limits (spc-api.md).
        assert point["centre"] is not None
        assert (point["lower_limit"], point["upper_limit"]) == (None, None)
    assert all(point["value"] is not None for point in chart["points"] if not point["suppressed"])
    assert WARNING in chart["warnings"]


def test_the_stored_chart_equals_the_posted_one_with_suppressed_points(
    client: TestClient, stored: str
) -> None:
    chart = client.get(stored).json()
    posted = client.post(CHARTS, json=_posted())
    assert posted.status_code == 200, posted.text
    for key in ("points", "periods", "variation_icon", "assurance", "warnings"):
        assert chart[key] == posted.json()[key], key


def test_the_other_points_keep_the_centre_and_limits_they_have_without_the_gaps(
    client: TestClient, stored: str
) -> None:
    chart = client.get(stored).json()
    without = client.post(CHARTS, json=_posted(drop_gaps=True)).json()
    lines = ["date", "value", "centre", "lower_limit", "upper_limit"]
    lines += ["lower_warning", "upper_warning"]
    kept = [point for point in chart["points"] if not point["suppressed"]]
    assert [[point[key] for key in lines] for point in kept] == [
        [point[key] for key in lines] for point in without["points"]
    ]
    # The runs analysis drops missing points, so it too is as without them.
    assert chart["periods"][0]["runs"] == without["periods"][0]["runs"]
    assert WARNING not in without["warnings"]


def test_the_svg_leaves_a_gap_with_no_marker(client: TestClient, stored: str) -> None:
    response = client.get(stored, params={"format": "svg"})
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.text)
    markers = [c for c in root.iter(f"{SVG_NS}circle") if c.get("r") == "4"]
    assert len(markers) == len(WEEKS) - len(GAPS)
    titles = [title.text or "" for c in markers for title in c.iter(f"{SVG_NS}title")]
    assert not [title for title in titles if title.startswith(tuple(GAPS))]
    [line] = [
        path
        for path in root.iter(f"{SVG_NS}path")
        if path.get("stroke") == "#7b7d7d" and path.get("stroke-width") == "1.5"
    ]
    # Two gaps inside the series break its line into three pieces.
    assert line.get("d", "").count("M") == 3


def test_a_posted_suppressed_point_must_carry_no_number(client: TestClient) -> None:
    body = _posted()
    body["points"][2] |= {"numerator": 1, "denominator": 4}
    problem = assert_problem(client.post(CHARTS, json=body), 422)
    assert problem["errors"] == [
        {"loc": ["body", "points", 2, field], "message": "must be null on a suppressed point"}
        for field in ("numerator", "denominator")
    ]
    body = _posted()
    body["points"][2]["suppressed"] = "true"
    problem = assert_problem(client.post(CHARTS, json=body), 422)
    assert [error["loc"] for error in problem["errors"]] == [["body", "points", 2, "suppressed"]]
