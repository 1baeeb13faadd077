"""Survey definitions (ingest spec 5.1): their shape, their checks, and the built-in surveys."""

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

Frequency = Literal["weekly", "monthly", "quarterly", "annual"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)

SCORE_MIN = 0.0
SCORE_MAX = 10.0


@dataclass(frozen=True, slots=True)
class Option:
    """One answer on a question's scale. `counts` is false for "don't know" and "not
    applicable", which every result leaves out; `score` is None where the question is unscored."""

    code: str
    label: str
    score: float | None
    counts: bool = True


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: str
    scale: tuple[Option, ...]
    favourable: tuple[str, ...]
    # Negatively worded: a favourable answer means *not* experiencing something. Scores are
    # already oriented (higher is better); this only drives percent_adverse (spec section 6).
    reverse: bool = False

    @property
    def scored(self) -> bool:
        return any(option.score is not None for option in self.scale)


@dataclass(frozen=True, slots=True)
class Score:
    """A composite: `of` lists question codes or score codes, never both. `min_answered`
    (questions only) None means the default of 5.3, see `min_answered_for`."""

    code: str
    name: str
    of: tuple[str, ...]
    min_answered: int | None = None


@dataclass(frozen=True, slots=True)
class Survey:
    code: str
    name: str
    frequency: Frequency
    questions: tuple[Question, ...]
    scores: tuple[Score, ...] = ()

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def score(self, code: str) -> Score | None:
        return next((s for s in self.scores if s.code == code), None)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition, at a JSON-pointer-like `location` (e.g.
    `/questions/2/favourable/0`)."""

    location: str
    message: str


def default_min_answered(items: int) -> int:
    """60% of the items, rounded up (2 of 3, 3 of 4, 5 of 7, 6 of 9), in whole numbers so that
    no float rounding can move it."""
    return (3 * items + 4) // 5


def min_answered_for(score: Score) -> int:
    return (
        score.min_answered
        if score.min_answered is not None
        else default_min_answered(len(score.of))
    )


def match_option(question: Question, text: str) -> Option | None:
    """The option whose code, else whose label, equals `text` ignoring case and outer spaces."""
    wanted = text.strip().casefold()
    for option in question.scale:
        if option.code.strip().casefold() == wanted:
            return option
    for option in question.scale:
        if option.label.strip().casefold() == wanted:
            return option
    return None


def period_start(day: date, frequency: Frequency) -> date:
    """The first day of the period `day` falls in: Monday of its week, first of its month,
    of its quarter or of its year."""
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "monthly":
        return day.replace(day=1)
    if frequency == "quarterly":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if frequency == "annual":
        return date(day.year, 1, 1)
    raise ValueError(f"unknown frequency {frequency!r}")


def as_dict(survey: Survey) -> dict[str, object]:
    """The definition in the JSON shape of spec 5.1 and appendix 9 (a default `min_answered`
    is left out, as the appendix shows it)."""
    return {
        "code": survey.code,
        "name": survey.name,
        "frequency": survey.frequency,
        "questions": [
            {
                "code": q.code,
                "text": q.text,
                "reverse": q.reverse,
                "favourable": list(q.favourable),
                "scale": [
                    {"code": o.code, "label": o.label, "score": o.score, "counts": o.counts}
                    for o in q.scale
                ],
            }
            for q in survey.questions
        ],
        "scores": [
            {"code": s.code, "name": s.name, "of": list(s.of)}
            | ({} if s.min_answered is None else {"min_answered": s.min_answered})
            for s in survey.scores
        ],
    }


def validate_survey(survey: Survey) -> list[Problem]:
    """Every problem of a definition, in document order; an empty list when it is sound.

    It never raises, whatever the values (a local definition arrives from a client), so that
    the caller can answer one 422 listing them all.
    """
    try:
        return list(_survey_problems(survey))
    except Exception as error:  # pragma: no cover - a bug here must still not become a 5xx
        return [Problem("", f"definition could not be checked: {type(error).__name__}")]


def _blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def _survey_problems(survey: Survey) -> Iterator[Problem]:
    if _blank(survey.code):
        yield Problem("/code", "must not be blank")
    if _blank(survey.name):
        yield Problem("/name", "must not be blank")
    if survey.frequency not in FREQUENCIES:
        yield Problem("/frequency", f"must be one of {', '.join(FREQUENCIES)}")
    if not survey.questions:
        yield Problem("/questions", "must list at least one question")
    seen: dict[str, str] = {}
    questions: dict[str, Question] = {}
    for i, question in enumerate(survey.questions):
        where = f"/questions/{i}"
        yield from _question_problems(question, where)
        key = question.code.strip().casefold() if isinstance(question.code, str) else ""
        if key in seen:
            yield Problem(f"{where}/code", f"duplicates the code of {seen[key]}")
        elif key:
            seen[key] = where
            questions[question.code] = question
    scores = {}
    for i, score in enumerate(survey.scores):
        where = f"/scores/{i}"
        if _blank(score.code):
            yield Problem(f"{where}/code", "must not be blank")
            continue
        if _blank(score.name):
            yield Problem(f"{where}/name", "must not be blank")
        key = score.code.strip().casefold()
        if key in seen:
            yield Problem(f"{where}/code", f"duplicates the code of {seen[key]}")
            continue
        seen[key] = where
        scores[score.code] = (i, score)
    for i, score in enumerate(survey.scores):
        yield from _score_problems(score, f"/scores/{i}", questions, scores)
    yield from _cycle_problems(scores)


def _question_problems(question: Question, where: str) -> Iterator[Problem]:
    if _blank(question.code):
        yield Problem(f"{where}/code", "must not be blank")
    if _blank(question.text):
        yield Problem(f"{where}/text", "must not be blank")
    if len(question.scale) < 2:
        yield Problem(f"{where}/scale", "must list at least two options")
    yield from _scale_problems(question, where)
    counting = {o.code for o in question.scale if o.counts and isinstance(o.code, str)}
    if question.scale and not counting:
        yield Problem(f"{where}/scale", "must have at least one option that counts")
    if not question.favourable:
        yield Problem(f"{where}/favourable", "must name at least one option")
    named: set[str] = set()
    for k, code in enumerate(question.favourable):
        if code in named:
            yield Problem(f"{where}/favourable/{k}", f"lists {code!r} twice")
        elif code not in counting:
            yield Problem(f"{where}/favourable/{k}", f"{code!r} is not an option that counts")
        named.add(code)


def _scale_problems(question: Question, where: str) -> Iterator[Problem]:
    # Options match by code or label ignoring case (3.1), so every spelling must be unique
    # across both, or one answer could mean two options.
    spellings: dict[str, str] = {}
    scored = question.scored
    for j, option in enumerate(question.scale):
        at = f"{where}/scale/{j}"
        for field, value in (("code", option.code), ("label", option.label)):
            if _blank(value):
                yield Problem(f"{at}/{field}", "must not be blank")
                continue
            key = value.strip().casefold()
            if key in spellings and spellings[key] != f"{at}/code":
                yield Problem(f"{at}/{field}", f"reads the same as {spellings[key]}")
            else:
                spellings.setdefault(key, f"{at}/{field}")
        score = option.score
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
            or not SCORE_MIN <= score <= SCORE_MAX
        ):
            yield Problem(f"{at}/score", "must be a number from 0 to 10, or null")
        elif option.counts and scored and score is None:
            yield Problem(f"{at}/score", "an option that counts in a scored question needs a score")
        elif not option.counts and score is not None:
            yield Problem(f"{at}/score", "an option that does not count has no score")


def _score_problems(
    score: Score,
    where: str,
    questions: Mapping[str, Question],
    scores: Mapping[str, tuple[int, Score]],
) -> Iterator[Problem]:
    if not score.of:
        yield Problem(f"{where}/of", "must list at least one question or score")
        return
    kinds: set[str] = set()
    listed: set[str] = set()
    for k, code in enumerate(score.of):
        at = f"{where}/of/{k}"
        if code in listed:
            yield Problem(at, f"lists {code!r} twice")
            continue
        listed.add(code)
        if code in questions:
            kinds.add("question")
            if not questions[code].scored:
                yield Problem(at, f"question {code!r} is not scored")
        elif code in scores:
            kinds.add("score")
        else:
            yield Problem(at, f"{code!r} is neither a question nor a score of this survey")
    if len(kinds) > 1:
        yield Problem(f"{where}/of", "must list questions or scores, not both")
    if score.min_answered is not None:
        if "score" in kinds:
            yield Problem(f"{where}/min_answered", "only a score of questions takes min_answered")
        elif isinstance(score.min_answered, bool) or not isinstance(score.min_answered, int):
            yield Problem(f"{where}/min_answered", "must be a whole number")
        elif not 1 <= score.min_answered <= len(score.of):
            yield Problem(f"{where}/min_answered", f"must be from 1 to {len(score.of)}")


def _cycle_problems(scores: Mapping[str, tuple[int, Score]]) -> Iterator[Problem]:
    """A score that reaches itself through the scores it lists (one problem per cycle member)."""
    state: dict[str, int] = {}  # 1 while on the current path, 2 once finished
    on_cycle: set[str] = set()

    def visit(code: str, path: list[str]) -> None:
        state[code] = 1
        path.append(code)
        for child in scores[code][1].of:
            if child not in scores:
                continue
            if state.get(child) == 1:
                on_cycle.update(path[path.index(child) :])
            elif child not in state:
                visit(child, path)
        path.pop()
        state[code] = 2

    for code in scores:
        if code not in state:
            visit(code, [])
    for code in sorted(on_cycle, key=lambda c: scores[c][0]):
        yield Problem(f"/scores/{scores[code][0]}/of", f"score {code!r} depends on itself")
