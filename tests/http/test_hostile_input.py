"""Crafted input gets a clear 4xx problem, never a 500: cursors the service did not issue,
instants and dates outside the calendar, numbers too large to chart, NUL characters in forms
and paths, over-long fields that must still be audited, and more points than a chart takes."""

import base64
import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from tests import api
from tests.api import API, assert_oauth_error, assert_problem
from tests.conftest import add_user, person_token


def cursor(*parts: Any, bound_to: tuple[str, ...] = ("teams", "0" * 16)) -> str:
    """A cursor as this service writes it: sort value, id, then the list and filters' digest."""
    raw = json.dumps([*parts, *bound_to]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ID = uuid.uuid4().hex
FOREIGN_CURSORS = {
    "naive_datetime": cursor("2024-01-01T00:00:00", ID),
    "datetime_not_in_utc": cursor("9999-12-31T23:59:59-05:00", ID),
    "date_on_a_datetime_list": cursor("2024-01-01", ID),
    "number": cursor(1700000000, ID),
    "three_parts": cursor("2024-01-01T00:00:00+00:00", ID, ID),
    "unbound": cursor("2024-01-01T00:00:00+00:00", ID, bound_to=()),
    "not_a_uuid": cursor("2024-01-01T00:00:00+00:00", "zz"),
    "not_json": base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
}


@pytest.mark.parametrize("path", ["/teams", "/members", "/audit-events", "/meetings"])
@pytest.mark.parametrize("kind", sorted(FOREIGN_CURSORS))
def test_a_cursor_we_did_not_issue_is_400(client: TestClient, path: str, kind: str) -> None:
    response = client.get(f"{API}{path}", params={"cursor": FOREIGN_CURSORS[kind]})
    problem = assert_problem(response, 400)
    assert "cursor" in problem["detail"]


def test_a_datetime_cursor_on_a_list_keyed_by_date_is_400(client: TestClient) -> None:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"])
    path = f"{API}/teams/{team['id']}/measures/{measure['id']}/data"
    response = client.get(path, params={"cursor": cursor("2024-01-01T00:00:00+00:00", ID)})
    assert_problem(response, 400)


def _next_cursor(client: TestClient, path: str, **params: str) -> str:
    page = client.get(f"{API}{path}", params={"limit": "1", **params})
    assert page.status_code == 200, page.text
    next_cursor: str = page.json()["next_cursor"]
    assert next_cursor is not None
    return next_cursor


def assert_cursor_refused(response: Any) -> None:
    problem = assert_problem(response, 400)
    assert problem["detail"] == (
        "This cursor belongs to another list or other filters; start again without it."
    )


def test_a_cursor_from_another_list_is_400(client: TestClient) -> None:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    for _ in range(2):
        api.member(client, organisation["id"])
        api.team(client, collaborative["id"], [organisation["id"]])
    from_members = _next_cursor(client, "/members")
    assert_cursor_refused(client.get(f"{API}/teams", params={"cursor": from_members}))
    # Both lists are keyed by creation time, so the cursor would otherwise be read as a place
    # in the teams, skipping or repeating some; on its own list it still works.
    members = client.get(f"{API}/members", params={"cursor": from_members})
    assert members.status_code == 200, members.text
    assert members.json()["items"]


def test_a_cursor_issued_with_other_filters_is_400(client: TestClient) -> None:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    for _ in range(3):
        api.team(client, collaborative["id"], [organisation["id"]])
    applied = _next_cursor(client, "/teams", status="applied")
    refused = client.get(f"{API}/teams", params={"status": "selected", "cursor": applied})
    assert_cursor_refused(refused)
    # Leaving the filter out is another list too.
    assert_cursor_refused(client.get(f"{API}/teams", params={"cursor": applied}))
    again = client.get(f"{API}/teams", params={"status": "applied", "cursor": applied})
    assert again.status_code == 200, again.text
    assert {team["status"] for team in again.json()["items"]} == {"applied"}


def test_a_cursor_is_bound_to_its_team_and_order(client: TestClient) -> None:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    teams = [api.team(client, collaborative["id"], [organisation["id"]]) for _ in range(2)]
    for team in teams:
        for _ in range(2):
            member = api.member(client, organisation["id"])
            assert api.membership(client, team["id"], member["id"]).status_code == 201
    first, second = (f"/teams/{team['id']}/members" for team in teams)
    assert_cursor_refused(
        client.get(f"{API}{second}", params={"cursor": _next_cursor(client, first)})
    )
    newest = _next_cursor(client, "/audit-events", order="newest")
    oldest_first = client.get(f"{API}/audit-events", params={"cursor": newest})
    assert_cursor_refused(oldest_first)


def test_an_issued_cursor_still_works(client: TestClient) -> None:
    for _ in range(3):
        api.organisation(client)
    first = client.get(f"{API}/organisations", params={"limit": 2}).json()
    second = client.get(f"{API}/organisations", params={"cursor": first["next_cursor"]})
    assert second.status_code == 200, second.text
    assert {o["id"] for o in first["items"]}.isdisjoint(o["id"] for o in second.json()["items"])


OUT_OF_CALENDAR_INSTANTS = [
    "0001-01-01T00:30:00+01:00",  # year 0 in UTC
    "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
    "1899-12-31T23:00:00+00:00",
    "3000-01-01T00:00:00+00:00",
]


@pytest.mark.parametrize("instant", OUT_OF_CALENDAR_INSTANTS)
def test_instants_outside_the_calendar_are_422(client: TestClient, instant: str) -> None:
    collaborative = api.collaborative(client)
    meeting = client.post(
        f"{API}/meetings",
        json={
            "collaborative_id": collaborative["id"],
            "title": "Learning session",
            "kind": "learning_session",
            "starts_at": instant,
            "ends_at": "2025-01-01T12:00:00+00:00",
        },
    )
    assert assert_problem(meeting, 422)["errors"][0]["loc"] == ["body", "starts_at"]
    since = client.get(f"{API}/audit-events", params={"since": instant})
    assert assert_problem(since, 422)["errors"][0]["loc"] == ["query", "since"]
    after = client.get(f"{API}/meetings", params={"starts_after": instant})
    assert_problem(after, 422)


def test_a_meeting_far_from_its_collaborative_is_422(client: TestClient) -> None:
    collaborative = api.collaborative(client)  # 2024-07-31 to 2025-09-22
    response = client.post(
        f"{API}/meetings",
        json={
            "collaborative_id": collaborative["id"],
            "title": "Learning session",
            "kind": "learning_session",
            "starts_at": "2031-01-01T10:00:00+00:00",
            "ends_at": "2031-01-01T12:00:00+00:00",
        },
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "starts_at"]
    assert "2023-07-31" in problem["errors"][0]["message"]


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_collaborative_dates_outside_their_range_are_422(client: TestClient, day: str) -> None:
    response = client.post(
        f"{API}/collaboratives",
        json={"name": "Cohort", "starts_on": "2024-01-01", "ends_on": day},
    )
    assert assert_problem(response, 422)["errors"][0]["loc"][-1] == "ends_on"


def test_a_collaborative_of_more_than_ten_years_is_422(client: TestClient) -> None:
    response = client.post(
        f"{API}/collaboratives",
        json={"name": "Cohort", "starts_on": "2024-01-01", "ends_on": "2035-01-01"},
    )
    assert "ten years" in assert_problem(response, 422)["errors"][0]["message"]


@pytest.fixture
def series(client: TestClient) -> dict[str, Any]:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    return {"organisation": organisation, "collaborative": collaborative, "team": team}


def put_points(
    client: TestClient, team: dict[str, Any], measure: dict[str, Any], points: Any
) -> Any:
    return client.put(
        f"{API}/teams/{team['id']}/measures/{measure['id']}/data", json={"points": points}
    )


@pytest.mark.parametrize(
    "period", ["0001-01-01", "2020-12-28", (date.today() + timedelta(days=7)).isoformat()]
)
def test_a_data_point_outside_its_window_is_422(
    client: TestClient, series: dict[str, Any], period: str
) -> None:
    """The collaborative starts 2024-07-31: its baseline begins 2021-01-01; nothing is in the
    future."""
    measure = api.measure(client, team_id=series["team"]["id"])
    response = put_points(client, series["team"], measure, [{"period_start": period, "value": 1}])
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"] == ["body", "points", 0, "period_start"]
    # The baseline window, or for year 1 the calendar itself, which is checked first.
    message = problem["errors"][0]["message"]
    assert "2021-01-01" in message or "1900-01-01" in message


@pytest.mark.parametrize("value", [1e308, -1e308, 1e12 + 1e6])
def test_numbers_beyond_the_magnitude_bound_are_422(
    client: TestClient, series: dict[str, Any], value: float
) -> None:
    measure = api.measure(client, team_id=series["team"]["id"])
    response = put_points(
        client, series["team"], measure, [{"period_start": "2024-08-05", "value": value}]
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "points", 0, "value"]
    chart = client.post(
        f"{API}/spc/charts", json={"points": [{"date": "2024-08-05", "value": value}]}
    )
    assert_problem(chart, 422)


def test_the_largest_allowed_values_chart_everywhere(
    client: TestClient, series: dict[str, Any]
) -> None:
    """A member storing the largest counts allowed on a shared measure cannot break the
    dashboard for everyone; +/-1e12 on an XmR series draws."""
    team = series["team"]
    shared = api.measure(client, collaborative_id=series["collaborative"]["id"], chart="c")
    mondays = [str(date(2024, 8, 5) + timedelta(weeks=k)) for k in range(12)]
    counts = [{"period_start": day, "value": 1e12} for day in mondays]
    assert put_points(client, team, shared, counts).status_code == 200
    identifier = team["id"]
    etag = client.get(f"{API}/teams/{identifier}").headers["etag"]
    lead = api.member(client, series["organisation"]["id"])
    assert api.membership(client, identifier, lead["id"], "lead").status_code == 201
    selected = client.patch(
        f"{API}/teams/{identifier}", json={"status": "selected"}, headers={"If-Match": etag}
    )
    assert selected.status_code == 200, selected.text
    dashboard = client.get(f"{API}/collaboratives/{series['collaborative']['id']}/dashboard")
    assert dashboard.status_code == 200, dashboard.text
    (cell,) = dashboard.json()["cells"]
    assert cell["latest_value"] == 1e12

    xmr = api.measure(client, team_id=identifier)
    swings = [{"period_start": d, "value": 1e12 * (-1) ** k} for k, d in enumerate(mondays)]
    assert put_points(client, team, xmr, swings).status_code == 200
    chart_path = f"{API}/teams/{identifier}/measures/{xmr['id']}/chart"
    chart = client.get(chart_path)
    assert chart.status_code == 200, chart.text
    assert all(abs(point["upper_limit"]) < 1e14 for point in chart.json()["points"])
    svg = client.get(chart_path, params={"format": "svg"})
    assert svg.status_code == 200
    assert svg.text.startswith("<svg")
    assert "nan" not in svg.text.lower()


def test_a_membership_far_from_its_collaborative_is_422(
    client: TestClient, series: dict[str, Any]
) -> None:
    person = api.member(client, series["organisation"]["id"])
    path = f"{API}/teams/{series['team']['id']}/members"
    for joined_on in ("0001-01-01", "9999-12-31", "2023-07-01", "2025-09-23"):
        response = client.post(
            path, json={"member_id": person["id"], "role": "member", "joined_on": joined_on}
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "joined_on"]
    # The collaborative ended (2025-09-22), so today cannot be the default joining date.
    response = client.post(path, json={"member_id": person["id"], "role": "member"})
    problem = assert_problem(response, 422)
    assert "defaults to today" in problem["errors"][0]["message"]


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": "a\x00@example.nhs.uk", "password": "x"},
        {"grant_type": "client_credentials", "client_id": "c\x00", "client_secret": "s"},
    ],
)
def test_nul_in_the_sign_in_form_is_invalid_request_naming_the_field(
    anonymous: TestClient, form: dict[str, str]
) -> None:
    response = anonymous.post(f"{API}/auth/token", data=form)
    field = "username" if "username" in form else "client_id"
    description = assert_oauth_error(response, 400, "invalid_request")
    assert description == f"`{field}` contains a NUL character."


