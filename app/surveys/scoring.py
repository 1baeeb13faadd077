"""Survey results (ingest spec 5.2-5.4): additive aggregates, and the results read from them."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from app.disclosure import DEFAULT_THRESHOLD, MIN_THRESHOLD
from app.surveys.definitions import Option, Question, Survey, min_answered_for

# One respondent's answers: question code -> option code, None (or absent) when not answered.
Answers = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class ScoreSum:
    """The respondents' composite scores summed, and how many there were. Exact fractions, so
    that sums combine in any order to the same value (floats would not)."""

    total: Fraction = Fraction(0)
    n: int = 0

    def __add__(self, other: "ScoreSum") -> "ScoreSum":
        return ScoreSum(self.total + other.total, self.n + other.n)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """What is stored for one survey, team and period (or group): counts per question and
    option, and per composite score the sum of respondents' scores and their number. It is
    additive (`combine`); means and percentages are derived when read. Zero counts are never
    kept, so that equal aggregates compare equal however they were built."""

    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    scores: Mapping[str, ScoreSum] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """Spec 5.2; when `suppressed` (5.4) every figure is None."""

    question: str
    respondents: int | None
    favourable: int | None
    percent_favourable: float | None
    mean_score: float | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A team's score (5.3): the unweighted mean over respondents who have one."""

    score: str
    respondents: int | None
    value: float | None
    suppressed: bool


def check_threshold(threshold: int) -> int:
    # The same floor as the disclosure module: a trust may raise it, never lower it below 5.
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError("threshold must be a whole number")
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"threshold must be at least {MIN_THRESHOLD}")
    return threshold


def combine(a: Aggregate, b: Aggregate) -> Aggregate:
    """The aggregate of both sets of respondents (or of counts) together."""
    counts: dict[str, dict[str, int]] = {q: dict(options) for q, options in a.counts.items()}
    for question, options in b.counts.items():
        into = counts.setdefault(question, {})
        for option, count in options.items():
            into[option] = into.get(option, 0) + count
    scores = dict(a.scores)
    for code, added in b.scores.items():
        scores[code] = scores.get(code, ScoreSum()) + added
    return _tidy(counts, scores)


def aggregate_responses(survey: Survey, responses: Iterable[Answers]) -> Aggregate:
    """Counts per option and composite sums over respondents' answers (option codes, already
    matched with `match_option`). An unknown question or option is a ValueError: the file
    adapter reports those as row errors before anything is aggregated."""
    counts: dict[str, dict[str, int]] = {}
    scores: dict[str, ScoreSum] = {}
    for answers in responses:
        for question_code, option_code in answers.items():
            if option_code is None:
                continue
            _option_of(survey, question_code, option_code)
            into = counts.setdefault(question_code, {})
            into[option_code] = into.get(option_code, 0) + 1
        for code, value in respondent_scores(survey, answers).items():
            scores[code] = scores.get(code, ScoreSum()) + ScoreSum(value, 1)
    return _tidy(counts, scores)


def aggregate_counts(survey: Survey, rows: Iterable[tuple[str, str, int]]) -> Aggregate:
    """The aggregate of `survey-counts` rows (question code, option code, count): per-question
    results only, since composites need each respondent's answers (spec 3.2)."""
    counts: dict[str, dict[str, int]] = {}
    for question_code, option_code, count in rows:
        _option_of(survey, question_code, option_code)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count for {question_code}/{option_code} must be a whole number >= 0")
        into = counts.setdefault(question_code, {})
        into[option_code] = into.get(option_code, 0) + count
    return _tidy(counts, {})


