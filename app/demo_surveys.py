"""The demo's weekly Enjoying Work survey, stored as a real deployment's would be: each team's
responses are generated (seeded, fictitious), aggregated in memory per week with the
respondents' equality groups, stored slice by slice as an import of a responses extract stores
them, and the bound measures' points are then derived from the stored aggregates.

As in an import, no respondent is kept: response ids only as keyed hashes, answers and group
codes only as counts.
"""

import hashlib
import hmac
import random
import uuid
from bisect import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from sqlalchemy.orm import Session

from app.bindings.service import Recomputed, recompute_survey
from app.demo_data import SEED, SURVEY, TeamSpec
from app.survey_results.models import Source
from app.survey_results.slices import GroupKey, store_slice
from app.surveys.builtins import BUILT_IN
from app.surveys.definitions import Question, Survey
from app.surveys.gaps import group_value
from app.surveys.scoring import Aggregate, ResponseTally, aggregate_counts

# The key of the response ids' hashes. A deployment's imports key theirs with the server's
# secret; the demo's ids are made up and public, so a fixed key keeps the demo the same on
# every load.
HASH_KEY = b"qi-collaborative demo: synthetic response ids"

ETHNICITY, DISABILITY = "ethnicity", "disability"
# ETHNIC CATEGORY codes (app.surveys.gaps) within each group, roughly as staff of South
# Yorkshire's trusts report them: mostly White British (A), then White other (C, many from
# elsewhere in Europe); Black African (N), Indian (H), Pakistani (J, Sheffield's and
# Rotherham's largest minority) and other Asian (L, many of them nurses recruited from the
# Philippines). A team's share of the second group is its `bme_share`.
WHITE_CODES = (("A", 88.0), ("B", 2.0), ("C", 10.0))
BME_CODES = (
    ("D", 2.0),
    ("E", 2.0),
    ("F", 1.0),
    ("G", 3.0),
    ("H", 20.0),
    ("J", 17.0),
    ("K", 3.0),
    ("L", 13.0),
    ("M", 5.0),
    ("N", 22.0),
    ("P", 4.0),
    ("R", 4.0),
    ("S", 4.0),
)
NOT_STATED = (("Z", 0.03), ("99", 0.01))  # shares of respondents: not stated, not known
# Y: a long-term condition or illness (about one in five NHS staff say so in the NHS Staff
# Survey); Z: prefer not to say; 9: not known.
DISABILITY_CODES = (("Y", 0.21), ("N", 0.71), ("Z", 0.05), ("9", 0.03))
# How much lower a group's chance of a favourable answer is (fictitious, in the direction the
# WRES and WDES staff survey indicators show), made up elsewhere so that each team's overall
# share still follows its Levels.
GROUP_SHIFT: Mapping[tuple[str, str], float] = {
    (ETHNICITY, "bme"): -0.04,
    (DISABILITY, "disabled"): -0.07,
}
# Relative weights of the options among the favourable ones and among the other counted ones;
# an option that is not counted (don't know) has its chance of being chosen instead.
OPTION_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "enjoy_work": {"always": 35, "often": 65, "sometimes": 55, "rarely": 30, "never": 15},
    "burnout": {"1": 1, "2": 50, "3": 30, "4": 13, "5": 7},
    "recommend_team": {
        "extremely_likely": 1,
        "likely": 45,
        "neither": 30,
        "unlikely": 15,
        "extremely_unlikely": 10,
        "dont_know": 0.05,
    },
}
BLANK = 0.03  # the chance a respondent leaves a question unanswered


def response_id(team_ref: str, week: date, number: int) -> str:
    """The survey tool's id of a demo response: what an extract's `response_id` would hold."""
    return f"demo-{team_ref}-{week:%Y%m%d}-{number:03d}"


def hash_response_id(text: str) -> bytes:
    """The keyed hash a slice stores in place of the id (HMAC-SHA256, as imports do)."""
    return hmac.new(HASH_KEY, text.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class _Options:
    """Options and their cumulative weights, to draw one from."""

    codes: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weights: Sequence[tuple[str, float]]) -> "_Options":
        return cls(tuple(c for c, _ in weights), tuple(accumulate(w for _, w in weights)))

    def draw(self, rng: random.Random) -> str:
        # What random.choices does with cum_weights, without its per-call set-up: the demo
        # draws about 100,000 times.
        return self.codes[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True, slots=True)
class _Asking:
    """How the demo's respondents answer one question."""

    question: str
    favourable: _Options
    other: _Options
    uncounted: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, question: Question) -> "_Asking":
        weights = OPTION_WEIGHTS[question.code]
        if set(weights) != {o.code for o in question.scale}:
            raise ValueError(f"OPTION_WEIGHTS[{question.code!r}] must weigh its every option")
        counted = [o.code for o in question.scale if o.counts]
        return cls(
            question=question.code,
            favourable=_Options.of([(c, weights[c]) for c in counted if c in question.favourable]),
            other=_Options.of([(c, weights[c]) for c in counted if c not in question.favourable]),
            uncounted=tuple((o.code, weights[o.code]) for o in question.scale if not o.counts),
        )

    def answer(self, rng: random.Random, favourable: float) -> str | None:
        """An option, or None for a blank; favourable with chance `favourable` when counted."""
        if rng.random() < BLANK:
            return None
        for code, chance in self.uncounted:
            if rng.random() < chance:
                return code
        return (self.favourable if rng.random() < favourable else self.other).draw(rng)


