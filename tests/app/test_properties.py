"""Rules that hold for every input, checked with Hypothesis."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import BadRequest
from app.pagination import decode_cursor, encode_cursor
from tests import api
from tests.api import API

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


filters = st.dictionaries(st.sampled_from(["status", "kind", "team_id"]), st.text(max_size=8))


@given(sort_value=instants, ident=st.uuids(), issued_with=filters, asked_with=filters)
def test_a_cursor_decodes_to_what_was_encoded_for_its_own_list_and_filters(
    sort_value: datetime,
    ident: uuid.UUID,
    issued_with: dict[str, str],
    asked_with: dict[str, str],
) -> None:
    cursor = encode_cursor(sort_value, ident, "teams", issued_with)
    assert decode_cursor(cursor, datetime, "teams", issued_with) == (sort_value, ident)
    with pytest.raises(BadRequest):
        decode_cursor(cursor, datetime, "members", issued_with)
    if asked_with != issued_with:
        with pytest.raises(BadRequest):
            decode_cursor(cursor, datetime, "teams", asked_with)


@given(text=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_any_other_cursor_is_a_bad_request_not_a_crash(text: str) -> None:
    try:
        decode_cursor(text, datetime, "teams", {})
    except BadRequest:
        return
    # A string that happens to decode must carry a real (instant, id) pair.
    value, ident = decode_cursor(text, datetime, "teams", {})
    assert isinstance(value, datetime)
    assert isinstance(ident, uuid.UUID)


def test_pages_of_any_size_list_every_item_once_in_order(client: TestClient) -> None:
    created = [api.organisation(client)["id"] for _ in range(9)]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(limit=st.integers(min_value=1, max_value=12))
    def walk(limit: int) -> None:
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            page = client.get(f"{API}/organisations", params=params).json()
            assert len(page["items"]) <= limit
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == created

    walk()


@pytest.fixture
def p_series(client: TestClient) -> str:
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    measure = api.measure(client, team_id=team["id"], chart="p")
    return f"{API}/teams/{team['id']}/measures/{measure['id']}/data"


counts = st.integers(min_value=-3, max_value=60).map(float)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Weeks from 2024-01-01 up to late 2026: data points may not start in the future.
@given(numerator=counts, denominator=counts, offset=st.integers(min_value=0, max_value=150))
def test_a_p_point_is_stored_exactly_when_it_is_a_proportion(
    client: TestClient, p_series: str, numerator: float, denominator: float, offset: int
) -> None:
    period = str(date(2024, 1, 1) + timedelta(weeks=offset))
    # Examples share the series and may hit a stored period: each one replaces it.
    response = client.put(
        p_series,
        params={"overwrite": "true"},
        json={
            "points": [{"period_start": period, "numerator": numerator, "denominator": denominator}]
        },
    )
    valid = denominator > 0 and 0 <= numerator <= denominator
    stored = {
        p["period_start"]: p for p in client.get(p_series, params={"limit": 200}).json()["items"]
    }
    if valid:
        assert response.status_code == 200, response.text
        assert (stored[period]["numerator"], stored[period]["denominator"]) == (
            numerator,
            denominator,
        )
    else:
        assert response.status_code == 422
        fields = {error["loc"][-1] for error in response.json()["errors"]}
        assert fields <= {"numerator", "denominator"}
        assert fields
        previous = stored.get(period)
        assert previous is None or (previous["numerator"], previous["denominator"]) != (
            numerator,
            denominator,
        )


def _period_start(frequency: str, day: date) -> date:
    """The oracle, written apart from the service: the latest period start on or before `day`."""
    if frequency == "weekly":
        return next(
            day - timedelta(days=k) for k in range(7) if (day - timedelta(days=k)).isoweekday() == 1
        )
    months = range(1, 13) if frequency == "monthly" else (1, 4, 7, 10)
    return max(date(day.year, month, 1) for month in months if date(day.year, month, 1) <= day)


@pytest.fixture
def series_by_frequency(client: TestClient) -> dict[str, str]:
    organisation = api.organisation(client)
    team = api.team(client, api.collaborative(client)["id"], [organisation["id"]])
    paths = {}
    for frequency in ("weekly", "monthly", "quarterly"):
        measure = api.measure(client, team_id=team["id"], frequency=frequency)
        paths[frequency] = f"{API}/teams/{team['id']}/measures/{measure['id']}/data"
    return paths


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    frequency=st.sampled_from(["weekly", "monthly", "quarterly"]),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
)
def test_a_point_is_stored_exactly_when_it_starts_its_period_and_can_be_deleted(
    client: TestClient, series_by_frequency: dict[str, str], frequency: str, day: date
) -> None:
    path = series_by_frequency[frequency]
    response = client.put(path, json={"points": [{"period_start": str(day), "value": 1.0}]})
    expected = _period_start(frequency, day)
    if day == expected:
        assert response.status_code == 200, response.text
        assert client.delete(f"{path}/{day}").status_code == 204
    else:
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["loc"] == ["body", "points", 0, "period_start"]
        assert error["message"].endswith(f": {expected}")
    assert client.get(path).json()["items"] == []