def audit(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit-events", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_refusals_with_hostile_paths_are_answered_and_audited(
    anonymous: TestClient, client: TestClient
) -> None:
    """Five refused requests, five audit rows: an over-long path and NUL in the path are
    recorded cut to fit, not lost."""
    paths = [
        f"{API}/teams/{'x' * 600}",
        f"{API}/teams/%00",
        f"{API}/members/a%00b",
        f"{API}/teams",
        f"{API}/measures/{'y' * 2000}",
    ]
    for path in paths:
        response = anonymous.get(path)
        assert_problem(response, 401)
    refused = audit(client, action="token_refused")
    assert len(refused) == 5
    assert all(len(event["path"]) <= 500 for event in refused)
    assert all("\x00" not in event["path"] for event in refused)
    assert refused[0]["path"].startswith(f"{API}/teams/xxx")


def test_over_long_sign_in_names_are_refused_and_audited(
    anonymous: TestClient, client: TestClient
) -> None:
    long_email = "a" * 900 + "@example.nhs.uk"
    response = anonymous.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": long_email, "password": "wrong"},
    )
    assert_oauth_error(response, 400, "invalid_grant")
    client_response = anonymous.post(
        f"{API}/auth/token",
        data={"grant_type": "client_credentials", "client_id": "c" * 900, "client_secret": "s"},
    )
    assert_oauth_error(client_response, 401, "invalid_client")
    (person,) = audit(client, action="sign_in")
    (machine,) = audit(client, action="client_sign_in")
    assert person["subject"] == long_email[:254]
    assert machine["subject"] == "c" * 254


