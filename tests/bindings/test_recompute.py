"""A bound measure's points follow the stored survey aggregates (ingest spec 7): a p chart of
favourable out of respondents, a gap when suppressed, typed points replaced only where a
period has aggregates, and points written counted only when their numbers change."""

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.bindings import service
from app.bindings.service import Recomputed
from app.surveys.builtins import ENJOYING_WORK
from tests import api
from tests.api import API
from tests.survey_results.support import SPEC_8_1, WEEK, enjoy, new_team, store

ENJOY = {"type": "survey-question", "survey": "enjoying-work", "question": "enjoy_work"}


def _setup(client: TestClient, **measure: Any) -> tuple[str, str]:
    collaborative = api.collaborative(client)["id"]
    team = new_team(client, collaborative)["id"]
    body = {"collaborative_id": collaborative, "chart": "p", "data_source": ENJOY} | measure
    return team, api.measure(client, **body)["id"]


def _recompute(
    session_factory: sessionmaker[Session], team: str, periods: list[date] | None
) -> Recomputed:
    with session_factory.begin() as session:
        return service.recompute_survey(
            session, ENJOYING_WORK, [uuid.UUID(team)], periods, threshold=10, import_id=None
        )


def _points(client: TestClient, team: str, measure: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/teams/{team}/measures/{measure}/data")
    assert response.status_code == 200, response.text
    return [
        {k: p[k] for k in ("period_start", "numerator", "denominator", "suppressed", "source")}
        for p in response.json()["items"]
    ]


def test_worked_example_8_1_becomes_a_point_of_7_of_11_and_8_answers_a_gap(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team, measure = _setup(client)
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    next_week = WEEK + timedelta(days=7)
    store(session_factory, ENJOYING_WORK, team, next_week, enjoy(("always", 8), prefix="n"))
    outcome = _recompute(session_factory, team, [WEEK, next_week])
    assert outcome == Recomputed(points_written=2, replaced_typed=0, removed=0)
    assert _points(client, team, measure) == [
        {"period_start": "2025-03-03", "numerator": 7, "denominator": 11, "suppressed": False,
         "source": "derived"},
        {"period_start": "2025-03-10", "numerator": None, "denominator": None, "suppressed": True,
         "source": "derived"},
    ]  # fmt: skip
    chart = client.get(f"{API}/teams/{team}/measures/{measure}/chart").json()
    assert any("suppressed" in warning for warning in chart["warnings"])


def test_the_same_aggregates_again_write_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team, _ = _setup(client)
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    assert _recompute(session_factory, team, [WEEK]).points_written == 1
    assert _recompute(session_factory, team, None) == Recomputed()


def test_a_typed_point_is_replaced_only_where_the_period_has_aggregates(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team, measure = _setup(client)
    earlier = WEEK - timedelta(days=7)
    typed = {
        "points": [
            {"period_start": str(earlier), "numerator": 5, "denominator": 20},
            {"period_start": str(WEEK), "numerator": 1, "denominator": 20},
        ]
    }
    sent = client.put(f"{API}/teams/{team}/measures/{measure}/data", json=typed)
    assert sent.status_code == 200, sent.text
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    assert _recompute(session_factory, team, [WEEK]) == Recomputed(1, 1, 0)
    points = _points(client, team, measure)
    assert [(p["period_start"], p["numerator"], p["denominator"]) for p in points] == [
        (str(earlier), 5, 20),  # no aggregates that week: the team's own point stays
        (str(WEEK), 7, 11),
    ]


def test_a_value_chart_gets_the_percentage_and_an_unbound_measure_nothing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    team, measure = _setup(client, chart="xmr")
    collaborative = client.get(f"{API}/teams/{team}").json()["collaborative_id"]
    unbound = api.measure(client, collaborative_id=collaborative, chart="xmr")["id"]
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    _recompute(session_factory, team, [WEEK])
    (point,) = client.get(f"{API}/teams/{team}/measures/{measure}/data").json()["items"]
    assert abs(point["value"] - 700 / 11) < 1e-9
    assert client.get(f"{API}/teams/{team}/measures/{unbound}/data").json()["items"] == []


def _patch(client: TestClient, measure: str, body: dict[str, Any]) -> dict[str, Any]:
    path = f"{API}/measures/{measure}"
    etag = client.get(path).headers["etag"]
    response = client.patch(path, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_binding_a_measure_charts_what_is_already_stored_and_rebinding_replaces_it(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    collaborative = api.collaborative(client)["id"]
    team = new_team(client, collaborative)["id"]
    measure = api.measure(client, collaborative_id=collaborative, chart="p")["id"]
    people = enjoy(*SPEC_8_1)
    people += [
        type(p)(p.response_id + "-b", {"burnout": "1" if i < 10 else "3"})
        for i, p in enumerate(enjoy(("always", 12), prefix="b"))
    ]
    store(session_factory, ENJOYING_WORK, team, WEEK, people)
    assert _points(client, team, measure) == []
    _patch(client, measure, {"data_source": ENJOY})
    assert [(p["numerator"], p["denominator"]) for p in _points(client, team, measure)] == [(7, 11)]
    burnout = ENJOY | {"question": "burnout"}
    _patch(client, measure, {"data_source": burnout})
    assert [(p["numerator"], p["denominator"]) for p in _points(client, team, measure)] == [
        (10, 12)
    ]
    # Unbound, the points stay as the measure's data.
    _patch(client, measure, {"data_source": None})
    assert [(p["numerator"], p["denominator"]) for p in _points(client, team, measure)] == [
        (10, 12)
    ]


def test_a_measure_created_bound_is_charted_at_once(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    collaborative = api.collaborative(client)["id"]
    team = new_team(client, collaborative)["id"]
    store(session_factory, ENJOYING_WORK, team, WEEK, enjoy(*SPEC_8_1))
    measure = api.measure(client, collaborative_id=collaborative, chart="p", data_source=ENJOY)
    assert [(p["numerator"], p["denominator"]) for p in _points(client, team, measure["id"])] == [
        (7, 11)
    ]
