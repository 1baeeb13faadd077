"""Survey scoring: worked examples 8.1 and 8.2 of the ingest spec, exactly, and edges of 5.2-5.4."""

from dataclasses import replace
from fractions import Fraction

import pytest

from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.surveys.definitions import Score
from app.surveys.scoring import (
    Aggregate,
    QuestionResult,
    ResponseTally,
    ScoreResult,
    ScoreSum,
    aggregate_counts,
    aggregate_responses,
    combine,
    question_results,
    respondent_scores,
    score_results,
)

# 8.1: twelve respondents in the week of Monday 2025-03-03.
WEEK: list[dict[str, str | None]] = [
    {"enjoy_work": answer}
    for answer in ["always"] * 3 + ["often"] * 4 + ["sometimes"] * 3 + ["rarely", None]
]


def test_worked_example_8_1_enjoying_work_one_week() -> None:
    results = question_results(ENJOYING_WORK, aggregate_responses(ENJOYING_WORK, WEEK))
    assert list(results) == ["enjoy_work"]  # nobody answered the other two: no result
    result = results["enjoy_work"]
    assert result.respondents == 11
    assert result.favourable == 7
    assert result.percent_favourable == 700 / 11  # 63.636...
    assert f"{result.percent_favourable:.3f}" == "63.636"
    assert result.suppressed is False
    # (3 x 10 + 4 x 7.5 + 3 x 5 + 2.5) / 11
    assert result.mean_score == 77.5 / 11


def test_worked_example_8_1_the_same_week_with_eight_answers_is_suppressed() -> None:
    eight = WEEK[:8]
    result = question_results(ENJOYING_WORK, aggregate_responses(ENJOYING_WORK, eight))
    assert result == {"enjoy_work": QuestionResult("enjoy_work", None, None, None, None, True)}


def test_the_threshold_is_inclusive_and_never_below_five() -> None:
    ten = aggregate_responses(ENJOYING_WORK, WEEK[:10])
    assert question_results(ENJOYING_WORK, ten)["enjoy_work"].respondents == 10
    assert question_results(ENJOYING_WORK, ten, threshold=11)["enjoy_work"].suppressed
    five = aggregate_responses(ENJOYING_WORK, WEEK[:5])
    assert question_results(ENJOYING_WORK, five, threshold=5)["enjoy_work"].respondents == 5
    for bad in (4, 0, -1):
        with pytest.raises(ValueError, match="at least 5"):
            question_results(ENJOYING_WORK, five, threshold=bad)
        with pytest.raises(ValueError, match="at least 5"):
            score_results(NQPS, Aggregate(), threshold=bad)


def test_dont_know_is_left_out_of_every_result() -> None:
    answers = [{"recommend_team": "extremely_likely"}] * 6 + [{"recommend_team": "likely"}] * 4
    answers += [{"recommend_team": "dont_know"}] * 5
    aggregate = aggregate_responses(ENJOYING_WORK, answers)
    assert aggregate.counts["recommend_team"]["dont_know"] == 5  # stored, as the file gave it
    result = question_results(ENJOYING_WORK, aggregate)["recommend_team"]
    assert (result.respondents, result.favourable, result.percent_favourable) == (10, 6, 60.0)
    assert result.mean_score == 9.0
    only_dont_know = aggregate_responses(ENJOYING_WORK, [{"recommend_team": "dont_know"}] * 20)
    assert question_results(ENJOYING_WORK, only_dont_know) == {}


# 8.2: one NQPS respondent.
RESPONDENT: dict[str, str | None] = {
    "q2a": "4",  # often, 7.5
    "q2b": "5",  # always, 10
    "q2c": "3",  # sometimes, 5
    "q3c": "4",  # agree, 7.5
    "q3d": "5",  # strongly agree, 10
    "q3f": "3",  # neither, 5
    "q25a": "4",  # agree, 7.5
    "q25c": None,  # blank
    "q25d": "5",  # strongly agree, 10
}


def test_worked_example_8_2_nqps_engagement_one_respondent() -> None:
    scores = respondent_scores(NQPS, RESPONDENT)
    assert scores == {
        "motivation": Fraction(15, 2),
        "involvement": Fraction(15, 2),
        "advocacy": Fraction(35, 4),  # 2 of 3 answered: enough
        "engagement": Fraction(95, 12),  # (7.5 + 7.5 + 8.75) / 3 = 7.91666...
    }
    assert float(scores["engagement"]) == pytest.approx(7.916666666666667, abs=0)