@dataclass(frozen=True, slots=True)
class _Team:
    """A team's respondents: the codes of their groups, drawn from the team's mix."""

    spec: TeamSpec
    codes: tuple[tuple[str, _Options], ...]  # (group type, its codes)
    # group type -> code -> the group it puts a respondent in (app.surveys.gaps), or None
    grouped: Mapping[str, Mapping[str, str | None]]
    mean_shift: float  # the expected GROUP_SHIFT of a respondent, which is taken back off

    @classmethod
    def of(cls, spec: TeamSpec) -> "_Team":
        white = 1.0 - spec.bme_share - sum(share for _, share in NOT_STATED)
        ethnicity = [
            *_scaled(WHITE_CODES, white),
            *_scaled(BME_CODES, spec.bme_share),
            *NOT_STATED,
        ]
        mixes = ((ETHNICITY, ethnicity), (DISABILITY, list(DISABILITY_CODES)))
        grouped = {kind: {code: group_value(kind, code) for code, _ in mix} for kind, mix in mixes}
        mean_shift = sum(
            share * GROUP_SHIFT.get((kind, value), 0.0)
            for kind, mix in mixes
            for code, share in mix
            if (value := grouped[kind][code]) is not None
        )
        codes = tuple((kind, _Options.of(mix)) for kind, mix in mixes)
        return cls(spec, codes, grouped, mean_shift)


def _scaled(codes: Sequence[tuple[str, float]], share: float) -> list[tuple[str, float]]:
    total = sum(weight for _, weight in codes)
    return [(code, share * weight / total) for code, weight in codes]


@dataclass(frozen=True, slots=True)
class _Week:
    """One team's slice of one week, as an import would store it."""

    respondents: int
    totals: Aggregate
    groups: Mapping[GroupKey, Aggregate]
    hashes: frozenset[bytes]


def _survey_week(
    rng: random.Random,
    team: _Team,
    survey: Survey,
    week: date,
    levels: Mapping[str, float],
    respondents: int,
) -> _Week:
    """Generates a week's respondents and aggregates them as they come, keeping none: the
    totals, per-question counts per equality group (what the gaps read), and the hashes of
    their ids."""
    askings = [_Asking.of(q) for q in survey.questions if q.code in levels]
    totals = ResponseTally(survey)
    groups: dict[GroupKey, dict[tuple[str, str], int]] = {}
    hashes = set()
    for number in range(respondents):
        in_groups = [
            (kind, value)
            for kind, options in team.codes
            if (value := team.grouped[kind][options.draw(rng)]) is not None
        ]
        shift = sum(GROUP_SHIFT.get(key, 0.0) for key in in_groups) - team.mean_shift
        answers: dict[str, str] = {}
        for asking in askings:
            chance = min(0.99, max(0.01, levels[asking.question] + shift))
            option = asking.answer(rng, chance)
            if option is not None:
                answers[asking.question] = option
        totals.add(answers)
        # As an import does: a respondent who answered nothing is in no group's figures.
        for key in in_groups if answers else ():
            counts = groups.setdefault(key, {})
            for pair in answers.items():
                counts[pair] = counts.get(pair, 0) + 1
        hashes.add(hash_response_id(response_id(team.spec.team_ref, week, number)))
    return _Week(
        respondents=respondents,
        totals=totals.aggregate(),
        groups={
            key: aggregate_counts(survey, ((q, o, n) for (q, o), n in counts.items()))
            for key, counts in sorted(groups.items())
        },
        hashes=frozenset(hashes),
    )


@dataclass(frozen=True)
class SurveyLoaded:
    """What `load_survey` stored and derived."""

    slices: int
    respondents: int
    points: Recomputed


def load_survey(
    session: Session,
    teams: Sequence[tuple[uuid.UUID, TeamSpec, Mapping[date, Mapping[str, float]]]],
    *,
    threshold: int,
) -> SurveyLoaded:
    """For each (team id, its spec, its favourable share per week and question): the week's
    responses stored as their slice, then the points of every measure bound to the survey
    recomputed from what was stored (source `derived`: no import record lies behind them)."""
    survey = BUILT_IN[SURVEY]
    slices = respondents = 0
    for team_id, spec, weekly in teams:
        team = _Team.of(spec)
        rng = random.Random(f"{SEED}:{spec.team_ref}")
        quiet = dict(spec.quiet_weeks)
        for week, levels in sorted(weekly.items()):
            count = quiet.get(week) or rng.randint(*spec.respondents)
            built = _survey_week(rng, team, survey, week, levels, count)
            store_slice(
                session,
                team_id,
                survey.code,
                week,
                built.totals,
                built.groups,
                built.hashes,
                "add",  # onto nothing: the demo loads only into an empty database
                Source.RESPONSES,
                None,
            )
            slices += 1
            respondents += count
    points = recompute_survey(
        session, survey, [team_id for team_id, _, _ in teams], None, threshold=threshold
    )
    return SurveyLoaded(slices, respondents, points)
