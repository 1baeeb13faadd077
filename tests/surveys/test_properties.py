"""Properties of survey scoring and definitions (Hypothesis): additivity, counts equal to
responses, suppression under the threshold, and checks that never raise."""

import random
from collections import Counter
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.surveys.definitions import (
    FREQUENCIES,
    Option,
    Question,
    Score,
    Survey,
    validate_survey,
)
from app.surveys.scoring import (
    Aggregate,
    aggregate_counts,
    aggregate_responses,
    combine,
    question_results,
    respondent_scores,
    score_results,
)

Answers = dict[str, str | None]
FEW = settings(max_examples=60, deadline=None)


@st.composite
def local_surveys(draw: st.DrawFn) -> Survey:
    """A sound local definition: 1-4 questions, scored or not, perhaps a "don't know", and
    composites of questions and of composites."""
    questions = []
    for i in range(draw(st.integers(1, 4))):
        scored = draw(st.booleans())
        size = draw(st.integers(2, 5))
        points = st.floats(0, 10, allow_nan=False) | st.sampled_from([0.0, 2.5, 5.0, 7.5, 10.0])
        scale = [
            Option(f"o{j}", f"Option {j}", draw(points) if scored else None) for j in range(size)
        ]
        if draw(st.booleans()):
            scale.append(Option("dk", "Don't know", None, counts=False))
        codes = [o.code for o in scale if o.counts]
        favourable = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
        questions.append(Question(f"q{i}", f"Question {i}?", tuple(scale), tuple(favourable)))
    scored_codes = [q.code for q in questions if q.scored]
    scores: list[Score] = []
    for k in range(draw(st.integers(0, 3)) if scored_codes else 0):
        of = draw(st.lists(st.sampled_from(scored_codes), min_size=1, unique=True))
        minimum = draw(st.none() | st.integers(1, len(of)))
        scores.append(Score(f"s{k}", f"Score {k}", tuple(of), minimum))
    if len(scores) >= 2 and draw(st.booleans()):
        scores.append(Score("theme", "Theme", tuple(s.code for s in scores)))
    survey = Survey(
        "local",
        "Local",
        draw(st.sampled_from(FREQUENCIES)),
        tuple(questions),
        tuple(scores),
    )
    assert validate_survey(survey) == []
    return survey


@st.composite
def survey_and_responses(draw: st.DrawFn) -> tuple[Survey, list[Answers]]:
    survey = draw(st.sampled_from([NQPS, ENJOYING_WORK]) | local_surveys())
    answer = {
        q.code: st.none() | st.sampled_from([o.code for o in q.scale]) for q in survey.questions
    }
    # A respondent may also leave a question out of the file altogether (not asked).
    respondent = st.fixed_dictionaries({}, optional=answer)
    return survey, draw(st.lists(respondent, max_size=40))


def _true_respondents(survey: Survey, responses: Sequence[Answers]) -> Counter[str]:
    counting = {(q.code, o.code) for q in survey.questions for o in q.scale if o.counts}
    return Counter(q for r in responses for q, o in r.items() if (q, o) in counting)


@FEW
@given(survey_and_responses(), st.integers(1, 5), st.randoms(use_true_random=False))
def test_combining_the_aggregates_of_any_split_gives_the_whole(
    data: tuple[Survey, list[Answers]], parts: int, rng: random.Random
) -> None:
    survey, responses = data
    shuffled = list(responses)
    rng.shuffle(shuffled)
    split: list[list[Answers]] = [[] for _ in range(parts)]
    for answers in shuffled:
        split[rng.randrange(parts)].append(answers)
    combined = Aggregate()
    for part in split:
        combined = combine(combined, aggregate_responses(survey, part))
    whole = aggregate_responses(survey, responses)
    assert combined == whole
    for threshold in (5, 10):
        assert question_results(survey, combined, threshold=threshold) == question_results(
            survey, whole, threshold=threshold
        )
        assert score_results(survey, combined, threshold=threshold) == score_results(
            survey, whole, threshold=threshold
        )


