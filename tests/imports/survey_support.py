"""Survey extracts as a survey tool writes them, posted to POST /imports, and what is read back:
shared by the survey kinds' tests."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.api import API
from tests.imports_support import Trust, post_file

ENJOY_COLUMNS = ("enjoy_work", "burnout", "recommend_team")
FIXED = ("response_id", "ods_code", "team_ref", "submitted_on")
# Spec 8.1: always x3, often x4, sometimes x3, rarely x1, blank x1, in the week of 2025-03-03.
SPEC_8_1 = (("always", 3), ("often", 4), ("sometimes", 3), ("rarely", 1), ("", 1))
# Days of that week, as MS Forms and ISO write them: all in the period starting 2025-03-03.
WEEK_OF_8_1 = ("03/03/2025 08:15", "2025-03-05", "06/03/2025", "2025-03-09T22:59:00+00:00")
COUNTS_HEADER = "ods_code,team_ref,period_start,question,option,count,group_type,group_value"


@dataclass(frozen=True)
class Response:
    """One respondent's row: where they work, when, their answers and groups."""

    response_id: str
    team: Trust
    submitted_on: str
    answers: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)  # "ethnicity" -> "A"


def responses_csv(responses: Sequence[Response], questions: Sequence[str] = ENJOY_COLUMNS) -> str:
    """A survey-responses CSV: the fixed columns, the questions, and each group column any
    respondent has (blank for the others)."""
    groups = sorted({name for r in responses for name in r.groups})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIXED, *questions, *(f"group_{name}" for name in groups)])
    for r in responses:
        writer.writerow(
            [
                r.response_id,
                r.team.ods,
                r.team.ref,
                r.submitted_on,
                *(r.answers.get(q, "") for q in questions),
                *(r.groups.get(name, "") for name in groups),
            ]
        )
    return out.getvalue()


def enjoy(
    team: Trust, counts: Iterable[tuple[str, int]], *, prefix: str = "r", start: int = 0
) -> list[Response]:
    """Respondents of the week of 2025-03-03 answering `enjoy_work` so (blank: not answered)."""
    answers = [option for option, n in counts for _ in range(n)]
    return [
        Response(
            f"{prefix}-{start + i:04d}",
            team,
            WEEK_OF_8_1[i % len(WEEK_OF_8_1)],
            {"enjoy_work": answer} if answer else {},
        )
        for i, answer in enumerate(answers)
    ]


def post_responses(
    client: TestClient | httpx.Client,
    collaborative_id: str,
    text: str,
    *,
    survey: str = "enjoying-work",
    headers: Mapping[str, str] | None = None,
    **params: Any,
) -> Any:
    return post_file(
        client,
        collaborative_id,
        text,
        headers=headers,
        kind="survey-responses",
        survey=survey,
        **params,
    )


def post_counts(
    client: TestClient | httpx.Client,
    collaborative_id: str,
    rows: Iterable[str],
    *,
    survey: str = "enjoying-work",
    **params: Any,
) -> Any:
    text = "\r\n".join([COUNTS_HEADER, *rows]) + "\r\n"
    return post_file(client, collaborative_id, text, kind="survey-counts", survey=survey, **params)


def survey_results(
    client: TestClient | httpx.Client, team_id: str, survey: str = "enjoying-work"
) -> list[dict[str, Any]]:
    """The team's stored results of the survey, oldest period first, without the import that
    wrote them (so that two imports of the same aggregates compare equal)."""
    response = client.get(
        f"{API}/teams/{team_id}/survey-results", params={"survey": survey, "limit": 200}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [item | {"import_id": None} for item in items]


def question(results: Sequence[dict[str, Any]], period: str, code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        q
        for item in results
        if item["period_start"] == period
        for q in item["questions"]
        if q["question"] == code
    ]
    assert len(found) == 1, found
    return found[0]
