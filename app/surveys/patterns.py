"""Respondents tallied with no Python work per answer (ingest spec 5.2 and 5.3): the fast path
of a `survey-responses` import, equal to adding each one to a `ResponseTally`.

A respondent's answers are a tuple of slots, one per question asked (a file's question
columns): small whole numbers standing for (question, option), 0 where the question was not
answered. A tally counts them with `Counter`'s C loop, and a composite's score is computed
once per distinct pattern of its parts' answers and remembered, so adding a respondent costs
a few calls into C whatever the number of questions. The slots a reader looks up are the
same int objects each time, which the counting dicts find by identity.
"""

from collections import _count_elements  # type: ignore[attr-defined]  # Counter.update's C loop
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from operator import itemgetter
from typing import Any, Final

from app.surveys.definitions import Survey
from app.surveys.scoring import Aggregate, Answers, ScoreSum, ScoringPlan, tidy

# A composite's numerators are remembered per pattern of its parts; past this many patterns
# the memory starts afresh, so that a file of a million distinct ones stays flat.
MEMO_LIMIT: Final = 65_536
NOT_ANSWERED: Final = 0
NO_SCORE: Final = -1  # the score key of a respondent who has no score in a composite

Slots = tuple[int, ...]
count_into: Callable[[dict[Any, int], Iterable[Any]], None] = _count_elements


class _Memo(dict[Any, int]):
    """A composite's score key per pattern of its parts, computed when first asked for (and
    then the same int object each time, which a dict finds by identity)."""

    def __init__(self, compute: Callable[[Any], int], limit: int) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key: Any) -> int:
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._compute(key)
        return value


def _getter(positions: Sequence[int]) -> Callable[[Sequence[Any]], Any]:
    """The values at `positions` (itemgetter, in C): a tuple, or the value itself for one."""
    if not positions:
        return lambda _: ()
    return itemgetter(*positions)


