"""How a `survey-responses` file's (team, period) slices meet the stored ones (ingest spec 2):
each slice's aggregate and size, the keyed hashes of its response ids as a `DigestSpill`
holds them, and the rule that adds a slice, replaces the stored one or refuses it. Pure."""

from collections.abc import Hashable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import Final, Generic, Literal, TypeVar

from app.integrations.spill import DigestSpill
from app.surveys.scoring import Aggregate

TeamT = TypeVar("TeamT", bound=Hashable)


def merge_slice(stored: int, found: int) -> Literal["add", "replace", "partial"]:
    """How a file's (team, survey, period) slice meets the stored one (spec 2), from how many
    ids the stored slice holds and how many of the file's ids (each once in a good file) it
    holds: none of them -> "add" to it; every stored id in the file (a cumulative or corrected
    export) -> "replace" it; otherwise "partial", which the import refuses, so no response is
    ever counted twice."""
    if not 0 <= found <= stored:
        raise ValueError(f"{found} of the file's ids cannot be among {stored} stored ones")
    if found == 0:
        return "add"
    if found == stored:
        return "replace"
    return "partial"


@dataclass(frozen=True, slots=True)
class ResponseSlice:
    """One (team, period) of a responses file: its aggregate, how many responses it counted
    (their ids' hashes are the extract's `digests`), and its first row (named when refused)."""

    aggregate: Aggregate
    responses: int
    first_row: int


SliceKey = tuple[TeamT, date]
UNPLACED: Final = 0xFFFF_FFFF  # the tag of a row in no slice (its id is still checked)


class SliceDigests(Generic[TeamT]):
    """The keyed hashes of the response ids each slice counted, as a `DigestSpill` holds them
    (tagged with the slice's index in `keys`), read back as a stream."""

    def __init__(self, spill: DigestSpill, keys: Sequence[SliceKey[TeamT]]) -> None:
        self._spill = spill
        self._keys = keys

    def __iter__(self) -> Iterator[tuple[SliceKey[TeamT], bytes]]:
        """(slice, hash) of every response counted, in no particular order."""
        keys = self._keys
        for tag, digest in self._spill.records():
            if tag != UNPLACED:
                yield keys[tag], digest

    def of(self, key: SliceKey[TeamT]) -> frozenset[bytes]:
        """One slice's hashes (a pass over all of them: for checks, not per slice)."""
        return frozenset(digest for found, digest in self if found == key)

    def found_in(
        self, stored: Mapping[SliceKey[TeamT], AbstractSet[bytes]]
    ) -> dict[SliceKey[TeamT], int]:
        """For each slice, how many of its hashes `stored` holds for it: one pass, and none
        when nothing is stored for any slice of the file."""
        held = [stored.get(key) or None for key in self._keys]
        counts = [0] * len(self._keys)
        if any(held):
            for tag, digest in self._spill.records():
                if tag != UNPLACED:
                    hashes = held[tag]
                    if hashes is not None and digest in hashes:
                        counts[tag] += 1
        return dict(zip(self._keys, counts, strict=True))

    def close(self) -> None:
        self._spill.close()
