"""A row's team: found by ODS code and ref in any case, and refused or skipped as the caller's
rights and the collaborative's teams say (ingest spec 3 and 4)."""

from app.integrations.directory import Placement, Placements, TeamDirectory
from app.integrations.tabular import ErrorList

DIRECTORY = TeamDirectory(
    teams={("RHQ", "ed nursing"): "ed", ("RFR", "ward 3"): "ward3"},
    organisations=frozenset({"RHQ", "RFR", "RP5"}),
)


def test_a_row_finds_its_team_whatever_the_case_and_spacing() -> None:
    assert DIRECTORY.place(" rhq ", "  ED Nursing ") == (Placement.TEAM, "ed")
    assert DIRECTORY.place("RFR", "WARD 3") == (Placement.TEAM, "ward3")


def test_a_known_organisation_without_the_ref_is_unmapped_and_an_unknown_one_an_error() -> None:
    assert DIRECTORY.place("RP5", "ed nursing") == (Placement.UNMAPPED, None)
    assert DIRECTORY.place("XXX", "ed nursing") == (Placement.UNKNOWN_ORGANISATION, None)


def test_a_bound_client_may_not_send_another_organisations_rows() -> None:
    bound = TeamDirectory(DIRECTORY.teams, DIRECTORY.organisations, frozenset({"RHQ"}))
    assert bound.place("RHQ", "ed nursing") == (Placement.TEAM, "ed")
    assert bound.place("RFR", "ward 3") == (Placement.FORBIDDEN, None)
    # Even a row the collaborative has no team for: the organisation is not theirs.
    assert bound.place("RP5", "anything") == (Placement.FORBIDDEN, None)


def test_a_coach_may_send_only_their_teams_rows_and_others_are_still_skipped() -> None:
    coach = TeamDirectory(
        DIRECTORY.teams, DIRECTORY.organisations, permitted_teams=frozenset({"ed"})
    )
    assert coach.place("RHQ", "ed nursing") == (Placement.TEAM, "ed")
    assert coach.place("RFR", "ward 3") == (Placement.FORBIDDEN, None)
    assert coach.place("RP5", "elsewhere") == (Placement.UNMAPPED, None)


def test_placements_tally_what_was_not_kept() -> None:
    coach = TeamDirectory(
        DIRECTORY.teams, DIRECTORY.organisations, permitted_teams=frozenset({"ed"})
    )
    placements: Placements[str] = Placements()
    errors = ErrorList()
    rows = [
        ("RHQ", "ED nursing"),
        ("RP5", "Theatres "),
        ("rp5", "theatres"),
        ("RFR", "ward 3"),
        ("ZZZ", "x"),
    ]
    kept = [placements.team(coach, n, ods, ref, errors) for n, (ods, ref) in enumerate(rows, 2)]
    assert kept == ["ed", None, None, None, None]
    # One pair, counted twice, named as the file first wrote it (trimmed, ODS upper-cased).
    assert placements.unmapped == {("RP5", "Theatres"): 2}
    assert placements.rows_skipped == 2
    assert [(e.row, e.column) for e in placements.forbidden.errors] == [(5, "ods_code")]
    assert [(e.row, e.column) for e in errors.errors] == [(6, "ods_code")]
