"""How an extract's rows find their team (ingest spec 3 and 4), and which rows the caller may send.

A row names its team by `(ods_code, team_ref)`. The service builds a `TeamDirectory` from the
collaborative's teams' external references (`teams.service.team_refs`), the ODS codes it knows
and what the caller may import; every file kind then places its rows the same way with `place`,
and tallies what it could not keep in a `Placements`. The directory is plain data, so the file
adapters that use it stay pure.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from app.integrations.tabular import ErrorList

TeamT = TypeVar("TeamT", bound=Hashable)


def fold_ods(ods_code: str) -> str:
    """ODS codes match case-insensitively (spec 3)."""
    return ods_code.strip().upper()


def fold_ref(team_ref: str) -> str:
    """A team_ref matches after trimming, case-insensitively (spec 3); as `teams.service` folds."""
    return team_ref.strip().casefold()


class Placement(StrEnum):
    TEAM = "team"  # a team of the collaborative, which the caller may import for
    UNMAPPED = "unmapped"  # a known organisation, but no team of the collaborative has the ref
    UNKNOWN_ORGANISATION = "unknown_organisation"  # a row error
    FORBIDDEN = "forbidden"  # another organisation's row, or a team the caller does not coach


@dataclass(frozen=True)
class TeamDirectory(Generic[TeamT]):
    """`teams` maps `(fold_ods(ods), fold_ref(ref))` to a team; `organisations` holds the folded
    ODS codes the service knows. `permitted_organisations` (a trust client's bound
    organisations) and `permitted_teams` (a coach's teams) narrow what the caller may send;
    None means no limit (an admin).

    `seen` collects the known ODS codes of the rows placed so far, whatever their placement:
    the organisations an import is about (its list filters by them), gathered here so that
    no file kind has to report them itself."""

    teams: Mapping[tuple[str, str], TeamT]
    organisations: frozenset[str]
    permitted_organisations: frozenset[str] | None = None
    permitted_teams: frozenset[TeamT] | None = None
    seen: set[str] = field(default_factory=set, compare=False, repr=False)

    def place(self, ods_code: str, team_ref: str) -> tuple[Placement, TeamT | None]:
        """Where a row goes: its team when it has one the caller may import for."""
        ods = fold_ods(ods_code)
        if ods not in self.organisations:
            return Placement.UNKNOWN_ORGANISATION, None
        self.seen.add(ods)
        if self.permitted_organisations is not None and ods not in self.permitted_organisations:
            return Placement.FORBIDDEN, None
        team = self.teams.get((ods, fold_ref(team_ref)))
        if team is None:
            return Placement.UNMAPPED, None
        if self.permitted_teams is not None and team not in self.permitted_teams:
            return Placement.FORBIDDEN, None
        return Placement.TEAM, team


@dataclass
class Placements(Generic[TeamT]):
    """What a file kind could not keep, counted as it reads: rows for teams outside the
    collaborative (skipped, per pair as the file wrote it first), rows the caller may not send
    (the 403's row list), and rows naming an unknown organisation (added to `errors`)."""

    unmapped: dict[tuple[str, str], int] = field(default_factory=dict)
    forbidden: ErrorList = field(default_factory=ErrorList)
    _spelling: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    @property
    def rows_skipped(self) -> int:
        return sum(self.unmapped.values())

    def team(
        self,
        directory: TeamDirectory[TeamT],
        row: int,
        ods_code: str,
        team_ref: str,
        errors: ErrorList,
    ) -> TeamT | None:
        """The row's team, or None when the row is not to be kept (and this says why)."""
        placement, team = directory.place(ods_code, team_ref)
        if placement is Placement.TEAM:
            return team
        if placement is Placement.UNKNOWN_ORGANISATION:
            errors.add(row, "ods_code", "not the ODS code of an organisation the service knows")
        elif placement is Placement.FORBIDDEN:
            self.forbidden.add(row, "ods_code", "you may not import rows for this team")
        else:
            folded = (fold_ods(ods_code), fold_ref(team_ref))
            written = self._spelling.setdefault(folded, (fold_ods(ods_code), team_ref.strip()))
            self.unmapped[written] = self.unmapped.get(written, 0) + 1
        return None