def test_posted_charts_are_capped_at_2000_points(client: TestClient) -> None:
    start = date(2000, 1, 3)
    points = [{"date": str(start + timedelta(weeks=k)), "value": k % 7} for k in range(2001)]
    response = client.post(f"{API}/spc/charts", json={"points": points})
    assert assert_problem(response, 422)["errors"][0]["loc"][:2] == ["body", "points"]
    fits = client.post(f"{API}/spc/charts", json={"points": points[:2000]})
    assert fits.status_code == 200
    assert len(fits.json()["points"]) == 2000


def test_each_caller_may_post_a_limited_number_of_charts(
    app: FastAPI,
    client: TestClient,
    anonymous: TestClient,
    admin_token: str,
    session_factory: sessionmaker[Session],
    password_hash: str,
) -> None:
    """Past its allowance a caller gets 429 with Retry-After; another caller is unaffected."""
    body = {"points": [{"date": "2024-08-05", "value": 1}, {"date": "2024-08-12", "value": 2}]}
    allowance = app.state.settings.chart_requests_per_minute
    answers = [client.post(f"{API}/spc/charts", json=body).status_code for _ in range(allowance)]
    assert answers == [200] * allowance
    # The bucket refills by one a second, so a slow machine may earn a few more; it runs dry
    # long before the bound.
    for _ in range(allowance):
        refused = client.post(f"{API}/spc/charts", json=body)
        if refused.status_code != 200:
            break
    assert_problem(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    with session_factory.begin() as session:
        other = add_user(session, password_hash, Role.ADMIN)
    other_token = person_token(app, other)
    fine = anonymous.post(
        f"{API}/spc/charts", json=body, headers={"Authorization": f"Bearer {other_token}"}
    )
    assert fine.status_code == 200


@pytest.fixture
def coach(
    app: FastAPI,
    client: TestClient,
    session_factory: sessionmaker[Session],
    password_hash: str,
    series: dict[str, Any],
) -> TestClient:
    person = api.coach(client, series["organisation"]["id"], series["team"]["id"])
    with session_factory.begin() as session:
        user = add_user(
            session, password_hash, Role.COACH, person["email"], member_id=uuid.UUID(person["id"])
        )
    token = person_token(app, user)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_a_coach_cannot_bring_anyone_into_reach_with_a_past_membership(
    client: TestClient, coach: TestClient, series: dict[str, Any]
) -> None:
    stranger = api.member(client, api.organisation(client)["id"])
    assert_problem(coach.get(f"{API}/members/{stranger['id']}"), 404)
    response = coach.post(
        f"{API}/teams/{series['team']['id']}/members",
        json={
            "member_id": stranger["id"],
            "role": "member",
            "joined_on": "2024-08-01",
            "left_on": "2024-08-02",
        },
    )
    assert "programme lead" in assert_problem(response, 403)["detail"]
    assert_problem(coach.get(f"{API}/members/{stranger['id']}"), 404)


def test_a_coach_cannot_move_a_team_to_other_organisations(
    client: TestClient, coach: TestClient, series: dict[str, Any]
) -> None:
    other = api.organisation(client)
    path = f"{API}/teams/{series['team']['id']}"
    etag = coach.get(path).headers["etag"]
    response = coach.patch(
        path, json={"organisation_ids": [other["id"]]}, headers={"If-Match": etag}
    )
    assert "organisation_ids" in assert_problem(response, 403)["detail"]
    assert client.get(path).json()["organisation_ids"] == [series["organisation"]["id"]]


def test_a_coach_sees_only_their_teams_people_in_a_register(
    client: TestClient, coach: TestClient, series: dict[str, Any]
) -> None:
    ours = api.member(client, series["organisation"]["id"])
    theirs = api.member(client, series["organisation"]["id"])
    team_path = f"{API}/teams/{series['team']['id']}/members"
    joined = client.post(
        team_path, json={"member_id": ours["id"], "role": "member", "joined_on": "2024-08-01"}
    )
    assert joined.status_code == 201, joined.text
    # `theirs` is in another team of the same collaborative, which the coach does not coach.
    other = api.team(client, series["collaborative"]["id"], [series["organisation"]["id"]])
    assert api.membership(client, other["id"], theirs["id"]).status_code == 201
    meeting = client.post(
        f"{API}/meetings",
        json={
            "collaborative_id": series["collaborative"]["id"],
            "title": "Learning session",
            "kind": "learning_session",
            "starts_at": "2024-09-05T10:00:00+01:00",
            "ends_at": "2024-09-05T16:00:00+01:00",
        },
    ).json()
    register = f"{API}/meetings/{meeting['id']}/attendance"
    entries = [{"member_id": m["id"], "status": "present"} for m in (ours, theirs)]
    assert api.replace_list(client, register, {"attendance": entries}).status_code == 200
    assert len(client.get(register).json()["items"]) == 2
    seen = [entry["member_id"] for entry in coach.get(register).json()["items"]]
    assert seen == [ours["id"]]


@pytest.mark.parametrize(
    ("period", "status"),
    [
        ("0001-01-01", 404),
        ("9999-12-31", 404),
        ("2025-1-6", 404),
        ("2025-02-29", 422),
        ("1e308", 404),
    ],
)
def test_deleting_a_point_by_any_date_is_a_problem_not_a_crash(
    client: TestClient, series: dict[str, Any], period: str, status: int
) -> None:
    measure = api.measure(client, team_id=series["team"]["id"])
    path = f"{API}/teams/{series['team']['id']}/measures/{measure['id']}/data"
    problem = assert_problem(client.delete(f"{path}/{period}"), status)
    if status == 422:  # shaped like a date, but not one
        assert problem["errors"][0]["loc"] == ["path", "period_start"]
    bad_batch = client.post(f"{path}/delete", json={"period_starts": [period]})
    assert_problem(bad_batch, 422)