def respondent_scores(survey: Survey, answers: Answers) -> dict[str, Fraction]:
    """One respondent's composite scores (5.3): a score of questions is the mean of the items
    answered when at least `min_answered` were; a score of scores is the mean of its
    components when the respondent has all of them. Scores they do not have are absent."""
    item: dict[str, Fraction] = {}
    for question_code, option_code in answers.items():
        if option_code is None or survey.question(question_code) is None:
            continue
        option = _option_of(survey, question_code, option_code)
        if option.counts and option.score is not None:
            item[question_code] = Fraction(option.score)
    result: dict[str, Fraction | None] = {}

    def value(code: str) -> Fraction | None:
        if code not in result:
            score = survey.score(code)
            if score is None:  # pragma: no cover - a validated survey names known scores
                raise ValueError(f"unknown score {code!r}")
            if all(survey.question(part) is not None for part in score.of):
                answered = [item[q] for q in score.of if q in item]
                enough = bool(answered) and len(answered) >= min_answered_for(score)
                result[code] = sum(answered, Fraction(0)) / len(answered) if enough else None
            else:
                parts = [value(part) for part in score.of]
                present = [p for p in parts if p is not None]
                whole = len(present) == len(parts)
                result[code] = sum(present, Fraction(0)) / len(parts) if whole else None
        return result[code]

    return {s.code: v for s in survey.scores if (v := value(s.code)) is not None}


def question_results(
    survey: Survey, aggregate: Aggregate, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, QuestionResult]:
    """Per-question results (5.2) in the survey's order; a question nobody gave a counted
    answer to has none. Below `threshold` respondents a result is suppressed (5.4)."""
    check_threshold(threshold)
    results: dict[str, QuestionResult] = {}
    for question in survey.questions:
        counts = aggregate.counts.get(question.code, {})
        respondents, favourable, total = _tally(question, counts)
        if respondents == 0:
            continue
        if respondents < threshold:
            results[question.code] = QuestionResult(question.code, None, None, None, None, True)
            continue
        results[question.code] = QuestionResult(
            question=question.code,
            respondents=respondents,
            favourable=favourable,
            percent_favourable=float(Fraction(favourable * 100, respondents)),
            mean_score=None if total is None else float(total / respondents),
            suppressed=False,
        )
    return results


def score_results(
    survey: Survey, aggregate: Aggregate, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, ScoreResult]:
    """Team scores (5.3) in the survey's order; a score nobody has is absent, and one fewer
    than `threshold` respondents have is suppressed (5.4)."""
    check_threshold(threshold)
    results: dict[str, ScoreResult] = {}
    for score in survey.scores:
        summed = aggregate.scores.get(score.code)
        if summed is None or summed.n == 0:
            continue
        if summed.n < threshold:
            results[score.code] = ScoreResult(score.code, None, None, True)
        else:
            results[score.code] = ScoreResult(
                score.code, summed.n, float(summed.total / summed.n), False
            )
    return results


def _tally(question: Question, counts: Mapping[str, int]) -> tuple[int, int, Fraction | None]:
    """(respondents, favourable, sum of scores or None when unscored) over counted options."""
    respondents = favourable = 0
    total: Fraction | None = Fraction(0) if question.scored else None
    for option in question.scale:
        count = counts.get(option.code, 0)
        if not option.counts or count == 0:
            continue
        respondents += count
        if option.code in question.favourable:
            favourable += count
        if total is not None and option.score is not None:
            total += Fraction(option.score) * count
    return respondents, favourable, total


def _option_of(survey: Survey, question_code: str, option_code: str) -> Option:
    question = survey.question(question_code)
    if question is None:
        raise ValueError(f"{question_code!r} is not a question of survey {survey.code!r}")
    option = next((o for o in question.scale if o.code == option_code), None)
    if option is None:
        raise ValueError(f"{option_code!r} is not an option of question {question_code!r}")
    return option


def _tidy(counts: Mapping[str, Mapping[str, int]], scores: Mapping[str, ScoreSum]) -> Aggregate:
    kept_counts = {
        q: {o: c for o, c in sorted(options.items()) if c} for q, options in sorted(counts.items())
    }
    return Aggregate(
        counts={q: options for q, options in kept_counts.items() if options},
        scores={code: s for code, s in sorted(scores.items()) if s.n},
    )
