"""The fast tally (`patterns.AnswerSlots`, `SlotTally`) and `ResponseTally.add_many` against the
straightforward `ResponseTally.add`: (Hypothesis) the same aggregate for any survey, any
questions asked in any order, and any respondents, also when the memo of composite scores
starts afresh; and what they refuse."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.surveys.builtins import ENJOYING_WORK, NQPS, NSS
from app.surveys.definitions import Survey
from app.surveys.patterns import NOT_ANSWERED, AnswerSlots
from app.surveys.scoring import Aggregate, ResponseTally, aggregate_responses
from tests.surveys.test_properties import Answers, local_surveys

MANY = settings(max_examples=150, deadline=None)


@st.composite
def asked_and_responses(draw: st.DrawFn) -> tuple[Survey, list[str], list[Answers]]:
    """A survey, the questions a file asks (some, in any order) and respondents' answers to
    them (blanks included, repeats likely)."""
    survey = draw(st.sampled_from([NQPS, ENJOYING_WORK, NSS]) | local_surveys())
    codes = [q.code for q in survey.questions]
    asked = draw(st.permutations(codes))[: draw(st.integers(0, len(codes)))]
    options = {q.code: [o.code for o in q.scale] for q in survey.questions}
    respondent = st.fixed_dictionaries(
        {code: st.none() | st.sampled_from(options[code]) for code in asked}
    )
    few = draw(st.lists(respondent, min_size=1, max_size=4))
    responses = draw(st.lists(st.sampled_from(few) | respondent, max_size=60))
    return survey, asked, responses


def slot_tally(
    survey: Survey, asked: list[str], responses: list[Answers], memo_limit: int
) -> Aggregate:
    slots = AnswerSlots(survey, asked, memo_limit=memo_limit)
    tally = slots.tally()
    for answers in responses:
        tally.add(slots.slots(answers))
    return tally.aggregate()


@MANY
@given(asked_and_responses(), st.sampled_from([1, 2, 65_536]))
def test_a_slot_tally_equals_adding_each_respondent(
    case: tuple[Survey, list[str], list[Answers]], memo_limit: int
) -> None:
    survey, asked, responses = case
    assert slot_tally(survey, asked, responses, memo_limit) == aggregate_responses(
        survey, responses
    )


@MANY
@given(asked_and_responses(), st.lists(st.integers(0, 5), min_size=60, max_size=60))
def test_add_many_equals_adding_each_respondent_that_many_times(
    case: tuple[Survey, list[str], list[Answers]], counts: list[int]
) -> None:
    survey, _, responses = case
    once, many = ResponseTally(survey), ResponseTally(survey)
    for answers, count in zip(responses, counts, strict=False):
        for _ in range(count):
            once.add(answers)
        many.add_many(answers, count)
    assert many.aggregate() == once.aggregate()


def test_slots_are_per_option_and_not_answering_is_slot_0() -> None:
    slots = AnswerSlots(ENJOYING_WORK, ["burnout", "enjoy_work"])
    assert slots.slots({}) == (NOT_ANSWERED, NOT_ANSWERED)
    found = slots.slots({"enjoy_work": "always", "burnout": "5"})
    assert [slots.pairs[s] for s in found] == [("burnout", "5"), ("enjoy_work", "always")]
    assert len(set(slots.pairs)) == len(slots.pairs) == 1 + 5 + 5


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"q2a": "9"}, "'9' is not an option of question 'q2a'"),
        ({"q3c": "4"}, "'q3c' is not a question asked here"),
    ],
)
def test_slots_refuse_what_the_tally_would(answers: dict[str, str], message: str) -> None:
    slots = AnswerSlots(NQPS, ["q2a", "q2b"])
    with pytest.raises(ValueError, match=message):
        slots.slots(answers)


def test_questions_are_asked_once_and_belong_to_the_survey() -> None:
    with pytest.raises(ValueError, match="'q9' is not a question of survey 'nqps'"):
        AnswerSlots(NQPS, ["q2a", "q9"])
    with pytest.raises(ValueError, match="'q2a' is listed twice"):
        AnswerSlots(NQPS, ["q2a", "q2a"])


@pytest.mark.parametrize("count", [-1, True, 1.5])
def test_add_many_takes_a_whole_number_of_respondents(count: int) -> None:
    tally = ResponseTally(NQPS)
    with pytest.raises(ValueError, match="whole number"):
        tally.add_many({"q2a": "1"}, count)
    assert tally.aggregate() == Aggregate()
