"""The /surveys resource over real HTTP: built-ins as the appendix, local ones by API."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Role
from app.errors import NotFound
from app.surveys import service
from app.surveys.builtins import NQPS
from tests.api import API, assert_problem, measure
from tests.conftest import add_user, person_token
from tests.imports.survey_support import post_counts
from tests.imports_support import collaborative

APPENDIX = Path(__file__).parent / "appendix"
EXTRAS = ("built_in", "version", "created_at", "updated_at")

PULSE: dict[str, Any] = {
    "code": "pulse",
    "name": "Ward pulse",
    "frequency": "weekly",
    "questions": [
        {
            "code": "valued",
            "text": "I feel valued at work.",
            "reverse": False,
            "favourable": ["yes"],
            "scale": [
                {"code": "yes", "label": "Yes", "score": 10, "counts": True},
                {"code": "no", "label": "No", "score": 0, "counts": True},
                {"code": "na", "label": "Not applicable", "score": None, "counts": False},
            ],
        },
        {
            "code": "safe",
            "text": "I feel safe to speak up.",
            "reverse": False,
            "favourable": ["yes"],
            "scale": [
                {"code": "yes", "label": "Yes", "score": 10, "counts": True},
                {"code": "no", "label": "No", "score": 0, "counts": True},
            ],
        },
    ],
    "scores": [
        {"code": "wellbeing", "name": "Wellbeing", "of": ["valued", "safe"], "min_answered": 1},
        {"code": "overall", "name": "Overall", "of": ["wellbeing"]},
    ],
}


def _pulse(**changes: Any) -> dict[str, Any]:
    return copy.deepcopy(PULSE) | changes


def _create(client: TestClient, body: dict[str, Any] | None = None) -> Any:
    response = client.post(f"{API}/surveys", json=body or PULSE)
    assert response.status_code == 201, response.text
    return response


def _definition(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in EXTRAS}


def _locs(problem: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in problem["errors"]]


@pytest.mark.parametrize("code", ["nqps", "enjoying-work"])
def test_a_built_in_reads_exactly_as_the_appendix(client: TestClient, code: str) -> None:
    response = client.get(f"{API}/surveys/{code}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert _definition(body) == json.loads((APPENDIX / f"{code}.json").read_text())
    assert {key: body[key] for key in EXTRAS} == {
        "built_in": True,
        "version": None,
        "created_at": None,
        "updated_at": None,
    }


def test_the_list_pages_built_ins_first_then_local_surveys(client: TestClient) -> None:
    for code in ("alpha", "beta"):
        _create(client, _pulse(code=code))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/surveys", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["nss", "nqps", "enjoying-work", "alpha", "beta"]
    assert pages == 3
    whole = client.get(f"{API}/surveys", params={"limit": 3}).json()
    assert [item["code"] for item in whole["items"]] == ["nss", "nqps", "enjoying-work"]
    rest = client.get(f"{API}/surveys", params={"limit": 3, "cursor": whole["next_cursor"]})
    assert [item["code"] for item in rest.json()["items"]] == ["alpha", "beta"]
    assert rest.json()["next_cursor"] is None


def test_the_list_of_built_ins_alone_ends(client: TestClient) -> None:
    body = client.get(f"{API}/surveys", params={"limit": 3}).json()
    assert [item["code"] for item in body["items"]] == ["nss", "nqps", "enjoying-work"]
    assert body["next_cursor"] is None


def test_a_cursor_not_issued_is_refused(client: TestClient) -> None:
    _create(client)
    api_cursor = client.get(f"{API}/surveys", params={"limit": 1}).json()["next_cursor"]
    for cursor in ("not-a-cursor", api_cursor[:-2] + "xx"):
        assert_problem(client.get(f"{API}/surveys", params={"cursor": cursor}), 400)


def test_a_local_survey_is_created_read_changed_and_removed_with_etags(
    client: TestClient,
) -> None:
    created = _create(client)
    assert created.headers["Location"].endswith("/api/v1/surveys/pulse")
    body = created.json()
    assert body["built_in"] is False
    assert body["version"] == 1
    expected = _pulse()
    expected["scores"][0]["min_answered"] = 1
    assert _definition(body) == expected
    got = client.get(f"{API}/surveys/pulse")
    assert got.json() == body
    etag = got.headers["ETag"]
    assert etag == created.headers["ETag"]

    assert_problem(client.patch(f"{API}/surveys/pulse", json={"name": "x"}), 428)
    assert_problem(
        client.patch(f"{API}/surveys/pulse", json={"name": "x"}, headers={"If-Match": '"1"'}),
        412,
    )
    scores = [{"code": "wellbeing", "name": "Wellbeing", "of": ["valued"]}]
    patched = client.patch(
        f"{API}/surveys/pulse",
        json={"name": "Ward pulse (v2)", "frequency": "monthly", "scores": scores},
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["scores"] == scores  # replaced whole, default min_answered left out
    assert patched.json()["questions"] == PULSE["questions"]
    assert (patched.json()["name"], patched.json()["frequency"]) == ("Ward pulse (v2)", "monthly")
    assert patched.headers["ETag"] != etag

    assert_problem(client.delete(f"{API}/surveys/pulse", headers={"If-Match": etag}), 412)
    gone = client.delete(f"{API}/surveys/pulse", headers={"If-Match": patched.headers["ETag"]})
    assert gone.status_code == 204
    assert_problem(client.get(f"{API}/surveys/pulse"), 404)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_built_ins_are_read_only(client: TestClient, method: str) -> None:
    body = {"name": "Mine now"} if method == "PATCH" else None
    response = client.request(method, f"{API}/surveys/nqps", json=body, headers={"If-Match": "*"})
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("built-in-survey")
    assert _locs(problem) == [["path", "code"]]
    assert client.get(f"{API}/surveys/nqps").json()["name"] == NQPS.name


def test_a_built_in_code_cannot_be_taken(client: TestClient) -> None:
    problem = assert_problem(client.post(f"{API}/surveys", json=_pulse(code="nss")), 409)
    assert problem["type"].endswith("built-in-survey")
    assert _locs(problem) == [["body", "code"]]


def test_a_code_is_taken_once(client: TestClient) -> None:
    _create(client)
    problem = assert_problem(client.post(f"{API}/surveys", json=_pulse(name="Again")), 409)
    assert problem["type"].endswith("duplicate-survey-code")
    assert _locs(problem) == [["body", "code"]]


def test_unknown_surveys_are_404(client: TestClient, session: Session) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        response = client.request(
            method, f"{API}/surveys/nope", json=body, headers={"If-Match": "*"}
        )
        assert_problem(response, 404)
    with pytest.raises(NotFound):
        service.get_definition(session, "nope")


def test_get_definition_reads_built_in_and_local_alike(
    client: TestClient, session: Session
) -> None:
    assert service.get_definition(session, "nqps") is NQPS
    _create(client)
    pulse = service.get_definition(session, "pulse")
    assert pulse.frequency == "weekly"
    assert [q.code for q in pulse.questions] == ["valued", "safe"]
    assert pulse.score("wellbeing") is not None
    assert pulse.question("valued") is not None
    assert pulse.question("valued").scale[2].counts is False  # type: ignore[union-attr]


def _broken_scores() -> dict[str, Any]:
    body = _pulse()
    body["scores"] = [
        {"code": "a", "name": "A", "of": ["b"]},
        {"code": "b", "name": "B", "of": ["a", "nowhere"]},
    ]
    return body


def _broken_questions() -> dict[str, Any]:
    body = _pulse()
    body["questions"][0]["favourable"] = ["na"]
    body["questions"][1]["scale"][1]["score"] = 11
    body["questions"][1]["code"] = "VALUED"
    return body


@pytest.mark.parametrize(
    ("body", "locs"),
    [
        (
            _broken_scores(),
            [
                ["body", "scores", 1, "of", 1],
                ["body", "scores", 0, "of"],
                ["body", "scores", 1, "of"],
            ],
        ),
        (
            _broken_questions(),
            [
                ["body", "questions", 0, "favourable", 0],
                ["body", "questions", 1, "scale", 1, "score"],
                ["body", "questions", 1, "code"],
                ["body", "scores", 0, "of", 1],
            ],
        ),
        (_pulse(questions=[]), [["body", "questions"], ["body", "scores", 0, "of", 0]]),
    ],
)
def test_a_definition_that_does_not_hold_together_is_a_422_naming_each_field(
    client: TestClient, body: dict[str, Any], locs: list[list[Any]]
) -> None:
    problem = assert_problem(client.post(f"{API}/surveys", json=body), 422)
    assert _locs(problem)[: len(locs)] == locs, problem
    assert all(error["message"] for error in problem["errors"])
    assert client.get(f"{API}/surveys/pulse").status_code == 404


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"code": "Pulse"}, ["body", "code"]),
        ({"code": "a" * 51}, ["body", "code"]),
        ({"frequency": "daily"}, ["body", "frequency"]),
        ({"questions": [PULSE["questions"][0]] * 201}, ["body", "questions"]),
        ({"scores": [PULSE["scores"][1]] * 101}, ["body", "scores"]),
        ({"name": ""}, ["body", "name"]),
        ({"extra": 1}, ["body", "extra"]),
    ],
)
def test_shapes_and_lengths_are_parsed(
    client: TestClient, change: dict[str, Any], loc: list[Any]
) -> None:
    problem = assert_problem(client.post(f"{API}/surveys", json=_pulse(**change)), 422)
    assert loc in _locs(problem), problem


def test_an_option_list_is_bounded(client: TestClient) -> None:
    body = _pulse()
    body["questions"][0]["scale"] = [
        {"code": str(i), "label": f"L{i}", "score": 1, "counts": True} for i in range(21)
    ]
    problem = assert_problem(client.post(f"{API}/surveys", json=body), 422)
    assert ["body", "questions", 0, "scale"] in _locs(problem)


def test_a_patch_is_checked_on_the_merged_definition(client: TestClient) -> None:
    etag = _create(client).headers["ETag"]
    # Dropping the question a stored score lists breaks the stored scores.
    response = client.patch(
        f"{API}/surveys/pulse",
        json={"questions": [PULSE["questions"][0]]},
        headers={"If-Match": etag},
    )
    problem = assert_problem(response, 422)
    assert _locs(problem) == [["body", "scores", 0, "of", 1]]
    assert client.get(f"{API}/surveys/pulse").headers["ETag"] == etag
    for body, loc in (({"code": "other"}, ["body", "code"]), ({"name": None}, ["body", "name"])):
        problem = assert_problem(
            client.patch(f"{API}/surveys/pulse", json=body, headers={"If-Match": etag}), 422
        )
        assert loc in _locs(problem)


def test_coaches_may_read_but_not_define(
    app: FastAPI, session_factory: sessionmaker[Session], password_hash: str, client: TestClient
) -> None:
    etag = _create(client).headers["ETag"]
    with session_factory.begin() as session:
        coach = add_user(session, password_hash, Role.COACH)
    headers = {"Authorization": f"Bearer {person_token(app, coach)}"}
    with TestClient(app, headers=headers) as as_coach:
        assert as_coach.get(f"{API}/surveys/pulse").status_code == 200
        assert as_coach.get(f"{API}/surveys").status_code == 200
        assert_problem(as_coach.post(f"{API}/surveys", json=_pulse(code="mine")), 403)
        assert_problem(
            as_coach.patch(f"{API}/surveys/pulse", json={"name": "x"}, headers={"If-Match": etag}),
            403,
        )
        assert_problem(as_coach.delete(f"{API}/surveys/pulse", headers={"If-Match": etag}), 403)
    assert client.get(f"{API}/surveys/pulse").json()["name"] == PULSE["name"]


def test_changes_are_audited(client: TestClient) -> None:
    etag = _create(client).headers["ETag"]
    etag = client.patch(
        f"{API}/surveys/pulse", json={"name": "Renamed"}, headers={"If-Match": etag}
    ).headers["ETag"]
    assert client.delete(f"{API}/surveys/pulse", headers={"If-Match": etag}).status_code == 204
    assert_problem(client.delete(f"{API}/surveys/nss", headers={"If-Match": "*"}), 409)
    events = client.get(f"{API}/audit-events", params={"limit": 200}).json()["items"]
    survey_events = [
        (e["action"], e["subject"], e["reason"]) for e in events if e["action"].startswith("survey")
    ]
    assert sorted(survey_events) == sorted(
        [
            ("survey_created", "pulse", None),
            ("survey_changed", "pulse", "name"),
            ("survey_deleted", "pulse", None),
        ]
    )


def test_a_survey_in_use_cannot_be_deleted(client: TestClient) -> None:
    """A measure bound to a local survey, then results of it stored: each keeps the survey
    (409 survey-in-use saying why); unbinding the measure is not enough once results are
    stored, and a survey nothing uses goes."""
    _create(client)
    world = collaborative(client)
    bound = measure(
        client,
        collaborative_id=world.id,
        code="VALUED",
        chart="xmr",
        frequency="weekly",
        data_source={"type": "survey-question", "survey": "pulse", "question": "valued"},
    )

    def delete() -> Any:
        etag = client.get(f"{API}/surveys/pulse").headers["ETag"]
        return client.delete(f"{API}/surveys/pulse", headers={"If-Match": etag})

    problem = assert_problem(delete(), 409)
    assert problem["type"].endswith("survey-in-use")
    assert problem["detail"].startswith("Survey pulse is in use: 1 measure(s) are bound to it")
    assert "(VALUED)" in problem["detail"]

    rows = [f"{world.a.ods},{world.a.ref},2025-03-03,valued,yes,12,,"]
    assert post_counts(client, world.id, rows, survey="pulse").status_code == 201
    etag = client.get(f"{API}/measures/{bound['id']}").headers["ETag"]
    unbound = client.patch(
        f"{API}/measures/{bound['id']}", json={"data_source": None}, headers={"If-Match": etag}
    )
    assert unbound.status_code == 200, unbound.text
    problem = assert_problem(delete(), 409)
    assert problem["detail"] == (
        "Survey pulse is in use: 1 team(s) have results of it stored. Unbind the measures"
        " (PATCH data_source to null) first; stored results keep the survey for good."
    )
    assert client.get(f"{API}/surveys/pulse").status_code == 200

    _create(client, _pulse(code="unused"))
    etag = client.get(f"{API}/surveys/unused").headers["ETag"]
    assert client.delete(f"{API}/surveys/unused", headers={"If-Match": etag}).status_code == 204
    assert_problem(client.get(f"{API}/surveys/unused"), 404)


def test_a_survey_in_use_keeps_its_frequency_and_codes(client: TestClient) -> None:
    """Bound to a measure, a local survey may be renamed, reworded and grown, but not moved to
    another frequency or lose a question, an option or a score (409, naming each)."""
    _create(client)
    world = collaborative(client)
    source = {"type": "survey-question", "survey": "pulse", "question": "valued"}
    measure(client, collaborative_id=world.id, code="VALUED", data_source=source)

    def patch(body: dict[str, Any]) -> Any:
        etag = client.get(f"{API}/surveys/pulse").headers["ETag"]
        return client.patch(f"{API}/surveys/pulse", json=body, headers={"If-Match": etag})

    questions = copy.deepcopy(PULSE["questions"])
    questions[0]["text"] = "I feel valued by my team."
    questions[0]["scale"][0]["label"] = "Yes, mostly"
    extra = copy.deepcopy(questions[1]) | {"code": "heard", "text": "I feel heard."}
    grown = patch({"name": "Ward pulse (v2)", "questions": [*questions, extra]})
    assert grown.status_code == 200, grown.text
    assert [q["code"] for q in grown.json()["questions"]] == ["valued", "safe", "heard"]

    problem = assert_problem(patch({"frequency": "monthly"}), 409)
    assert problem["type"].endswith("survey-in-use")
    assert problem["detail"] == (
        "Survey pulse is in use: 1 measure(s) are bound to it (VALUED). So its frequency"
        " (weekly) must stay as they are."
    )
    fewer = copy.deepcopy(questions)
    fewer[0]["scale"] = fewer[0]["scale"][:2]
    problem = assert_problem(patch({"questions": fewer[:1], "scores": []}), 409)
    assert problem["detail"].endswith(
        "So the options na of question valued; question safe; question heard; score"
        " wellbeing; score overall must stay as they are."
    )
    kept = client.get(f"{API}/surveys/pulse").json()
    assert (kept["frequency"], kept["name"], len(kept["questions"])) == (
        "weekly",
        "Ward pulse (v2)",
        3,
    )