class AnswerSlots:
    """The questions of `survey` a file asks, in its order, with a slot per option.

    `slot[i]` maps the option codes of the i-th question to their slots; `score_keys` gives
    a respondent's composite scores as whole numbers to count, computed once per pattern of
    each composite's parts (at most `memo_limit` patterns a composite, then afresh). One
    instance serves every tally of an import."""

    def __init__(
        self, survey: Survey, questions: Sequence[str], *, memo_limit: int = MEMO_LIMIT
    ) -> None:
        plan = ScoringPlan(survey)
        self._plan = plan
        self.questions = tuple(questions)
        self.pairs: list[tuple[str, str]] = [("", "")]  # slot -> (question, option)
        self.slot: list[dict[str, int]] = []
        units: list[int | None] = [None]  # slot -> its score in the plan's units
        where: dict[str, int] = {}
        for position, code in enumerate(self.questions):
            if code not in plan.options:
                raise ValueError(f"{code!r} is not a question of survey {survey.code!r}")
            if code in where:
                raise ValueError(f"question {code!r} is listed twice")
            where[code] = position
            mine = {}
            for option, unit in plan.options[code].items():
                mine[option] = len(self.pairs)
                self.pairs.append((code, option))
                units.append(unit)
            self.slot.append(mine)
        self.codes = [code for code, *_ in plan.steps]
        steps = len(self.codes)
        # Per composite, parts before wholes: whether it reads the parts' keys found so far
        # (else the answers), where, and its memo of keys.
        self._chain: list[tuple[bool, Callable[[Sequence[Any]], Any], _Memo]] = []
        for step, (_, of, need, span) in enumerate(plan.steps):
            if need is None:
                parts = [self.codes.index(part) for part in of]
                factors = [span // plan.denominators[part] for part in of]
                whole = _whole(factors, step, steps, lone=len(parts) == 1)
                self._chain.append((True, _getter(parts), _Memo(whole, memo_limit)))
            else:
                asked = [where[q] for q in of if q in where]
                items = _items(units, need, span, step, steps, lone=len(asked) == 1)
                self._chain.append((False, _getter(asked), _Memo(items, memo_limit)))

    def slots(self, answers: Answers) -> Slots:
        """A respondent's answers (question code -> option code) as slots; an answer to a
        question not asked here, or not one of its options, is a ValueError."""
        unknown = set(answers) - set(self.questions)
        if any(answers[q] is not None for q in unknown):
            raise ValueError(f"{sorted(unknown)[0]!r} is not a question asked here")
        found = []
        for code, slots in zip(self.questions, self.slot, strict=True):
            option = answers.get(code)
            if option is None:
                found.append(NOT_ANSWERED)
            elif option in slots:
                found.append(slots[option])
            else:
                raise ValueError(f"{option!r} is not an option of question {code!r}")
        return tuple(found)

    def score_keys(self, answers: Slots) -> list[int]:
        """A respondent's score in each composite of the plan, in its order, as one whole
        number: numerator x the number of composites + the composite's index, or NO_SCORE.
        Counted per slice, these add up to the composites' sums (`scores`)."""
        found: list[int] = []
        for of_parts, getter, memo in self._chain:
            found.append(memo[getter(found if of_parts else answers)])
        return found

    def tally(self) -> "SlotTally":
        return SlotTally(self)

    def counts(self, counted: Mapping[int, int]) -> dict[str, dict[str, int]]:
        """Counts per slot as counts per question and option (not answering is not one)."""
        counts: dict[str, dict[str, int]] = {}
        pairs = self.pairs
        for slot, count in counted.items():
            if slot != NOT_ANSWERED:
                question, option = pairs[slot]
                counts.setdefault(question, {})[option] = count
        return counts

    def scores(self, counted: Mapping[int, int]) -> dict[str, ScoreSum]:
        """Counts per score key (`score_keys`) as the sums `Aggregate` keeps."""
        steps = len(self.codes)
        totals = [0] * steps
        respondents = [0] * steps
        for key, count in counted.items():
            if key != NO_SCORE:
                numerator, step = divmod(key, steps)
                totals[step] += numerator * count
                respondents[step] += count
        denominators = self._plan.denominators
        return {
            code: ScoreSum(Fraction(totals[step], denominators[code]), respondents[step])
            for step, code in enumerate(self.codes)
        }


def _items(
    units: list[int | None], need: int, span: int, step: int, steps: int, *, lone: bool
) -> Callable[[Any], int]:
    """A composite of questions, as `ScoringPlan.numerators` scores it, from its asked items'
    slots (a lone item's getter gives the slot itself, not a tuple), as a score key."""

    def key(slots: Any) -> int:
        scored = [
            unit for unit in map(units.__getitem__, (slots,) if lone else slots) if unit is not None
        ]
        if len(scored) < need:
            return NO_SCORE
        return sum(scored) * (span // len(scored)) * steps + step

    return key


def _whole(factors: list[int], step: int, steps: int, *, lone: bool) -> Callable[[Any], int]:
    """A composite of composites, from its parts' score keys: the respondent needs all."""

    def key(parts: Any) -> int:
        total = 0
        for part, factor in zip((parts,) if lone else parts, factors, strict=True):
            if part == NO_SCORE:
                return NO_SCORE
            total += part // steps * factor
        return total * steps + step

    return key


class SlotTally:
    """`ResponseTally` for respondents given as slots of one `AnswerSlots`: `counts` per slot
    and `scores` per score key, both counted in C by `count_into`."""

    __slots__ = ("_answers", "counts", "scores")

    def __init__(self, answers: AnswerSlots) -> None:
        self._answers = answers
        self.counts: dict[int, int] = {}
        self.scores: dict[int, int] = {}

    def add(self, answers: Slots) -> None:
        """Add one respondent: `answers` as `AnswerSlots.slots` gives them."""
        count_into(self.counts, answers)
        count_into(self.scores, self._answers.score_keys(answers))

    def aggregate(self) -> Aggregate:
        return tidy(self._answers.counts(self.counts), self._answers.scores(self.scores))
