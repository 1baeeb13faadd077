"""The meeting pack and the programme report through HTTP: what each holds, the HTML's safety
(escaped, no script, no external asset) and the XLSX pack's sheets and neutralised cells."""

import io
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests import api
from tests.api import API, assert_problem
from tests.equality_support import make_people

SESSIONS = ("2024-09-05", "2024-11-21", "2025-02-13")
FIRST_MONDAY = date(2024, 9, 2)
HOSTILE = "<script>alert('x')</script>"


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}{path}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _patch(client: TestClient, path: str, body: dict[str, Any]) -> None:
    etag = client.get(f"{API}{path}").headers["etag"]
    response = client.patch(f"{API}{path}", json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


@pytest.fixture
def world(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    """A selected team with a week of data per week, three learning sessions, a cycle in each
    action period, scores at the first two sessions and Alice at the first."""
    people = make_people(client, app, session_factory, password_hash)
    team = people["team"]["id"]
    cid = people["team"]["collaborative_id"]
    _patch(client, f"/teams/{team}", {"status": "selected", "aim": f"Keep nurses {HOSTILE}"})
    sessions = [
        api.meeting(
            client,
            cid,
            title=f"Learning session {n + 1}",
            starts_at=f"{day}T09:30:00+00:00",
            ends_at=f"{day}T16:00:00+00:00",
        )
        for n, day in enumerate(SESSIONS)
    ]
    register = f"{API}/meetings/{sessions[0]['id']}/attendance"
    recorded = api.replace_list(
        client,
        register,
        {
            "attendance": [
                {"member_id": people["alice"]["id"], "status": "present"},
                {"member_id": people["bob"]["id"], "status": "apologies"},
            ]
        },
    )
    assert recorded.status_code == 200, recorded.text
    measure = api.measure(client, collaborative_id=cid, name="% enjoying work")
    points = [
        {"period_start": str(FIRST_MONDAY + timedelta(weeks=n)), "value": 40.0 + (n % 4)}
        for n in range(20)
    ]
    data = client.put(f"{API}/teams/{team}/measures/{measure['id']}/data", json={"points": points})
    assert data.status_code == 200, data.text
    idea = _post(
        client, f"/teams/{team}/change-ideas", {"title": '=HYPERLINK("x")', "shared": True}
    )
    finished = _post(
        client,
        f"/teams/{team}/pdsa-cycles",
        {
            "change_idea_id": idea["id"],
            "title": "Protected breaks",
            "starts_on": "2024-09-10",
            "ends_on": "2024-10-29",
            "status": "done",
            "study": "Breaks rose from 40% to 70%.",
            "decision": "adopt",
            "measure_ids": [measure["id"]],
        },
    )
    started = _post(
        client,
        f"/teams/{team}/pdsa-cycles",
        {"change_idea_id": idea["id"], "title": "Rest room", "starts_on": "2024-12-02"},
    )
    for meeting, team_score, coach_score in ((sessions[0], 1.0, 1.0), (sessions[1], 2.0, 1.5)):
        for assessor, score in (("team", team_score), ("coach", coach_score)):
            _post(
                client,
                f"/teams/{team}/progress-scores",
                {"score": score, "assessor": assessor, "meeting_id": meeting["id"]},
            )
    outsider = make_people(client, app, session_factory, password_hash)["headers"]["alice"]
    return {
        "outsider": outsider,
        "people": people,
        "team": team,
        "cid": cid,
        "sessions": sessions,
        "measure": measure,
        "idea": idea,
        "cycles": (finished, started),
    }


def test_the_meeting_pack_holds_the_action_period_just_ended(
    client: TestClient, world: dict[str, Any]
) -> None:
    second = world["sessions"][1]
    response = client.get(f"{API}/meetings/{second['id']}/report")
    assert response.status_code == 200, response.text
    pack = response.json()
    assert pack["previous_session"]["meeting_id"] == world["sessions"][0]["id"]
    assert pack["action_period"] == {"starts_on": "2024-09-05", "ends_on": "2024-11-21"}
    (team,) = pack["teams"]
    assert team["progress"]["team"] | {"label": None} == {
        "score": 2.0,
        "label": None,
        "assessed_on": "2024-11-21",
        "previous": 1.0,
        "change": 1.0,
    }
    assert team["progress"]["coach"]["change"] == 0.5
    finished, started = world["cycles"]
    assert [c["id"] for c in team["cycles_started"]] == [finished["id"]]
    assert [(c["id"], c["decision"]) for c in team["cycles_finished"]] == [
        (finished["id"], "adopt")
    ]
    assert team["previous_attendees"] == [
        {"member_id": world["people"]["alice"]["id"], "name": "Alice"}
    ]
    (chart,) = team["charts"]
    assert (chart["measure_id"], chart["points"]) == (world["measure"]["id"], 20)
    assert [a["kind"] for a in chart["annotations"]] == ["pdsa_start", "pdsa_decision"]
    assert [i["id"] for i in team["ideas_adopted"]] == [world["idea"]["id"]]
    assert [t["id"] for t in pack["dashboard"]["teams"]] == [world["team"]]
    # The third session's period saw the second cycle start.
    third = client.get(f"{API}/meetings/{world['sessions'][2]['id']}/report").json()
    assert [c["id"] for c in third["teams"][0]["cycles_started"]] == [started["id"]]
    assert third["teams"][0]["cycles_finished"] == []
    # Another team's member gets the session's pack without this team in it.
    other = client.get(f"{API}/meetings/{second['id']}/report", headers=world["outsider"])
    assert other.status_code == 200, other.text
    assert other.json()["teams"] == []


def test_the_html_is_self_contained_escaped_and_draws_every_chart(
    client: TestClient, world: dict[str, Any]
) -> None:
    for path in (
        f"{API}/meetings/{world['sessions'][1]['id']}/report",
        f"{API}/collaboratives/{world['cid']}/report",
    ):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        assert page.startswith("<!DOCTYPE html>")
        assert "<script" not in page
        assert HOSTILE not in page
        # No external asset: nothing fetched, no stylesheet import, no CSS url().
        assert [marker for marker in ("src=", "url(", "@import") if marker in page] == []
        assert page.count("<svg") == 1
        assert "PDSA 1: Protected breaks adopted" in page
        assert "@media print" in page
        assert world["people"]["team"]["name"] in page
    by_query = client.get(f"{API}/collaboratives/{world['cid']}/report", params={"format": "html"})
    assert by_query.headers["content-type"].startswith("text/html")
    # The team's aim, with markup in it, is shown as text.
    assert "Keep nurses &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in by_query.text
    refused = client.get(
        f"{API}/collaboratives/{world['cid']}/report", headers={"Accept": "image/png"}
    )
    assert_problem(refused, 406)


def test_the_xlsx_pack_has_a_sheet_per_table_and_neutralises_formulas(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get(
        f"{API}/meetings/{world['sessions'][1]['id']}/report", params={"format": "xlsx"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        'attachment; filename="meeting-pack-2024-11-21.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "teams",
        "measures",
        "pdsa_cycles",
        "change_ideas",
        "progress_scores",
        "attendance",
    ]
    ideas = list(book["change_ideas"].iter_rows(values_only=True))
    assert ideas[0][:4] == ("team", "title", "origin", "status")
    assert ideas[1][1] == '\'=HYPERLINK("x")'
    assert book["change_ideas"]["B2"].data_type == "s"
    assert len(list(book["measures"].iter_rows())) == 21
    assert [row[3:] for row in book["attendance"].iter_rows(min_row=2, values_only=True)] == [
        ("Alice", "present"),
        ("Bob", "apologies"),
    ]
    cycles = list(book["pdsa_cycles"].iter_rows(min_row=2, values_only=True))
    assert [(row[2], row[3], row[7]) for row in cycles] == [
        (1, "Protected breaks", "adopt"),
        (2, "Rest room", None),
    ]


def test_the_programme_report_is_the_collaboratives_and_discloses_no_small_count(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get(f"{API}/collaboratives/{world['cid']}/report")
    assert response.status_code == 200, response.text
    report = response.json()
    (team,) = report["teams"]
    assert team["aim"] == f"Keep nurses {HOSTILE}"
    assert [c["number"] for c in team["cycles"]] == [1, 2]
    assert [g["ideas"][0]["id"] for g in report["change_package"]["groups"]] == [
        world["idea"]["id"]
    ]
    assert [(p["title"], p["present"]) for p in report["participation"]] == [
        ("Learning session 1", 1),
        ("Learning session 2", 0),
        ("Learning session 3", 0),
    ]
    assert report["participation"][0]["teams_present"] == {world["team"]: 1}
    # Two members: every count is under the threshold, so none is shown.
    members = report["equality"]["members"]
    assert members["total"] == {"count": None, "suppressed": True}
    assert all(
        cell["suppressed"]
        for t in members["characteristics"]
        for cell in t["cells"]
        if cell["count"] is None
    )
    assert all(
        cell["count"] is None or cell["count"] >= report["equality"]["threshold"]
        for t in members["characteristics"]
        for cell in t["cells"]
    )
    assert "lead_criterion_met" not in response.text
    events = client.get(
        f"{API}/audit-events", params={"action": "equality_summary_exported"}
    ).json()["items"]
    assert [e["subject"] for e in events] == [world["cid"]]
