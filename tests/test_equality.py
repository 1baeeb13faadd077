"""Equality profiles: who may read and write them, codes, audit, erasure, the lead rule and
the disclosure-controlled equality summary."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import AuditTrail
from app.auth.accounts import create_client
from app.auth.models import Role, Scope, coached_teams
from app.config import Settings
from app.equality.codes import CODES, NOT_DECLARED, Characteristic
from app.equality.models import EqualityProfile
from app.main import create_app
from tests import api
from tests.api import API, assert_problem
from tests.conftest import add_user, token_for

CHARACTERISTICS = [characteristic.value for characteristic in Characteristic]
FULL_PROFILE = {
    "ethnic_category": "M",
    "sex": "2",
    "gender_identity": "3",
    "sexual_orientation": "3",
    "religion_or_belief": "G",
    "disability": "Y",
    "age_band": "55-64",
    "marriage_civil_partnership": "civil_partnership",
    "pregnancy_maternity": "maternity",
}


def profile_path(member_id: str) -> str:
    return f"{API}/members/{member_id}/equality-profile"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def people(
    client: TestClient, app: FastAPI, session_factory: sessionmaker[Session], password_hash: str
) -> dict[str, Any]:
    """Two members with accounts, a coach of their team, and a trust's read client."""
    organisation = api.organisation(client)
    collaborative = api.collaborative(client)
    team = api.team(client, collaborative["id"], [organisation["id"]])
    alice = api.member(client, organisation["id"], name="Alice")
    bob = api.member(client, organisation["id"], name="Bob")
    api.membership(client, team["id"], alice["id"], "lead")
    api.membership(client, team["id"], bob["id"])
    with session_factory.begin() as session:
        users = {
            "alice": add_user(
                session, password_hash, Role.MEMBER, member_id=uuid.UUID(alice["id"])
            ),
            "bob": add_user(session, password_hash, Role.MEMBER, member_id=uuid.UUID(bob["id"])),
            "coach": add_user(session, password_hash, Role.COACH),
        }
        session.execute(
            coached_teams.insert(),
            [{"user_id": users["coach"].id, "team_id": uuid.UUID(team["id"])}],
        )
        created, _ = create_client(
            session,
            AuditTrail(),
            name=f"client {uuid.uuid4().hex[:6]}",
            scopes=[Scope.READ],
            organisation_codes=[organisation["ods_code"]],
        )
    tokens = {name: token_for(app, f"user:{user.id}", role="x") for name, user in users.items()}
    tokens["client"] = token_for(app, f"client:{created.id}", scope="read")
    return {
        "alice": alice,
        "bob": bob,
        "team": team,
        "organisation": organisation,
        "headers": {name: bearer(token) for name, token in tokens.items()},
    }


def _put(caller: TestClient, member_id: str, body: dict[str, Any], **headers: str) -> Any:
    return caller.put(profile_path(member_id), json=body, headers=headers)


