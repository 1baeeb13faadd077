"""The chart endpoints over HTTP: the worked examples, 422s, SVG, stored series, dashboard."""

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role, Scope
from app.spc import (
    Assurance,
    ChartOptions,
    ChartResult,
    ChartType,
    PeriodResult,
    PointResult,
    PointType,
    RunsAnalysis,
    SeriesPoint,
    SpecialCause,
    VariationIcon,
)
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_client, add_user, client_token, person_token
from tests.spc.test_examples import EXAMPLE_FILES, Charter, check_example

CHARTS = f"{API}/spc/charts"
SVG_NS = "{http://www.w3.org/2000/svg}"


def request_body(points: list[SeriesPoint], options: ChartOptions) -> dict[str, Any]:
    return {
        "chart": options.chart.value,
        "points": [
            {
                "date": p.date.isoformat(),
                "value": p.value,
                "numerator": p.numerator,
                "denominator": p.denominator,
            }
            for p in points
        ],
        "improvement_direction": options.improvement_direction.value,
        "target": options.target,
        "rebases": [{"starts_on": d.isoformat()} for d in options.rebase],
        "fix_after_n_points": options.fix_after_n_points,
        "screen_outliers": options.screen_outliers,
        "multiply": options.multiply,
        "points_for_significance": options.points_for_significance,
    }


def result_from_json(body: dict[str, Any]) -> ChartResult:
    return ChartResult(
        chart=ChartType(body["chart"]),
        points=tuple(
            PointResult(
                **(
                    point
                    | {
                        "date": date.fromisoformat(point["date"]),
                        "special_cause": SpecialCause(point["special_cause"]),
                        "point_type": PointType(point["point_type"]),
                    }
                )
            )
            for point in body["points"]
        ),
        periods=tuple(
            PeriodResult(
                **(
                    period
                    | {
                        "start": date.fromisoformat(period["start"]),
                        "runs": RunsAnalysis(**period["runs"]),
                    }
                )
            )
            for period in body["periods"]
        ),
        variation_icon=VariationIcon(body["variation_icon"]),
        assurance=Assurance(body["assurance"]) if body["assurance"] else None,
        warnings=tuple(body["warnings"]),
    )


def over_http(client: TestClient) -> Charter:
    def chart(points: list[SeriesPoint], options: ChartOptions) -> ChartResult:
        response = client.post(CHARTS, json=request_body(points, options))
        assert response.status_code == 200, response.text
        return result_from_json(response.json())

    return chart


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_the_api_answers_every_worked_example(client: TestClient, path: Path) -> None:
    check_example(path, over_http(client))


def weekly(values: Sequence[float | None], start: date = date(2024, 1, 1)) -> list[dict[str, Any]]:
    return [
        {"date": str(start + timedelta(weeks=n)), "value": value} for n, value in enumerate(values)
    ]


