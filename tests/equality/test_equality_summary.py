"""The lead rule on teams and the disclosure-controlled equality summary."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from app.characteristics import CODES, NOT_DECLARED, Characteristic
from app.config import Settings
from app.equality.service import population_summary
from app.main import create_app
from tests import api
from tests.api import API, assert_problem
from tests.equality_support import (
    CHARACTERISTICS,
    FULL_PROFILE,
    bearer,
    events_of,
    make_people,
    put_profile,
)


@pytest.fixture
def people(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    return make_people(client, app, session_factory, password_hash)


def _team_led_by(
    client: TestClient, collaborative_id: str, organisation_id: str, profile: dict[str, Any] | None
) -> str:
    """A team whose lead has this profile (None: no profile); returns the team's id."""
    team = api.team(client, collaborative_id, [organisation_id])
    lead = api.member(client, organisation_id)
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    if profile is not None:
        assert put_profile(client, lead["id"], profile).status_code == 201
    return str(team["id"])


class TestLeadCriterion:
    def test_true_false_and_unknown(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        collaborative = api.collaborative(
            client, under_represented=["ethnic_category", "disability", "ethnic_category"]
        )
        assert collaborative["under_represented"] == ["ethnic_category", "disability"]
        cid = collaborative["id"]
        expected = {
            _team_led_by(client, cid, organisation, {"ethnic_category": "M"}): True,
            _team_led_by(
                client, cid, organisation, {"ethnic_category": "A", "disability": "Y"}
            ): True,
            _team_led_by(
                client, cid, organisation, {"ethnic_category": "A", "disability": "N"}
            ): False,
            # One answer is enough to decide "no"; the other unanswered.
            _team_led_by(client, cid, organisation, {"ethnic_category": "C"}): False,
            # A characteristic the collaborative did not name does not count.
            _team_led_by(client, cid, organisation, {"sexual_orientation": "2"}): None,
            _team_led_by(
                client,
                cid,
                organisation,
                {"ethnic_category": "prefer_not_to_say", "disability": "Z"},
            ): None,
            _team_led_by(client, cid, organisation, None): None,
            api.team(client, cid, [organisation])["id"]: None,  # no lead
        }
        for team_id, verdict in expected.items():
            response = client.get(f"{API}/teams/{team_id}")
            assert response.status_code == 200, response.text
            assert response.json()["lead_criterion_met"] is verdict, team_id
        listed = client.get(f"{API}/teams", params={"collaborative_id": cid}).json()["items"]
        assert {team["id"]: team["lead_criterion_met"] for team in listed} == expected

    def test_nothing_named_means_unknown(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        cid = api.collaborative(client)["id"]
        team_id = _team_led_by(client, cid, organisation, FULL_PROFILE)
        assert client.get(f"{API}/teams/{team_id}").json()["lead_criterion_met"] is None
        path = f"{API}/collaboratives/{cid}"
        changed = client.patch(
            path,
            json={"under_represented": ["age_band"]},
            headers={"If-Match": client.get(path).headers["ETag"]},
        )
        assert changed.json()["under_represented"] == ["age_band"]
        assert client.get(f"{API}/teams/{team_id}").json()["lead_criterion_met"] is True

    def test_the_verdict_follows_the_current_lead(self, client: TestClient) -> None:
        organisation = api.organisation(client)["id"]
        cid = api.collaborative(client, under_represented=["disability"])["id"]
        team_id = _team_led_by(client, cid, organisation, {"disability": "Y"})
        path = f"{API}/teams/{team_id}"
        lead = client.get(f"{path}/members").json()["items"][0]["member_id"]
        member_path = f"{path}/members/{lead}"
        left = client.delete(
            member_path, headers={"If-Match": client.get(member_path).headers["ETag"]}
        )
        assert left.status_code in (200, 204), left.text
        assert client.get(path).json()["lead_criterion_met"] is None

    def test_marriage_cannot_be_named_and_names_are_checked(self, client: TestClient) -> None:
        for names in (["marriage_civil_partnership"], ["colour"]):
            body = {
                "name": "Cohort 3",
                "starts_on": "2025-01-01",
                "ends_on": "2025-12-31",
                "under_represented": names,
            }
            problem = assert_problem(client.post(f"{API}/collaboratives", json=body), 422)
            assert problem["errors"][0]["loc"][:2] == ["body", "under_represented"]

    def test_listing_teams_takes_the_same_queries_however_many(
        self, client: TestClient, connection: Connection
    ) -> None:
        organisation = api.organisation(client)["id"]
        cid = api.collaborative(client, under_represented=["disability"])["id"]
        for _ in range(2):
            _team_led_by(client, cid, organisation, {"disability": "Y"})
        other = api.collaborative(client, under_represented=["disability"])["id"]
        for _ in range(6):
            _team_led_by(client, other, organisation, {"disability": "N"})

        def list_counting_queries(collaborative_id: str) -> tuple[int, list[bool | None]]:
            statements: list[str] = []

            def record(*args: Any) -> None:
                statements.append(args[2])

            event.listen(connection, "before_cursor_execute", record)
            try:
                response = client.get(f"{API}/teams", params={"collaborative_id": collaborative_id})
            finally:
                event.remove(connection, "before_cursor_execute", record)
            assert response.status_code == 200, response.text
            queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            return len(queries), [team["lead_criterion_met"] for team in response.json()["items"]]

        few, few_verdicts = list_counting_queries(cid)
        many, many_verdicts = list_counting_queries(other)
        assert (few_verdicts, many_verdicts) == ([True] * 2, [False] * 6)
        assert 0 < few == many


@pytest.fixture
def population(client: TestClient) -> dict[str, Any]:
    """Thirty current members in three selected teams of one collaborative (one lead each),
    plus five in an applied team and one who has left, who do not count."""
    organisation = api.organisation(client)["id"]
    collaborative = api.collaborative(client, max_team_size=12)["id"]
    # 30 people: ethnic A x 20, M x 6, no profile x 4; disability Y x 12, N x 14, unset x 4.
    plans: list[dict[str, Any] | None] = (
        [{"ethnic_category": "A", "disability": "Y", "age_band": "35-44"}] * 12
        + [{"ethnic_category": "A", "disability": "N", "age_band": "35-44"}] * 8
        + [{"ethnic_category": "M", "disability": "N", "age_band": "25-34"}] * 6
        + [None] * 4
    )
    teams = []
    for index in range(3):
        team = api.team(client, collaborative, [organisation])
        teams.append(team["id"])
        for position, plan in enumerate(plans[index * 10 : (index + 1) * 10]):
            person = api.member(client, organisation)
            role = "lead" if position == 0 else "member"
            assert api.membership(client, team["id"], person["id"], role).status_code == 201
            if plan is not None:
                assert put_profile(client, person["id"], plan).status_code == 201
        path = f"{API}/teams/{team['id']}"
        selected = client.patch(
            path,
            json={"status": "selected"},
            headers={"If-Match": client.get(path).headers["ETag"]},
        )
        assert selected.status_code == 200, selected.text
    applied = api.team(client, collaborative, [organisation])
    for _ in range(5):
        person = api.member(client, organisation)
        assert api.membership(client, applied["id"], person["id"]).status_code == 201
        assert put_profile(client, person["id"], {"ethnic_category": "M"}).status_code == 201
    return {"collaborative_id": collaborative, "teams": teams}


def _table(summary: dict[str, Any], population: str, characteristic: str) -> dict[str, Any]:
    tables = summary[population]["characteristics"]
    (table,) = [t for t in tables if t["characteristic"] == characteristic]
    return {cell["category"]: cell for cell in table["cells"]}


def _check_protected(summary: dict[str, Any], threshold: int = 10) -> None:
    for population in ("members", "leads"):
        total = summary[population]["total"]
        for table in summary[population]["characteristics"]:
            cells = table["cells"]
            categories = [cell["category"] for cell in cells]
            assert categories == [*CODES[Characteristic(table["characteristic"])], NOT_DECLARED]
            suppressed = [cell for cell in cells if cell["suppressed"]]
            for cell in cells:
                if cell["suppressed"]:
                    assert cell["count"] is None
                else:
                    assert cell["count"] % 5 == 0
                    assert cell["count"] >= threshold
            # One suppressed cell alone could be worked out from the total.
            assert len(suppressed) != 1 or total["suppressed"]


class TestSummary:
    def test_small_groups_are_suppressed_and_the_rest_rounded(
        self, client: TestClient, population: dict[str, Any]
    ) -> None:
        cid = population["collaborative_id"]
        response = client.get(f"{API}/collaboratives/{cid}/equality-summary")
        assert response.status_code == 200, response.text
        summary = response.json()
        assert (summary["collaborative_id"], summary["threshold"]) == (cid, 10)
        _check_protected(summary)

        members = summary["members"]
        assert members["total"] == {"count": 30, "suppressed": False}
        assert [t["characteristic"] for t in members["characteristics"]] == CHARACTERISTICS
        ethnic = _table(summary, "members", "ethnic_category")
        assert ethnic["A"] == {"category": "A", "count": 20, "suppressed": False}
        assert ethnic["M"] == {"category": "M", "count": None, "suppressed": True}
        assert ethnic[NOT_DECLARED]["suppressed"] is True
        assert ethnic["B"]["suppressed"] is True  # nobody: zeros are suppressed too
        disability = _table(summary, "members", "disability")
        # 12 and 14 are published, rounded to the nearest 5; the 4 not declared are hidden.
        assert (disability["Y"]["count"], disability["N"]["count"]) == (10, 15)
        assert disability[NOT_DECLARED]["suppressed"] is True
        age = _table(summary, "members", "age_band")
        assert age["35-44"]["count"] == 20
        assert age["25-34"]["suppressed"] is True
        sex = _table(summary, "members", "sex")
        # Nobody answered: publishing "30 not declared" would say every other count is 0.
        assert all(cell["suppressed"] for cell in sex.values())

        # Three leads: every count about them is too small to publish.
        leads = summary["leads"]
        assert leads["total"] == {"count": None, "suppressed": True}
        for table in leads["characteristics"]:
            assert all(cell["suppressed"] for cell in table["cells"])

    def test_the_export_is_audited(self, client: TestClient, population: dict[str, Any]) -> None:
        cid = population["collaborative_id"]
        assert client.get(f"{API}/collaboratives/{cid}/equality-summary").status_code == 200
        (exported,) = events_of(client, "equality_summary_exported")
        assert (exported["outcome"], exported["subject"]) == ("success", cid)
        assert exported["actor"].startswith("user:")

    def test_a_higher_threshold_suppresses_more(
        self,
        population: dict[str, Any],
        database_url: str,
        session_factory: sessionmaker[Session],
        data_dir: Path,
        admin_token: str,
    ) -> None:
        settings = Settings(
            env="test", database_url=database_url, data_dir=data_dir, equality_threshold=25
        )
        app = create_app(settings, session_factory)
        with TestClient(app, headers=bearer(admin_token)) as strict:
            cid = population["collaborative_id"]
            summary = strict.get(f"{API}/collaboratives/{cid}/equality-summary").json()
        assert summary["threshold"] == 25
        _check_protected(summary, threshold=25)
        assert summary["members"]["total"] == {"count": 30, "suppressed": False}
        assert _table(summary, "members", "ethnic_category")["A"]["suppressed"] is True

    @pytest.mark.parametrize("threshold", [4, 0, -10])
    def test_a_threshold_below_five_is_refused(self, threshold: int) -> None:
        with pytest.raises(ValidationError, match="equality_threshold"):
            Settings(equality_threshold=threshold)
        assert Settings(equality_threshold=5).equality_threshold == 5

    def test_an_empty_collaborative_publishes_nothing(self, client: TestClient) -> None:
        cid = api.collaborative(client)["id"]
        summary = client.get(f"{API}/collaboratives/{cid}/equality-summary").json()
        _check_protected(summary)
        assert summary["members"]["total"] == {"count": None, "suppressed": True}
        for table in summary["members"]["characteristics"]:
            assert all(cell["count"] is None for cell in table["cells"])

    @pytest.mark.parametrize("caller", ["alice", "coach", "client"])
    def test_only_admins_may_export(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any], caller: str
    ) -> None:
        cid = people["team"]["collaborative_id"]
        response = anonymous.get(
            f"{API}/collaboratives/{cid}/equality-summary", headers=people["headers"][caller]
        )
        assert "administer" in assert_problem(response, 403)["detail"]
        assert events_of(client, "equality_summary_exported") == []

    def test_an_unknown_collaborative_is_404(self, client: TestClient) -> None:
        nobody = uuid.uuid4()
        problem = assert_problem(client.get(f"{API}/collaboratives/{nobody}/equality-summary"), 404)
        assert problem["detail"] == f"No collaborative with id {nobody}."


answers_strategy = st.fixed_dictionaries(
    {
        characteristic: st.one_of(st.none(), st.sampled_from(CODES[characteristic]))
        for characteristic in Characteristic
    }
)


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(answers_strategy, max_size=80),
    threshold=st.integers(min_value=5, max_value=15),
)
def test_for_any_population_no_small_or_recoverable_cell_is_published(
    people: list[dict[Characteristic, str | None]], threshold: int
) -> None:
    population = {uuid.uuid4(): answers for answers in people}
    summary = population_summary(population, threshold)
    for table in summary.characteristics:
        true_counts: dict[str, int] = {}
        for answers in people:
            category = answers[table.characteristic] or "not_declared"
            true_counts[category] = true_counts.get(category, 0) + 1
        suppressed = [cell for cell in table.cells if cell.suppressed]
        for cell in table.cells:
            if not cell.suppressed:
                assert cell.count is not None
                assert true_counts.get(cell.category, 0) >= threshold
                assert cell.count % 5 == 0
                assert abs(cell.count - true_counts.get(cell.category, 0)) <= 2
        # With the total published, one hidden cell alone would be the total minus the rest.
        if not summary.total.suppressed:
            assert len(suppressed) != 1
    if not summary.total.suppressed:
        assert summary.total.count is not None
        assert len(people) >= threshold
        assert abs(summary.total.count - len(people)) <= 2