@FEW
@given(survey_and_responses(), st.integers(5, 15))
def test_per_question_results_from_counts_equal_those_from_responses(
    data: tuple[Survey, list[Answers]], threshold: int
) -> None:
    survey, responses = data
    counted = Counter((q, o) for r in responses for q, o in r.items() if o is not None)
    rows = [(q, o, n) for (q, o), n in counted.items()]
    # A counts file may also carry explicit zeros.
    rows += [(q.code, q.scale[0].code, 0) for q in survey.questions]
    from_counts = aggregate_counts(survey, rows)
    from_responses = aggregate_responses(survey, responses)
    assert from_counts.counts == from_responses.counts
    assert question_results(survey, from_counts, threshold=threshold) == question_results(
        survey, from_responses, threshold=threshold
    )
    assert score_results(survey, from_counts) == {}  # composites need respondents


@FEW
@given(survey_and_responses(), st.integers(5, 25))
def test_no_result_under_the_threshold_is_ever_shown(
    data: tuple[Survey, list[Answers]], threshold: int
) -> None:
    survey, responses = data
    aggregate = aggregate_responses(survey, responses)
    truth = _true_respondents(survey, responses)
    results = question_results(survey, aggregate, threshold=threshold)
    assert set(results) == {q for q, n in truth.items() if n}
    for code, result in results.items():
        if truth[code] < threshold:
            assert result.suppressed
            assert (result.respondents, result.favourable) == (None, None)
            assert (result.percent_favourable, result.mean_score) == (None, None)
        else:
            assert not result.suppressed
            assert result.respondents == truth[code]
            assert result.percent_favourable is not None
            assert 0 <= result.percent_favourable <= 100
    having = Counter(code for r in responses for code in respondent_scores(survey, r))
    scores = score_results(survey, aggregate, threshold=threshold)
    assert set(scores) == set(having)
    for code, score in scores.items():
        if having[code] < threshold:
            assert (score.suppressed, score.respondents, score.value) == (True, None, None)
        else:
            assert (score.suppressed, score.respondents) == (False, having[code])
            assert score.value is not None
            assert 0 <= score.value <= 10


# Arbitrary definitions: few distinct codes, so that duplicates, unknown codes, mixes and
# cycles are common; any text, any float, any whole number.
_codes = st.sampled_from(["a", "b", "A", "s", "t", " ", ""]) | st.text(max_size=3)
_options = st.builds(
    Option,
    code=_codes,
    label=_codes,
    score=st.none() | st.floats() | st.integers(-5, 15),
    counts=st.booleans(),
)
_questions = st.builds(
    Question,
    code=_codes,
    text=st.text(max_size=5),
    scale=st.lists(_options, max_size=5).map(tuple),
    favourable=st.lists(_codes, max_size=4).map(tuple),
    reverse=st.booleans(),
)
_scores = st.builds(
    Score,
    code=_codes,
    name=st.text(max_size=5),
    of=st.lists(_codes, max_size=5).map(tuple),
    min_answered=st.none() | st.integers(),
)
_surveys = st.builds(
    Survey,
    code=_codes,
    name=st.text(max_size=5),
    frequency=st.sampled_from([*FREQUENCIES, "daily", ""]),
    questions=st.lists(_questions, max_size=4).map(tuple),
    scores=st.lists(_scores, max_size=5).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(_surveys)
def test_validation_never_raises_it_only_returns_problems(survey: Survey) -> None:
    problems = validate_survey(survey)
    assert isinstance(problems, list)
    # The catch-all location "" would mean a check itself failed.
    assert all(p.location.startswith("/") and p.message for p in problems)


@FEW
@given(local_surveys())
def test_generated_sound_definitions_score_without_error(survey: Survey) -> None:
    everything = {q.code: q.scale[-1].code for q in survey.questions}
    scores = respondent_scores(survey, everything)
    assert all(0 <= value <= 10 for value in scores.values())
