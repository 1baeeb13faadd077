"""Survey definitions (ingest spec 5.1, 9): the built-ins, the checks, option matching, periods."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.surveys.builtins import BUILT_IN, ENJOYING_WORK, NQPS, NSS
from app.surveys.definitions import (
    Frequency,
    Option,
    Question,
    Score,
    Survey,
    as_dict,
    default_min_answered,
    match_option,
    min_answered_for,
    period_start,
    validate_survey,
)

APPENDIX = Path(__file__).parent / "appendix"  # the JSON of spec section 9, copied verbatim


@pytest.mark.parametrize("survey", list(BUILT_IN.values()), ids=list(BUILT_IN))
def test_every_built_in_definition_is_sound(survey: Survey) -> None:
    assert validate_survey(survey) == []


@pytest.mark.parametrize("code", ["nqps", "enjoying-work"])
def test_built_in_definitions_are_the_appendix_field_by_field(code: str) -> None:
    expected = json.loads((APPENDIX / f"{code}.json").read_text())
    actual = as_dict(BUILT_IN[code])
    assert actual.keys() == expected.keys()
    for key in ("code", "name", "frequency", "scores"):
        assert actual[key] == expected[key], key
    questions = actual["questions"]
    assert isinstance(questions, list)
    assert [q["code"] for q in questions] == [q["code"] for q in expected["questions"]]
    for mine, theirs in zip(questions, expected["questions"], strict=True):
        assert mine == theirs, mine["code"]
    # Scores compare as numbers (the JSON writes 10, we hold 10.0), and the types match too.
    assert json.loads(json.dumps(actual)) == expected


def test_nss_follows_the_appendix_pattern() -> None:
    reverse = {q.code for q in NSS.questions if q.reverse}
    assert reverse == {"q5a", "q5c", "q26a", "q26b", "q26c"} | {f"q12{c}" for c in "abcdefg"}
    for question in NSS.questions:
        assert [o.code for o in question.scale] == ["1", "2", "3", "4", "5"]
        scores = [o.score for o in question.scale]
        if question.reverse:  # Never (or Strongly disagree) = 10; favourable the bottom two
            assert scores == [10, 7.5, 5, 2.5, 0]
            assert question.favourable == ("1", "2")
        else:
            assert scores == [0, 2.5, 5, 7.5, 10]
            assert question.favourable == ("4", "5")
    burnout, concerns = NSS.score("burnout"), NSS.score("raising_concerns")
    assert burnout is not None
    assert concerns is not None
    assert (burnout.min_answered, concerns.min_answered) == (5, 3)
    assert concerns.of == ("q20a", "q20b", "q25e", "q25f")
    # The engagement items and scores are the nqps ones, word for word.
    for code in ("q2a", "q2b", "q2c", "q3c", "q3d", "q3f", "q25a", "q25c", "q25d"):
        assert NSS.question(code) == NQPS.question(code)
    for score in NQPS.scores:
        assert NSS.score(score.code) == score
    assert NSS.frequency == "annual"


def test_the_default_minimum_is_sixty_percent_rounded_up() -> None:
    assert [default_min_answered(n) for n in (1, 2, 3, 4, 5, 7, 9)] == [1, 2, 2, 3, 3, 5, 6]
    assert min_answered_for(Score("s", "S", ("a", "b", "c"))) == 2
    assert min_answered_for(Score("s", "S", ("a", "b", "c"), 3)) == 3


def test_options_match_by_code_or_label_ignoring_case_and_spaces() -> None:
    q2a = NQPS.question("q2a")
    assert q2a is not None
    assert match_option(q2a, "4") == q2a.scale[3]
    assert match_option(q2a, "  often ") == q2a.scale[3]
    assert match_option(q2a, "ALWAYS") == q2a.scale[4]
    assert match_option(q2a, "6") is None
    assert match_option(q2a, "") is None
    recommend = ENJOYING_WORK.question("recommend_team")
    assert recommend is not None
    assert match_option(recommend, "don't know") == recommend.scale[5]
    assert match_option(recommend, "Extremely_Likely") == recommend.scale[0]


@pytest.mark.parametrize(
    ("frequency", "day", "start"),
    [
        ("weekly", date(2025, 3, 3), date(2025, 3, 3)),  # a Monday
        ("weekly", date(2025, 3, 9), date(2025, 3, 3)),  # the Sunday after it
        ("weekly", date(2025, 1, 1), date(2024, 12, 30)),  # across a year end
        ("monthly", date(2025, 2, 28), date(2025, 2, 1)),
        ("quarterly", date(2025, 3, 31), date(2025, 1, 1)),
        ("quarterly", date(2025, 4, 1), date(2025, 4, 1)),
        ("quarterly", date(2025, 12, 31), date(2025, 10, 1)),
        ("annual", date(2025, 11, 24), date(2025, 1, 1)),
    ],
)
def test_the_period_of_a_day(frequency: Frequency, day: date, start: date) -> None:
    assert period_start(day, frequency) == start


def _scale(*codes: str) -> tuple[Option, ...]:
    return tuple(Option(code, code.upper() + " label", float(i)) for i, code in enumerate(codes))


LOCAL = Survey(
    code="pulse",
    name="Local pulse",
    frequency="weekly",
    questions=(
        Question("a", "A?", _scale("no", "yes"), ("yes",)),
        Question("b", "B?", _scale("no", "yes"), ("yes",)),
    ),
    scores=(Score("ab", "A and B", ("a", "b")),),
)


def _locations(survey: Survey) -> list[tuple[str, str]]:
    return [(p.location, p.message) for p in validate_survey(survey)]


def test_a_sound_local_definition_has_no_problem() -> None:
    assert validate_survey(LOCAL) == []


@pytest.mark.parametrize(
    ("survey", "location", "words"),
    [
        (replace(LOCAL, code=" "), "/code", "blank"),
        (replace(LOCAL, frequency="daily"), "/frequency", "weekly, monthly"),  # type: ignore[arg-type]
        (replace(LOCAL, questions=()), "/questions", "at least one"),
        (
            replace(LOCAL, questions=(*LOCAL.questions, LOCAL.questions[0])),
            "/questions/2/code",
            "/questions/0",
        ),
        (
            replace(LOCAL, questions=(replace(LOCAL.questions[0], favourable=("maybe",)),)),
            "/questions/0/favourable/0",
            "'maybe'",
        ),
        (
            replace(LOCAL, scores=(Score("ab", "AB", ("a", "zz")),)),
            "/scores/0/of/1",
            "'zz'",
        ),
        (
            replace(LOCAL, scores=(*LOCAL.scores, Score("mixed", "M", ("a", "ab")))),
            "/scores/1/of",
            "not both",
        ),
        (
            replace(LOCAL, scores=(Score("ab", "AB", ("a", "b"), 3),)),
            "/scores/0/min_answered",
            "1 to 2",
        ),
        (
            replace(LOCAL, scores=(Score("ab", "AB", ("a", "b"), 0),)),
            "/scores/0/min_answered",
            "1 to 2",
        ),
        (
            replace(LOCAL, scores=(*LOCAL.scores, Score("a", "Clash", ("a", "b")))),
            "/scores/1/code",
            "/questions/0",
        ),
        (
            replace(
                LOCAL,
                scores=(Score("x", "X", ("y",)), Score("y", "Y", ("x",))),
            ),
            "/scores/0/of",
            "depends on itself",
        ),
        (
            replace(LOCAL, scores=(Score("x", "X", ("x",)),)),
            "/scores/0/of",
            "depends on itself",
        ),
        (
            replace(
                LOCAL,
                questions=(
                    replace(
                        LOCAL.questions[0], scale=(*_scale("no", "yes"), Option("x", "Yes", 1))
                    ),
                ),
            ),
            "/questions/0/scale/2/label",
            "/questions/0/scale/1/code",
        ),
        (
            replace(
                LOCAL,
                questions=(replace(LOCAL.questions[0], scale=_scale("no", "yes") + _scale("no")),),
            ),
            "/questions/0/scale/2/code",
            "reads the same",
        ),
        (
            replace(
                LOCAL,
                questions=(
                    replace(
                        LOCAL.questions[0], scale=(Option("no", "No", 11), Option("yes", "Yes", 1))
                    ),
                ),
            ),
            "/questions/0/scale/0/score",
            "0 to 10",
        ),
        (
            replace(
                LOCAL,
                questions=(
                    replace(
                        LOCAL.questions[0],
                        scale=(*_scale("no", "yes"), Option("na", "N/A", 5, counts=False)),
                    ),
                ),
            ),
            "/questions/0/scale/2/score",
            "does not count",
        ),
        (
            replace(
                LOCAL,
                questions=(
                    replace(
                        LOCAL.questions[0],
                        scale=(Option("no", "No", None), Option("yes", "Yes", 1)),
                    ),
                ),
            ),
            "/questions/0/scale/0/score",
            "needs a score",
        ),
    ],
)
def test_each_problem_is_reported_where_it_is(survey: Survey, location: str, words: str) -> None:
    problems = _locations(survey)
    assert any(at == location and words in message for at, message in problems), problems


def test_a_score_of_an_unscored_question_is_a_problem() -> None:
    unscored = (Option("no", "No", None), Option("yes", "Yes", None))
    survey = replace(
        LOCAL, questions=(replace(LOCAL.questions[0], scale=unscored), LOCAL.questions[1])
    )
    assert _locations(survey) == [("/scores/0/of/0", "question 'a' is not scored")]