class TestBadRequests:
    def test_every_problem_is_named(self, client: TestClient) -> None:
        points = weekly([1.0, 2.0, 3.0])
        points[2]["date"] = points[0]["date"]
        body = {"points": points, "rebases": [{"starts_on": "2030-01-01"}]}
        problem = assert_problem(client.post(CHARTS, json=body), 422)
        locations = [error["loc"] for error in problem["errors"]]
        assert locations == [["body", "points", 2, "date"], ["body", "rebases", 0, "starts_on"]]
        zero = assert_problem(client.post(CHARTS, json=body | {"multiply": 0}), 422)
        assert zero["errors"][0]["loc"] == ["body", "multiply"]

    def test_p_numerator_above_denominator(self, client: TestClient) -> None:
        points = [
            {"date": "2024-01-01", "numerator": 3, "denominator": 10},
            {"date": "2024-02-01", "numerator": 12, "denominator": 10},
        ]
        problem = assert_problem(client.post(CHARTS, json={"chart": "p", "points": points}), 422)
        assert problem["errors"][0]["loc"] == ["body", "points", 1, "numerator"]

    def test_bad_options_of_an_empty_series(self, client: TestClient) -> None:
        body = {"points": [], "points_for_significance": 5, "fix_after_n_points": 3}
        problem = assert_problem(client.post(CHARTS, json=body), 422)
        locations = {tuple(error["loc"]) for error in problem["errors"]}
        assert {("body", "points_for_significance"), ("body", "fix_after_n_points")} <= locations

    def test_whole_number_options_may_be_written_with_a_zero_fraction(
        self, client: TestClient
    ) -> None:
        months = [f"{year}-{month:02}-01" for year in (2024, 2025) for month in range(1, 13)]
        points = [
            {"date": month, "value": 10 + i % 3 + (i >= 12) * 10} for i, month in enumerate(months)
        ]
        whole = client.post(CHARTS, json={"points": points, "fix_after_n_points": 12})
        assert whole.status_code == 200, whole.text
        written = client.post(CHARTS, json={"points": points, "fix_after_n_points": 12.0})
        assert written.status_code == 200, written.text
        assert written.json() == whole.json()
        fraction = client.post(CHARTS, json={"points": points, "fix_after_n_points": 12.5})
        problem = assert_problem(fraction, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", "fix_after_n_points"]]


class TestSvg:
    VALUES: list[float | None] = [10, 11, 9, 10, 12, 10, None, 11, 9, 10, 11, 25]

    def parse(self, response: Any) -> ET.Element:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/svg+xml"
        return ET.fromstring(response.text)

    def test_format_svg_draws_every_point_in_its_colour(self, client: TestClient) -> None:
        body = {"points": weekly(self.VALUES), "improvement_direction": "increase", "target": 12}
        root = self.parse(client.post(CHARTS, params={"format": "svg"}, json=body))
        circles = [c for c in root.iter(f"{SVG_NS}circle") if c.get("r") == "4"]
        assert len(circles) == 11  # one per value; the missing one is a gap
        fills = [c.get("fill") for c in circles]
        assert fills[-1] == "#289de0"  # the outlier above the limit is an improvement: blue
        assert set(fills[:-1]) == {"#7b7d7d"}
        titles = [t.text for t in root.iter(f"{SVG_NS}title")]
        assert "Special cause improvement, high" in titles
        assert "Hits and misses the target" in titles

    def test_accept_header_asks_for_svg(self, client: TestClient) -> None:
        body = {"points": weekly(self.VALUES)}
        response = client.post(CHARTS, json=body, headers={"accept": "image/svg+xml"})
        assert self.parse(response).tag == f"{SVG_NS}svg"
        assert client.post(CHARTS, json=body).json()["chart"] == "xmr"


@pytest.fixture
def team_series(client: TestClient) -> dict[str, Any]:
    """A team with a p measure (percent, target 60) shared by its collaborative, 20 points."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client, status="running")
    team = api.team(client, collaborative["id"], [organisation["id"]], name="Ward 4")
    measure = api.measure(
        client,
        collaborative_id=collaborative["id"],
        chart="p",
        multiply=100,
        target=60,
        unit="%",
        name="Staff enjoying work",
    )
    points = [
        {
            "period_start": str(date(2024, 8, 5) + timedelta(weeks=n)),
            "numerator": 20 + (n % 3) + (15 if n >= 10 else 0),
            "denominator": 50,
        }
        for n in range(20)
    ]
    points[10]["note"] = "Protected breaks started"
    path = f"{API}/teams/{team['id']}/measures/{measure['id']}"
    assert client.put(f"{path}/data", json={"points": points}).status_code == 200
    return {
        "team": team,
        "measure": measure,
        "collaborative": collaborative,
        "path": path,
        "points": points,
    }


class TestStoredSeries:
    def test_chart_uses_the_measure_and_the_rebase(
        self, client: TestClient, team_series: dict[str, Any]
    ) -> None:
        path = team_series["path"]
        rebase = team_series["points"][10]["period_start"]
        assert (
            api.replace_list(
                client, f"{path}/rebases", {"rebases": [{"starts_on": rebase}]}
            ).status_code
            == 200
        )
        chart = client.get(f"{path}/chart").json()
        assert (chart["measure_name"], chart["unit"], chart["target"]) == (
            "Staff enjoying work",
            "%",
            60.0,
        )
        assert [p["start"] for p in chart["periods"]] == ["2024-08-05", rebase]
        assert chart["annotations"] == [
            {
                "date": rebase,
                "kind": "note",
                "text": "Protected breaks started",
                "pdsa_cycle_id": None,
            },
            {
                "date": rebase,
                "kind": "rebase",
                "text": "Limits recalculated",
                "pdsa_cycle_id": None,
            },
        ]
        assert chart["points"][0]["value"] == pytest.approx(40.0)  # 20 / 50 x 100
        # The same series posted to the stateless endpoint gives the same chart.
        posted = client.post(
            CHARTS,
            json={
                "chart": "p",
                "multiply": 100,
                "target": 60,
                "improvement_direction": "increase",
                "rebases": [{"starts_on": rebase, "reason": "Rota changed"}],
                "points": [
                    {
                        "date": p["period_start"],
                        "numerator": p["numerator"],
                        "denominator": p["denominator"],
                    }
                    for p in team_series["points"]
                ],
            },
        ).json()
        for key in ("points", "periods", "variation_icon", "assurance", "warnings"):
            assert chart[key] == posted[key], key
        assert posted["rebases"] == [{"starts_on": rebase, "reason": "Rota changed"}]
        assert chart["rebases"] == [{"starts_on": rebase, "reason": None}]

    def test_svg_of_a_stored_series(self, client: TestClient, team_series: dict[str, Any]) -> None:
        response = client.get(f"{team_series['path']}/chart", params={"format": "svg"})
        root = ET.fromstring(response.text)
        texts = [t.text for t in root.iter(f"{SVG_NS}text")]
        assert "Staff enjoying work" in texts
        assert "Ward 4" in texts
        assert "target" in texts

    def test_no_data_yet_is_404(self, client: TestClient, team_series: dict[str, Any]) -> None:
        other = api.measure(client, team_id=team_series["team"]["id"])
        path = f"{API}/teams/{team_series['team']['id']}/measures/{other['id']}/chart"
        assert assert_problem(client.get(path), 404)["type"].endswith("no-data")


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    yield executed
    event.remove(connection, "before_cursor_execute", record)


class TestDashboard:
    def select(self, client: TestClient, team_id: str) -> None:
        lead = api.member(client, api.organisation(client)["id"])
        assert api.membership(client, team_id, lead["id"], "lead").status_code == 201
        path = f"{API}/teams/{team_id}"
        for status in ("selected", "active"):  # a team is selected before it starts
            etag = client.get(path).headers["etag"]
            response = client.patch(path, json={"status": status}, headers={"if-match": etag})
            assert response.status_code == 200, response.text

    def test_one_cell_per_team_and_shared_measure(
        self, client: TestClient, team_series: dict[str, Any], statements: list[str]
    ) -> None:
        collaborative_id = team_series["collaborative"]["id"]
        self.select(client, team_series["team"]["id"])
        quiet = api.team(client, collaborative_id, team_series["team"]["organisation_ids"])
        self.select(client, quiet["id"])
        api.team(client, collaborative_id, team_series["team"]["organisation_ids"])  # applied only
        path = f"{API}/collaboratives/{collaborative_id}/dashboard"

        statements.clear()
        dashboard = client.get(path).json()
        queries_with_two_teams = len(
            [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        )

        assert dashboard["teams"] == [
            {"id": team_series["team"]["id"], "name": "Ward 4", "status": "active"},
            {"id": quiet["id"], "name": quiet["name"], "status": "active"},
        ]
        measure = team_series["measure"]
        assert dashboard["measures"] == [
            {
                "id": measure["id"],
                "code": measure["code"],
                "name": "Staff enjoying work",
                "unit": "%",
                "improvement_direction": "increase",
                "chart": "p",
                "frequency": "weekly",
                "target": 60.0,
            }
        ]
        cells = {cell["team_id"]: cell for cell in dashboard["cells"]}
        busy = cells[team_series["team"]["id"]]
        assert busy["n_points"] == 20
        assert busy["latest_date"] == team_series["points"][-1]["period_start"]
        assert busy["latest_value"] == pytest.approx(72.0)  # (20 + 19 % 3 + 15) / 50 x 100
        assert busy["variation_icon"] == "improvement_high"
        assert cells[quiet["id"]] == {
            "team_id": quiet["id"],
            "measure_id": team_series["measure"]["id"],
            "n_points": 0,
            "latest_date": None,
            "latest_value": None,
            "variation_icon": None,
            "assurance": None,
        }

        # More teams with data: the number of queries stays the same.
        for _ in range(3):
            extra = api.team(client, collaborative_id, team_series["team"]["organisation_ids"])
            self.select(client, extra["id"])
            points = [{"period_start": "2024-08-05", "numerator": 1, "denominator": 2}]
            client.put(
                f"{API}/teams/{extra['id']}/measures/{team_series['measure']['id']}/data",
                json={"points": points},
            )
        statements.clear()
        assert len(client.get(path).json()["cells"]) == 5
        assert (
            len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
            == queries_with_two_teams
        )

    def test_unknown_collaborative_is_404(self, client: TestClient) -> None:
        missing = "00000000-0000-4000-8000-000000000000"
        assert_problem(client.get(f"{API}/collaboratives/{missing}/dashboard"), 404)


def test_dashboard_shows_each_caller_the_teams_they_can_open(
    client: TestClient,
    anonymous: TestClient,
    app: FastAPI,
    session_factory: sessionmaker[Session],
    password_hash: str,
    team_series: dict[str, Any],
) -> None:
    """Admins see every team; a coach the teams they coach; a member their own team; a
    trust's client its organisations' teams; a person with no team none. Everyone sees the
    shared measures, and no cell of a team they cannot open."""
    collaborative_id = team_series["collaborative"]["id"]
    ward = team_series["team"]
    other_trust = api.organisation(client)
    clinic = api.team(client, collaborative_id, [other_trust["id"]], name="Clinic 2")
    for team in (ward, clinic):
        TestDashboard().select(client, team["id"])
    icb = api.organisation(client, kind="icb")
    coach = api.coach(client, icb["id"], ward["id"])
    idle_coach = api.coach(client, icb["id"])
    member = api.member(client, other_trust["id"])
    assert api.membership(client, clinic["id"], member["id"]).status_code == 201
    with session_factory.begin() as session:
        users = {
            name: add_user(
                session, password_hash, role, person["email"], member_id=uuid.UUID(person["id"])
            )
            for name, role, person in (
                ("coach", Role.COACH, coach),
                ("idle coach", Role.COACH, idle_coach),
                ("member", Role.MEMBER, member),
            )
        }
        trust_client = add_client(session, [Scope.READ], [other_trust["ods_code"]])
    tokens = {name: person_token(app, user) for name, user in users.items()}
    tokens["trust client"] = client_token(app, trust_client)
    path = f"{API}/collaboratives/{collaborative_id}/dashboard"

    def seen(name: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
        response = anonymous.get(path, headers={"Authorization": f"Bearer {tokens[name]}"})
        assert response.status_code == 200, response.text
        body = response.json()
        return (
            [team["name"] for team in body["teams"]],
            [(cell["team_id"], cell["measure_id"]) for cell in body["cells"]],
            [measure["name"] for measure in body["measures"]],
        )

    measure_id = team_series["measure"]["id"]
    everything = client.get(path).json()
    assert [team["name"] for team in everything["teams"]] == ["Ward 4", "Clinic 2"]
    assert [cell["n_points"] for cell in everything["cells"]] == [20, 0]
    assert seen("coach") == (["Ward 4"], [(ward["id"], measure_id)], ["Staff enjoying work"])
    assert seen("member") == (["Clinic 2"], [(clinic["id"], measure_id)], ["Staff enjoying work"])
    assert seen("trust client") == seen("member")
    assert seen("idle coach") == ([], [], ["Staff enjoying work"])


def test_dashboard_agrees_with_the_series_chart_after_a_rebase(
    client: TestClient, team_series: dict[str, Any]
) -> None:
    path = team_series["path"]
    rebase = team_series["points"][10]["period_start"]
    api.replace_list(client, f"{path}/rebases", {"rebases": [{"starts_on": rebase}]})
    TestDashboard().select(client, team_series["team"]["id"])
    chart = client.get(f"{path}/chart").json()
    dashboard = client.get(
        f"{API}/collaboratives/{team_series['collaborative']['id']}/dashboard"
    ).json()
    (cell,) = dashboard["cells"]
    assert cell["n_points"] == 20
    assert (cell["variation_icon"], cell["assurance"]) == (
        chart["variation_icon"],
        chart["assurance"],
    )
    assert cell["latest_value"] == chart["points"][-1]["value"]
    # After the rebase the improvement is the new normal: the last point is common cause.
    assert cell["variation_icon"] == "common_cause"
