"""Survey results (ingest spec 5.2-5.4): additive aggregates, and the results read from them."""

import math
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from app.disclosure import DEFAULT_THRESHOLD, MIN_THRESHOLD
from app.surveys.definitions import Question, Survey, min_answered_for, validate_survey

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
    return tidy(counts, scores)


class ResponseTally:
    """Adds up respondents' answers for one survey, one respondent at a time, so that an
    import can stream a file into one tally per team and period and keep no respondent.

    Answers are option codes (already matched with `match_option`). An unknown question or
    option is a ValueError: the file adapter reports those as row errors beforehand. Scores
    are added up as whole numbers over a fixed denominator per composite, exact like
    fractions and many times faster; `aggregate()` gives them back as fractions.
    `patterns.SlotTally` does the same for answers read as slots, with no Python per answer.
    """

    def __init__(self, survey: Survey) -> None:
        self._plan = ScoringPlan(survey)
        self._counts: dict[tuple[str, str], int] = {}
        self._sums = dict.fromkeys(self._plan.denominators, 0)
        self._ns = dict.fromkeys(self._plan.denominators, 0)

    def add(self, answers: Answers) -> None:
        """Add one respondent; a refused one (ValueError) leaves the tally as it was."""
        self.add_many(answers, 1)

    def add_many(self, answers: Answers, count: int) -> None:
        """Add `count` respondents who all gave `answers`: the same as `add` `count` times."""
        _check_count(count)
        answered = list(self._plan.items(answers))
        numerators = self._plan.numerators(answers)
        if not count:
            return
        counts = self._counts
        for key in answered:
            counts[key] = counts.get(key, 0) + count
        for code, numerator in numerators.items():
            self._sums[code] += numerator * count
            self._ns[code] += count

    def aggregate(self) -> Aggregate:
        counts: dict[str, dict[str, int]] = {}
        for (question, option), count in self._counts.items():
            counts.setdefault(question, {})[option] = count
        denominators = self._plan.denominators
        scores = {
            code: ScoreSum(Fraction(self._sums[code], denominators[code]), n)
            for code, n in self._ns.items()
        }
        return tidy(counts, scores)


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError("a count of respondents must be a whole number >= 0")


def aggregate_responses(survey: Survey, responses: Iterable[Answers]) -> Aggregate:
    """Counts per option and composite sums over respondents' answers (see `ResponseTally`)."""
    tally = ResponseTally(survey)
    for answers in responses:
        tally.add(answers)
    return tally.aggregate()


def aggregate_counts(survey: Survey, rows: Iterable[tuple[str, str, int]]) -> Aggregate:
    """The aggregate of `survey-counts` rows (question code, option code, count): per-question
    results only, since composites need each respondent's answers (spec 3.2)."""
    options = {q.code: {o.code for o in q.scale} for q in survey.questions}
    counts: dict[str, dict[str, int]] = {}
    for question_code, option_code, count in rows:
        _check_answer(options, question_code, option_code, survey.code)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count for {question_code}/{option_code} must be a whole number >= 0")
        into = counts.setdefault(question_code, {})
        into[option_code] = into.get(option_code, 0) + count
    return tidy(counts, {})


def respondent_scores(survey: Survey, answers: Answers) -> dict[str, Fraction]:
    """One respondent's composite scores (5.3): a score of questions is the mean of the items
    answered when at least `min_answered` were; a score of scores is the mean of its
    components when the respondent has all of them. Scores they do not have are absent."""
    plan = ScoringPlan(survey)
    numerators = plan.numerators(answers)
    return {
        s.code: Fraction(numerators[s.code], plan.denominators[s.code])
        for s in survey.scores
        if s.code in numerators
    }


