"""Shared helpers for the import and workforce tests: a collaborative whose teams carry external
references, and workforce-monthly files posted as a trust system would post them."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests import api
from tests.api import API

IMPORTS = f"{API}/imports"
HEADER = (
    "ods_code,team_ref,month,headcount_start,headcount_end,starters,leavers,"
    "sickness_fte_days_lost,fte_days_available"
)
# Ingest spec 8.3: one team's month.
EXAMPLE_ROW = "{ods},{ref},15/03/2025,40,39,2,3,31.5,1085"


@dataclass(frozen=True)
class Trust:
    """An organisation and one team of the collaborative it runs, known by `ref`."""

    organisation: dict[str, Any]
    team: dict[str, Any]
    ref: str

    @property
    def ods(self) -> str:
        ods: str = self.organisation["ods_code"]
        return ods

    @property
    def team_id(self) -> str:
        team_id: str = self.team["id"]
        return team_id


@dataclass(frozen=True)
class Collaborative:
    id: str
    a: Trust
    b: Trust


def trust(client: TestClient, collaborative_id: str, ref: str) -> Trust:
    organisation = api.organisation(client)
    team = api.team(
        client,
        collaborative_id,
        [organisation["id"]],
        external_refs=[{"ods_code": organisation["ods_code"], "ref": ref}],
    )
    return Trust(organisation, team, ref)


def collaborative(client: TestClient) -> Collaborative:
    """A collaborative with two trusts' teams, `ED-NURSING` of trust a and `WARD-3` of b."""
    made = api.collaborative(client)
    return Collaborative(
        made["id"], trust(client, made["id"], "ED-NURSING"), trust(client, made["id"], "WARD-3")
    )


def csv_text(rows: Iterable[str], header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def example(team: Trust) -> str:
    return EXAMPLE_ROW.format(ods=team.ods, ref=team.ref)


def post_file(
    client: TestClient | httpx.Client,
    collaborative_id: str,
    body: str | bytes,
    *,
    media_type: str = "text/csv",
    headers: Mapping[str, str] | None = None,
    **params: Any,
) -> Any:
    """POST /imports of a workforce-monthly file, the body being the file (the response)."""
    query = {"kind": "workforce-monthly", "collaborative_id": collaborative_id} | params
    content = body.encode() if isinstance(body, str) else body
    return client.post(
        IMPORTS,
        params=query,
        content=content,
        headers={"Content-Type": media_type, **(headers or {})},
    )


def workforce(client: TestClient | httpx.Client, team_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/teams/{team_id}/workforce")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found
