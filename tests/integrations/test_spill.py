"""`DigestSpill` finds the same repeats and gives back the same records whether it holds them in
memory or in its temporary files (Hypothesis), and `ErrorList.add_found_later` keeps the
errors one pass in row order would have kept."""

import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.spill import PARTITIONS, DigestSpill
from app.integrations.tabular import ErrorList, RowError

# (tag, id) per row: a few ids, so that some repeat.
ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), max_size=300)


def digest(identifier: int) -> bytes:
    return hashlib.sha256(str(identifier).encode()).digest()


@settings(max_examples=200, deadline=None)
@given(ROWS, st.sampled_from([0, 200, 1 << 20]), st.integers(0, 20))
def test_repeats_and_records_match_a_dict_in_memory_and_on_disk(
    rows: list[tuple[int, int]], memory_limit: int, limit: int
) -> None:
    spill = DigestSpill(memory_limit=memory_limit)
    first: dict[int, int] = {}
    expected = []
    for row, (tag, identifier) in enumerate(rows, start=2):
        spill.add(tag, row, digest(identifier))
        earlier = first.setdefault(identifier, row)
        if earlier != row:
            expected.append((row, earlier, tag))
    found = spill.repeats(limit)
    assert found.first == [(row, earlier) for row, earlier, _ in expected][:limit]
    assert found.count == len(expected)
    assert dict(found.by_tag) == {
        tag: sum(1 for *_, t in expected if t == tag) for tag in {t for *_, t in expected}
    }
    assert sorted(spill.records()) == sorted((tag, digest(i)) for tag, i in rows)
    assert spill.count == len(rows)
    # A limit of 0 bytes goes to disk with the first record; 1 MiB never does here.
    assert spill.on_disk == (memory_limit < len(rows) * 40)
    spill.close()
    assert list(spill.records()) == []


def test_on_disk_its_records_are_in_anonymous_files_that_close_with_it() -> None:
    spill = DigestSpill(memory_limit=0)
    spill.add(0, 2, digest(1))
    assert spill.on_disk
    files = list(spill._files)
    assert len(files) == PARTITIONS
    # Unlinked as soon as made: nothing a crash could leave behind has a name.
    assert all(os.fstat(file.fileno()).st_nlink == 0 for file in files)
    spill.close()
    assert all(file.closed for file in files)


def test_every_digest_has_the_width_of_the_first() -> None:
    spill = DigestSpill()
    spill.add(0, 2, b"\x01" * 32)
    with pytest.raises(ValueError, match="every digest is 32 bytes, not 31"):
        spill.add(0, 3, b"\x01" * 31)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 60), st.booleans()), max_size=80),
    st.integers(1, 10),
)
def test_errors_found_later_are_kept_as_one_pass_would_keep_them(
    errors: list[tuple[int, bool]], limit: int
) -> None:
    """Each (row, found later) error: adding the later ones after the rest gives the list one
    pass in row order gives, a row's later-found error before its others."""
    ordered = sorted(errors, key=lambda e: (e[0], not e[1]))
    one_pass = ErrorList(limit=limit)
    for row, later in ordered:
        one_pass.add(row, "later" if later else "now", "x")
    two_passes = ErrorList(limit=limit)
    for row, later in sorted(errors):
        if not later:
            two_passes.add(row, "now", "x")
    found = [RowError(row, "later", "x") for row, later in sorted(errors) if later]
    two_passes.add_found_later(found[:limit], len(found))
    assert two_passes.errors == one_pass.errors
    assert two_passes.error_count == one_pass.error_count