class ScoringPlan:
    """A survey prepared for scoring respondents quickly and exactly.

    Every item score is a whole number of `unit`s (1/unit of a point: 2 for the 2.5 steps of
    the built-ins). A composite of questions with `need` to `len(of)` answers has denominator
    unit x lcm(need..len(of)), so a mean of k items is a whole numerator for every allowed k;
    a composite of m composites has m x the lcm of theirs. Sums of numerators are then exact.
    """

    def __init__(self, survey: Survey) -> None:
        problems = validate_survey(survey)
        if problems:
            raise ValueError(f"survey {survey.code!r} is not sound: {problems[0]}")
        self.code = survey.code
        scored = [
            Fraction(o.score) for q in survey.questions for o in q.scale if o.score is not None
        ]
        unit = math.lcm(*(f.denominator for f in scored)) if scored else 1
        # question -> option -> whole units, or None where the answer scores nothing
        self.options: dict[str, dict[str, int | None]] = {
            q.code: {
                o.code: None if o.score is None or not o.counts else int(Fraction(o.score) * unit)
                for o in q.scale
            }
            for q in survey.questions
        }
        self.denominators: dict[str, int] = {}
        self.steps: list[tuple[str, tuple[str, ...], int | None, int]] = []
        pending = list(survey.scores)
        while pending:  # parts before wholes; validation has ruled out cycles
            ready = [
                s for s in pending if all(p in self.options or p in self.denominators for p in s.of)
            ]
            for score in ready:
                if score.of[0] in self.options:
                    need = min_answered_for(score)
                    span = math.lcm(*range(need, len(score.of) + 1))
                    self.denominators[score.code] = unit * span
                    self.steps.append((score.code, score.of, need, span))
                else:
                    span = math.lcm(*(self.denominators[p] for p in score.of))
                    self.denominators[score.code] = len(score.of) * span
                    self.steps.append((score.code, score.of, None, span))
            pending = [s for s in pending if s not in ready]

    def items(self, answers: Answers) -> Iterator[tuple[str, str]]:
        """The (question, option) pairs answered, each checked against the survey."""
        for question, option in answers.items():
            if option is not None:
                _check_answer(self.options, question, option, self.code)
                yield question, option

    def numerators(self, answers: Answers) -> dict[str, int]:
        """The respondent's scores as numerators over `denominators`; absent where none."""
        units: dict[str, int] = {}
        for question, option in answers.items():
            if option is not None:
                value = self.options.get(question, {}).get(option)
                if value is not None:
                    units[question] = value
        out: dict[str, int] = {}
        for code, of, need, span in self.steps:
            if need is not None:
                answered = [units[q] for q in of if q in units]
                if len(answered) >= need:
                    out[code] = sum(answered) * (span // len(answered))
            elif all(p in out for p in of):
                out[code] = sum(out[p] * (span // self.denominators[p]) for p in of)
        return out


def _check_answer(
    options: Mapping[str, Container[str]], question: str, option: str, survey: str
) -> None:
    known = options.get(question)
    if known is None:
        raise ValueError(f"{question!r} is not a question of survey {survey!r}")
    if option not in known:
        raise ValueError(f"{option!r} is not an option of question {question!r}")


def question_results(
    survey: Survey, aggregate: Aggregate, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, QuestionResult]:
    """Per-question results (5.2) in the survey's order; a question nobody gave a counted
    answer to has none. Below `threshold` respondents a result is suppressed (5.4)."""
    check_threshold(threshold)
    results: dict[str, QuestionResult] = {}
    for question in survey.questions:
        counts = aggregate.counts.get(question.code, {})
        respondents, favourable, total = question_tally(question, counts)
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


def question_tally(
    question: Question, counts: Mapping[str, int]
) -> tuple[int, int, Fraction | None]:
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


def tidy(counts: Mapping[str, Mapping[str, int]], scores: Mapping[str, ScoreSum]) -> Aggregate:
    """The aggregate of these counts and sums as it is kept: sorted, with no zero count and no
    score nobody has, so that equal aggregates compare equal however they were built."""
    kept_counts = {
        q: {o: c for o, c in sorted(options.items()) if c} for q, options in sorted(counts.items())
    }
    return Aggregate(
        counts={q: options for q, options in kept_counts.items() if options},
        scores={code: s for code, s in sorted(scores.items()) if s.n},
    )
