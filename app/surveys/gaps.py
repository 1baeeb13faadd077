"""Equality gaps (ingest spec section 6): group codes, group rates, gaps, relative likelihoods."""

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from app.disclosure import DEFAULT_THRESHOLD, Cell, protect_table
from app.surveys.definitions import Question
from app.surveys.scoring import check_threshold, question_tally

# The groups every comparison is made against, as WRES (white) and WDES (not disabled) do.
REFERENCE_GROUPS: Mapping[str, str] = {"ethnicity": "white", "disability": "not_disabled"}

# ETHNIC CATEGORY (NHS Data Dictionary, 2001 census): A-C white, D-S the others (there is no
# I, O or Q), Z not stated and 99 not known, which WRES leaves out.
_WHITE = frozenset("ABC")
_BME = frozenset("DEFGHJKLMNPRS")
_DISABILITY = {"Y": "disabled", "N": "not_disabled"}  # Z prefer not to say, 9 unknown: left out


def group_value(group_type: str, raw: str) -> str | None:
    """The group a respondent's code puts them in, or None when it puts them in none (blank,
    not stated, not known). A code outside the list is a ValueError (a row error)."""
    value = raw.strip()
    if not value:
        return None
    kind = group_type.strip().casefold()
    if kind == "ethnicity":
        if value in {"Z", "z", "99"}:
            return None
        # The code's first character is national, a second one is optional and local.
        national = value[0].upper()
        if len(value) <= 2 and national in _WHITE:
            return "white"
        if len(value) <= 2 and national in _BME:
            return "bme"
        raise ValueError(f"{raw!r} is not an ETHNIC CATEGORY code (A to S, Z or 99)")
    if kind == "disability":
        code = value.upper()
        if code in {"Z", "9"}:
            return None
        if code in _DISABILITY:
            return _DISABILITY[code]
        raise ValueError(f"{raw!r} is not a disability code (Y, N, Z or 9)")
    return value


@dataclass(frozen=True, slots=True)
class GroupRate:
    """One group's rate for a question. `respondents` is the disclosure module's published
    count (rounded to 5); when `suppressed`, every figure is None."""

    group: str
    respondents: int | None
    percent_favourable: float | None
    percent_adverse: float | None  # reverse questions only: did not answer favourably
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Gap:
    """A group against the reference group, on the question's headline rate (percent adverse
    for a reverse question, else percent favourable): the difference in percentage points and
    the ratio group / reference. None unless both groups show (and, for the ratio, the
    reference rate is above zero)."""

    group: str
    reference: str
    gap_points: float | None
    relative_likelihood: float | None


@dataclass(frozen=True, slots=True)
class GapsRow:
    groups: tuple[GroupRate, ...]
    gaps: tuple[Gap, ...]


@dataclass(frozen=True, slots=True)
class EqualityGaps:
    question: str
    rate: str  # "percent_adverse" or "percent_favourable"
    reference: str | None
    teams: Mapping[str, GapsRow]
    overall: GapsRow  # the collaborative as a whole


def equality_gaps(
    question: Question,
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    *,
    reference: str | None,
    threshold: int = DEFAULT_THRESHOLD,
) -> EqualityGaps:
    """Group rates and gaps per team and overall, from counts per team, group and option.

    Which groups show is the disclosure module's decision on the teams x groups table of
    respondents (with its margins), so no suppressed group can be recovered from the
    collaborative's figures or the other teams' by subtraction.
    """
    check_threshold(threshold)
    teams = list(counts)
    groups = sorted({g for by_group in counts.values() for g in by_group} | _set(reference))
    tallies = {
        (team, group): question_tally(question, counts[team].get(group, {}))[:2]
        for team in teams
        for group in groups
    }
    table = protect_table(
        {key: respondents for key, (respondents, _) in tallies.items()},
        teams,
        groups,
        threshold=threshold,
    )
    totals = {
        group: (
            sum(tallies[team, group][0] for team in teams),
            sum(tallies[team, group][1] for team in teams),
        )
        for group in groups
    }
    rows = {
        team: _row(question, groups, cells, [tallies[team, g] for g in groups], reference)
        for team, cells in zip(teams, table.cells, strict=True)
    }
    overall = _row(question, groups, table.column_totals, [totals[g] for g in groups], reference)
    rate = "percent_adverse" if question.reverse else "percent_favourable"
    return EqualityGaps(question.code, rate, reference, rows, overall)


def _set(value: str | None) -> set[str]:
    return set() if value is None else {value}


def _row(
    question: Question,
    groups: list[str],
    cells: tuple[Cell, ...],
    tallies: list[tuple[int, int]],
    reference: str | None,
) -> GapsRow:
    rates: list[GroupRate] = []
    headline: dict[str, Fraction] = {}
    for group, cell, (respondents, favourable) in zip(groups, cells, tallies, strict=True):
        if cell.suppressed or respondents == 0:
            rates.append(GroupRate(group, None, None, None, True))
            continue
        good = Fraction(favourable * 100, respondents)
        adverse = 100 - good if question.reverse else None
        headline[group] = good if adverse is None else adverse
        rates.append(
            GroupRate(
                group=group,
                respondents=cell.count,
                percent_favourable=float(good),
                percent_adverse=None if adverse is None else float(adverse),
                suppressed=False,
            )
        )
    gaps: list[Gap] = []
    if reference is not None:
        base = headline.get(reference)
        for group in groups:
            if group == reference:
                continue
            mine = headline.get(group)
            if base is None or mine is None:
                gaps.append(Gap(group, reference, None, None))
                continue
            ratio = float(mine / base) if base else None
            gaps.append(Gap(group, reference, float(mine - base), ratio))
    return GapsRow(tuple(rates), tuple(gaps))
