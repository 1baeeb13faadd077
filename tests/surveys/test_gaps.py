"""Equality gaps (ingest spec section 6): grouping codes, rates, gaps and their suppression."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.surveys.builtins import ENJOYING_WORK, NSS
from app.surveys.gaps import REFERENCE_GROUPS, Gap, GroupRate, equality_gaps, group_value

ENJOY = ENJOYING_WORK.questions[0]
EXHAUSTING = NSS.question("q12a")  # reverse: Never/Rarely favourable


@pytest.mark.parametrize(
    ("kind", "raw", "group"),
    [
        *[("ethnicity", code, "white") for code in ("A", "B", "C", "a", " C ", "A1")],
        *[("ethnicity", code, "bme") for code in "DEFGHJKLMNPRS"],
        ("ethnicity", "Z", None),
        ("ethnicity", "99", None),
        ("ethnicity", "", None),
        ("disability", "Y", "disabled"),
        ("disability", "n", "not_disabled"),
        ("disability", "Z", None),
        ("disability", "9", None),
        ("sex", " 2 ", "2"),  # other groups keep their values
    ],
)
def test_group_codes(kind: str, raw: str, group: str | None) -> None:
    assert group_value(kind, raw) == group


@pytest.mark.parametrize(
    ("kind", "raw"), [("ethnicity", "I"), ("ethnicity", "X"), ("disability", "maybe")]
)
def test_codes_outside_the_lists_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(ValueError, match="code"):
        group_value(kind, raw)


def test_a_favourable_rate_gap_against_white_staff() -> None:
    counts = {
        "ward 1": {
            "white": {"always": 10, "often": 5, "never": 5},  # 15 of 20: 75%
            "bme": {"often": 6, "rarely": 6, "never": 0},  # 6 of 12: 50%
        }
    }
    gaps = equality_gaps(ENJOY, counts, reference=REFERENCE_GROUPS["ethnicity"])
    assert gaps.rate == "percent_favourable"
    row = gaps.teams["ward 1"]
    assert row.groups == (
        GroupRate("bme", 10, 50.0, None, False),  # 12 people published as 10 (nearest 5)
        GroupRate("white", 20, 75.0, None, False),
    )
    assert row.gaps == (Gap("bme", "white", -25.0, 2 / 3),)
    assert gaps.overall == row


def test_an_adverse_rate_gap_for_a_reverse_question() -> None:
    assert EXHAUSTING is not None
    counts = {
        "ward 1": {
            "not_disabled": {"1": 10, "2": 6, "4": 4},  # 4 of 20 adverse: 20%
            "disabled": {"2": 6, "5": 4},  # 4 of 10 adverse: 40%
        }
    }
    gaps = equality_gaps(EXHAUSTING, counts, reference="not_disabled")
    assert gaps.rate == "percent_adverse"
    assert gaps.overall.groups == (
        GroupRate("disabled", 10, 60.0, 40.0, False),
        GroupRate("not_disabled", 20, 80.0, 20.0, False),
    )
    assert gaps.overall.gaps == (Gap("disabled", "not_disabled", 20.0, 2.0),)


def test_a_small_group_hides_itself_and_its_gap_and_cannot_be_subtracted() -> None:
    counts = {
        "ward 1": {"white": {"always": 30}, "bme": {"always": 12}},
        "ward 2": {"white": {"always": 30}, "bme": {"always": 3}},
    }
    gaps = equality_gaps(ENJOY, counts, reference="white")
    ward_2 = gaps.teams["ward 2"]
    assert ward_2.groups[0] == GroupRate("bme", None, None, None, True)
    assert ward_2.gaps == (Gap("bme", "white", None, None),)
    # Were ward 1's BME count shown beside the collaborative's, ward 2's would follow.
    overall_bme = gaps.overall.groups[0]
    assert overall_bme.suppressed or gaps.teams["ward 1"].groups[0].suppressed


def test_a_reference_group_nobody_is_in_is_a_suppressed_group() -> None:
    gaps = equality_gaps(ENJOY, {"ward 1": {"bme": {"always": 40}}}, reference="white")
    assert [g.group for g in gaps.overall.groups] == ["bme", "white"]
    assert gaps.overall.groups[1].suppressed
    assert gaps.overall.gaps == (Gap("bme", "white", None, None),)


_counts = st.dictionaries(
    st.sampled_from(["ward 1", "ward 2", "ward 3"]),
    st.dictionaries(
        st.sampled_from(["white", "bme"]),
        st.dictionaries(st.sampled_from(["always", "often", "never"]), st.integers(0, 25)),
    ),
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(_counts, st.integers(5, 20))
def test_no_group_under_the_threshold_ever_shows(
    counts: dict[str, dict[str, dict[str, int]]], threshold: int
) -> None:
    gaps = equality_gaps(ENJOY, counts, reference="white", threshold=threshold)
    rows = [(gaps.overall, None), *((row, team) for team, row in gaps.teams.items())]
    for row, team in rows:
        shown = set()
        for rate in row.groups:
            teams = [team] if team is not None else list(counts)
            truth = sum(sum(counts[t].get(rate.group, {}).values()) for t in teams)
            if truth < threshold:
                assert rate.suppressed
            if rate.suppressed:
                assert (rate.respondents, rate.percent_favourable) == (None, None)
            else:
                shown.add(rate.group)
        for gap in row.gaps:
            both = {gap.group, gap.reference} <= shown
            assert (gap.gap_points is not None) == both
