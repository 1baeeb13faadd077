"""A collaborative taking applications, and people to apply, built through the HTTP API."""

from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.clock import today
from tests import api
from tests.api import API

CRITERIA = [
    {"code": "aim", "name": "Clarity of aim", "weight": 2},
    {"code": "frontline", "name": "Frontline involvement", "weight": 1},
    {"code": "support", "name": "Support from the organisation", "weight": 1},
]
# An ethnic category the lead rule counts as under-represented, and one it does not.
MET = {"ethnic_category": "M"}
NOT_MET = {"ethnic_category": "A"}


# A TestClient (an httpx.Client itself) or a live server's client.
Caller = TestClient | httpx.Client


def open_collaborative(client: Caller, **fields: Any) -> dict[str, Any]:
    """A collaborative whose applications close today and whose year starts in a month."""
    day = today()
    body = {
        "name": api.unique("Retention collaborative "),
        "starts_on": str(day + timedelta(days=30)),
        "ends_on": str(day + timedelta(days=400)),
        "applications_close_on": str(day),
        "under_represented": ["ethnic_category"],
        "selection_criteria": CRITERIA,
    }
    response = client.post(f"{API}/collaboratives", json=body | fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def close_applications(client: Caller, collaborative_id: str) -> None:
    """Move the closing day to yesterday, so the panel may select."""
    path = f"{API}/collaboratives/{collaborative_id}"
    etag = client.get(path).headers["etag"]
    yesterday = str(today() - timedelta(days=1))
    changed = client.patch(
        path, json={"applications_close_on": yesterday}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text


def person(client: Caller, organisation_id: str, profile: dict[str, str] | None = None) -> str:
    """A member of the organisation, with this equality profile (none when None)."""
    body = {
        "name": "Sam Applicant",
        "email": f"{api.unique('sam.')}@example.nhs.uk".lower(),
        "organisation_id": organisation_id,
    }
    response = client.post(f"{API}/members", json=body)
    assert response.status_code == 201, response.text
    member_id: str = response.json()["id"]
    if profile is not None:
        saved = client.put(f"{API}/members/{member_id}/equality-profile", json=profile)
        assert saved.status_code == 201, saved.text
    return member_id


def application_body(
    organisation_id: str, lead: str, *others: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "team_name": api.unique("Ward "),
        "organisation_ids": [organisation_id],
        "service_area": "Acute medicine",
        "aim": "Fewer nurses leaving in their first year, because we lose too many.",
        "sponsor": {
            "name": "Pat Sponsor",
            "job_title": "Deputy Chief Nurse",
            "email": "pat.sponsor@example.nhs.uk",
        },
        "time_commitment_hours_per_month": 8,
        "members": [{"member_id": lead, "role": "lead"}]
        + [{"member_id": other, "role": "member"} for other in others],
    }
    return body | fields


def apply(client: Caller, collaborative_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API}/collaboratives/{collaborative_id}/applications", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def review(client: Caller, application_id: str, etag: str | None = None, **scores: int) -> Any:
    """PUT the caller's review: the first without If-Match, a replacement with its ETag."""
    return client.put(
        f"{API}/applications/{application_id}/reviews",
        json={"scores": scores, "comment": "A clear aim."},
        headers={"If-Match": etag} if etag else {},
    )


def select(client: Caller, collaborative_id: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}/collaboratives/{collaborative_id}/selection", json=body)


def change(client: Caller, application_id: str, body: dict[str, Any]) -> Any:
    """PATCH an application with the If-Match its GET names, as a client would."""
    path = f"{API}/applications/{application_id}"
    read = client.get(path)
    assert read.status_code == 200, read.text
    return client.patch(path, json=body, headers={"If-Match": read.headers["etag"]})