def _events(client: TestClient, action: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit-events", params={"action": action, "limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestAccess:
    def test_the_member_creates_reads_and_replaces_their_own(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert_problem(anonymous.get(profile_path(alice), headers=me), 404)

        created = _put(anonymous, alice, {"ethnic_category": "M", "disability": "Y"}, **me)
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["member_id"], body["ethnic_category"], body["disability"]) == (alice, "M", "Y")
        assert body["sex"] is None
        assert body["version"] == 1
        assert created.headers["ETag"] == f'"{alice}-1"'

        read = anonymous.get(profile_path(alice), headers=me)
        assert read.status_code == 200
        assert read.json() == body
        assert read.headers["ETag"] == f'"{alice}-1"'

        # A replacement is whole: what is left out is no longer answered.
        replaced = _put(
            anonymous, alice, {"sex": "prefer_not_to_say"}, **me, **{"If-Match": f'"{alice}-1"'}
        )
        assert replaced.status_code == 200, replaced.text
        assert replaced.json()["sex"] == "prefer_not_to_say"
        assert replaced.json()["ethnic_category"] is None
        assert replaced.json()["version"] == 2
        assert anonymous.get(profile_path(alice), headers=me).json()["sex"] == "prefer_not_to_say"

    def test_replacing_needs_a_current_if_match(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert _put(anonymous, alice, {"disability": "N"}, **me).status_code == 201
        problem = assert_problem(_put(anonymous, alice, {"disability": "Y"}, **me), 428)
        assert problem["type"].endswith("if-match-required")
        stale = _put(anonymous, alice, {"disability": "Y"}, **me, **{"If-Match": f'"{alice}-9"'})
        assert_problem(stale, 412)
        assert anonymous.get(profile_path(alice), headers=me).json()["disability"] == "N"

    def test_creating_with_if_match_is_412(
        self, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        response = _put(anonymous, alice, {"disability": "N"}, **me, **{"If-Match": "*"})
        assert "no profile yet" in assert_problem(response, 412)["detail"]
        assert_problem(anonymous.get(profile_path(alice), headers=me), 404)

    @pytest.mark.parametrize("caller", ["bob", "coach"])
    def test_anyone_else_gets_404_as_if_there_were_none(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any], caller: str
    ) -> None:
        alice = people["alice"]["id"]
        headers = people["headers"][caller]
        assert _put(client, alice, FULL_PROFILE).status_code == 201
        read = assert_problem(anonymous.get(profile_path(alice), headers=headers), 404)
        assert read["detail"] == f"No equality profile for member {alice}."
        write = assert_problem(_put(anonymous, alice, {"disability": "N"}, **headers), 404)
        # The same answer as for a profile that does not exist at all.
        assert write["detail"] == read["detail"]
        nobody = str(uuid.uuid4())
        absent = assert_problem(anonymous.get(profile_path(nobody), headers=headers), 404)
        assert absent["detail"] == f"No equality profile for member {nobody}."
        for value in ("civil_partnership", "55-64", "maternity"):
            assert value not in read["detail"]
        assert client.get(profile_path(alice)).json()["disability"] == "Y"

    def test_a_client_is_refused(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        assert _put(client, alice, FULL_PROFILE).status_code == 201
        headers = people["headers"]["client"]
        problem = assert_problem(anonymous.get(profile_path(alice), headers=headers), 403)
        assert "own_profile" in problem["detail"]
        assert "civil_partnership" not in str(problem)
        assert_problem(_put(anonymous, alice, {"sex": "1"}, **headers), 403)
        assert client.get(profile_path(alice)).json()["sex"] == "2"

    def test_admins_read_and_write_anyones(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        bob = people["bob"]["id"]
        created = _put(client, bob, FULL_PROFILE)
        assert created.status_code == 201, created.text
        assert {key: created.json()[key] for key in FULL_PROFILE} == FULL_PROFILE
        assert client.get(profile_path(bob)).json()["religion_or_belief"] == "G"

    def test_a_member_that_does_not_exist_is_404(self, client: TestClient) -> None:
        nobody = str(uuid.uuid4())
        problem = assert_problem(_put(client, nobody, {"sex": "1"}), 404)
        assert problem["detail"] == f"No equality profile for member {nobody}."


class TestCodes:
    def test_every_field_takes_prefer_not_to_say(
        self, client: TestClient, people: dict[str, Any]
    ) -> None:
        body = dict.fromkeys(CHARACTERISTICS, "prefer_not_to_say")
        response = _put(client, people["alice"]["id"], body)
        assert response.status_code == 201, response.text
        assert {key: response.json()[key] for key in CHARACTERISTICS} == body

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("ethnic_category", "I"),  # there is no code I
            ("ethnic_category", "White British"),
            ("sex", "female-secret-value"),
            ("gender_identity", "5"),
            ("religion_or_belief", "O"),
            ("disability", "yes-secret-value"),
            ("age_band", "18-secret-value"),
            ("marriage_civil_partnership", "engaged-secret-value"),
            ("pregnancy_maternity", "due-secret-value"),
        ],
    )
    def test_an_invalid_code_is_422_naming_the_field_without_the_value(
        self, client: TestClient, people: dict[str, Any], field: str, value: str
    ) -> None:
        alice = people["alice"]["id"]
        response = _put(client, alice, {"disability": "N", field: value})
        problem = assert_problem(response, 422)
        assert [error["loc"] for error in problem["errors"]] == [["body", field]]
        assert field in problem["detail"]
        if len(value) > 1:
            assert value not in response.text
        assert_problem(client.get(profile_path(alice)), 404)

    def test_unknown_fields_are_refused(self, client: TestClient, people: dict[str, Any]) -> None:
        problem = assert_problem(_put(client, people["alice"]["id"], {"trans": "yes"}), 422)
        assert problem["errors"][0]["loc"] == ["body", "trans"]

    def test_openapi_lists_the_allowed_codes(self, client: TestClient) -> None:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        fields = schemas["EqualityProfileWrite"]["properties"]
        for characteristic in Characteristic:
            listed = {
                value
                for option in fields[characteristic]["anyOf"]
                for value in option.get("enum", [])
            }
            assert listed == set(CODES[characteristic]), characteristic
        ethnic = {v for o in fields["ethnic_category"]["anyOf"] for v in o.get("enum", [])}
        assert {"A", "S", "Z", "99", "prefer_not_to_say"} <= ethnic
        assert not {"I", "O", "Q"} & ethnic


class TestKeptApart:
    def test_profiles_never_appear_in_member_reads(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice = people["alice"]["id"]
        assert _put(client, alice, FULL_PROFILE).status_code == 201
        listed = client.get(
            f"{API}/members", params={"organisation_id": people["organisation"]["id"]}
        )
        one = client.get(f"{API}/members/{alice}")
        own = anonymous.get(f"{API}/members/{alice}", headers=people["headers"]["alice"])
        assert [item["name"] for item in listed.json()["items"]] == ["Alice", "Bob"]
        assert one.json()["name"] == "Alice"
        for response in (listed, one, own):
            assert response.status_code == 200, response.text
            for key in [*CHARACTERISTICS, "equality_profile"]:
                assert key not in response.text
            for value in ("civil_partnership", "55-64", "maternity"):
                assert value not in response.text

    def test_team_reads_show_only_the_verdict(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        assert _put(client, people["alice"]["id"], FULL_PROFILE).status_code == 201
        team = anonymous.get(
            f"{API}/teams/{people['team']['id']}", headers=people["headers"]["bob"]
        )
        assert team.status_code == 200, team.text
        assert "lead_criterion_met" in team.json()
        for key in CHARACTERISTICS:
            assert key not in team.text


class TestAudit:
    def test_reads_and_changes_are_recorded_without_values(
        self, client: TestClient, anonymous: TestClient, people: dict[str, Any]
    ) -> None:
        alice, me = people["alice"]["id"], people["headers"]["alice"]
        assert _put(anonymous, alice, FULL_PROFILE, **me).status_code == 201
        assert anonymous.get(profile_path(alice), headers=me).status_code == 200
        assert_problem(anonymous.get(profile_path(alice), headers=people["headers"]["bob"]), 404)
        assert client.get(profile_path(alice)).status_code == 200

        changes = _events(client, "equality_profile_changed")
        assert [(e["outcome"], e["subject"], e["reason"]) for e in changes] == [
            ("success", alice, "created")
        ]
        reads = _events(client, "equality_profile_read")
        assert [(e["outcome"], e["subject"]) for e in reads] == [
            ("success", alice),
            ("denied", alice),
            ("success", alice),
        ]
        assert reads[0]["actor"] != reads[1]["actor"]
        assert {e["path"] for e in reads + changes} == {profile_path(alice)}
        everything = str(client.get(f"{API}/audit-events", params={"limit": 200}).json())
        for value in ("civil_partnership", "55-64", "maternity", "'M'"):
            assert value not in everything


class TestErasure:
    def test_erasure_removes_the_profile(
        self, client: TestClient, session_factory: sessionmaker[Session]
    ) -> None:
        organisation = api.organisation(client)["id"]
        team = api.team(client, api.collaborative(client)["id"], [organisation])
        member = api.member(client, organisation)["id"]
        assert api.membership(client, team["id"], member).status_code == 201
        assert _put(client, member, FULL_PROFILE).status_code == 201
        path = f"{API}/members/{member}"
        etag = client.get(path).headers["ETag"]
        kept = client.delete(path, headers={"If-Match": etag})
        assert assert_problem(kept, 409)["type"].endswith("member-has-history")
        assert client.get(profile_path(member)).json()["age_band"] == "55-64"

        erased = client.delete(path, params={"erase": "true"}, headers={"If-Match": etag})
        assert erased.status_code == 204, erased.text
        assert_problem(client.get(path), 404)
        assert_problem(client.get(profile_path(member)), 404)
        with session_factory() as session:
            assert session.get(EqualityProfile, uuid.UUID(member)) is None

    def test_removing_a_member_without_history_removes_the_profile(
        self, client: TestClient, session_factory: sessionmaker[Session]
    ) -> None:
        organisation = api.organisation(client)
        member = api.member(client, organisation["id"])
        assert _put(client, member["id"], {"age_band": "25-34"}).status_code == 201
        path = f"{API}/members/{member['id']}"
        response = client.delete(path, headers={"If-Match": client.get(path).headers["ETag"]})
        assert response.status_code == 204, response.text
        assert_problem(client.get(profile_path(member["id"])), 404)
        with session_factory() as session:
            assert session.get(EqualityProfile, uuid.UUID(member["id"])) is None


def _team_led_by(
    client: TestClient, collaborative_id: str, organisation_id: str, profile: dict[str, Any] | None
) -> str:
    """A team whose lead has this profile (None: no profile); returns the team's id."""
    team = api.team(client, collaborative_id, [organisation_id])
    lead = api.member(client, organisation_id)
    assert api.membership(client, team["id"], lead["id"], "lead").status_code == 201
    if profile is not None:
        assert _put(client, lead["id"], profile).status_code == 201
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
                assert _put(client, person["id"], plan).status_code == 201
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
        assert _put(client, person["id"], {"ethnic_category": "M"}).status_code == 201
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
        (exported,) = _events(client, "equality_summary_exported")
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
        assert _events(client, "equality_summary_exported") == []

    def test_an_unknown_collaborative_is_404(self, client: TestClient) -> None:
        nobody = uuid.uuid4()
        problem = assert_problem(client.get(f"{API}/collaboratives/{nobody}/equality-summary"), 404)
        assert problem["detail"] == f"No collaborative with id {nobody}."