def test_worked_example_8_2_with_q25a_blank_too() -> None:
    respondent = RESPONDENT | {"q25a": None}
    scores = respondent_scores(NQPS, respondent)
    assert scores == {"motivation": Fraction(15, 2), "involvement": Fraction(15, 2)}
    # ... yet they still count in the per-question results of what they answered.
    aggregate = aggregate_responses(NQPS, [respondent])
    assert aggregate.counts == {
        "q2a": {"4": 1},
        "q2b": {"5": 1},
        "q2c": {"3": 1},
        "q3c": {"4": 1},
        "q3d": {"5": 1},
        "q3f": {"3": 1},
        "q25d": {"5": 1},
    }
    assert aggregate.scores == {
        "involvement": ScoreSum(Fraction(15, 2), 1),
        "motivation": ScoreSum(Fraction(15, 2), 1),
    }


def test_team_score_is_the_unweighted_mean_of_those_who_have_one() -> None:
    ten = [RESPONDENT] * 10
    blank_advocacy = [RESPONDENT | {"q25a": None}] * 3
    aggregate = aggregate_responses(NQPS, ten + blank_advocacy)
    results = score_results(NQPS, aggregate)
    assert results["engagement"] == ScoreResult("engagement", 10, 95 / 12, False)
    assert results["motivation"] == ScoreResult("motivation", 13, 7.5, False)
    # Per question, the three without q25a still count in q25d.
    per_question = question_results(NQPS, aggregate)
    assert per_question["q25d"].respondents == 13
    assert per_question["q25a"].respondents == 10
    few = aggregate_responses(NQPS, ten[:9] + blank_advocacy)
    assert score_results(NQPS, few)["engagement"] == ScoreResult("engagement", None, None, True)
    assert score_results(NQPS, few)["motivation"].respondents == 12


def test_counts_give_the_same_results_as_responses_and_no_scores() -> None:
    from_counts = aggregate_counts(
        ENJOYING_WORK,
        [
            ("enjoy_work", "always", 3),
            ("enjoy_work", "often", 4),
            ("enjoy_work", "sometimes", 3),
            ("enjoy_work", "rarely", 1),
            ("enjoy_work", "never", 0),
        ],
    )
    from_responses = aggregate_responses(ENJOYING_WORK, WEEK)
    assert from_counts == from_responses
    assert question_results(ENJOYING_WORK, from_counts) == question_results(
        ENJOYING_WORK, from_responses
    )


def test_combining_splits_gives_the_whole() -> None:
    whole = aggregate_responses(NQPS, [RESPONDENT, RESPONDENT | {"q25a": None}])
    parts = [aggregate_responses(NQPS, [r]) for r in (RESPONDENT, RESPONDENT | {"q25a": None})]
    assert combine(*parts) == whole
    assert combine(Aggregate(), whole) == whole


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"q99": "1"}, "'q99' is not a question"),
        ({"q2a": "Often"}, "'Often' is not an option"),  # labels are matched before this
    ],
)
def test_unknown_questions_and_options_are_refused(answers: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aggregate_responses(NQPS, [answers])
    with pytest.raises(ValueError, match=message):
        aggregate_counts(NQPS, [(*next(iter(answers.items())), 1)])


@pytest.mark.parametrize("count", [-1, True, 1.5])
def test_a_count_is_a_whole_number_of_people(count: int) -> None:
    with pytest.raises(ValueError, match="whole number"):
        aggregate_counts(NQPS, [("q2a", "1", count)])


def test_a_refused_respondent_leaves_the_tally_as_it_was() -> None:
    tally = ResponseTally(NQPS)
    tally.add(RESPONDENT)
    before = tally.aggregate()
    with pytest.raises(ValueError, match="'9' is not an option"):
        tally.add(RESPONDENT | {"q3f": "9"})  # the earlier answers of this row are not kept
    assert tally.aggregate() == before


def test_an_unsound_survey_is_not_scored() -> None:
    unsound = replace(NQPS, scores=(Score("loop", "Loop", ("loop",)),))
    with pytest.raises(ValueError, match="not sound"):
        ResponseTally(unsound)
