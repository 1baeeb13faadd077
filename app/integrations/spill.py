"""Fixed-width keyed hashes, each with a tag and the row it came from, held in memory while
they are few and in unnamed temporary files once they are many: a file of a million
respondents finds its repeated ids and streams their hashes back in memory that does not grow
with the file (ingest spec 2; the issue's 1.2x peak-memory target).

The records are split into partitions by the hash's last byte, so a repeated hash is always in
one partition and each partition can be checked on its own with a small dict. The files are
anonymous (`tempfile.TemporaryFile`): nothing is left on disk by a crash or a `kill -9`.
"""

import heapq
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Final

PARTITIONS: Final = 64  # a power of two: the partition is the last byte's low bits
MEMORY_LIMIT: Final = 4 * 1024 * 1024  # bytes of records held before they go to disk
_HEAD: Final = struct.Struct("<II")  # tag, row
_CHUNK: Final = 1024 * 1024  # bytes read from a partition file at once


@dataclass(frozen=True, slots=True)
class Repeats:
    """What `DigestSpill.repeats` found: the first (row, first row) pairs, in row order, the
    number in all, and the number per tag."""

    first: list[tuple[int, int]]
    count: int
    by_tag: Counter[int]


class DigestSpill:
    """(tag, row, digest) records, added in row order; every digest has the width of the
    first one added (a keyed hash of fixed length)."""

    def __init__(self, *, memory_limit: int = MEMORY_LIMIT) -> None:
        self._held: list[bytearray] = [bytearray() for _ in range(PARTITIONS)]
        self._files: list[IO[bytes]] = []
        self._put: list[Callable[[bytes], object]] = [part.extend for part in self._held]
        self._bytes = 0
        self._limit = memory_limit
        self._width: int | None = None
        self.count = 0

    @property
    def on_disk(self) -> bool:
        return bool(self._files)

    def add(self, tag: int, row: int, digest: bytes) -> None:
        if self._width != len(digest):
            if self._width is not None:
                raise ValueError(f"every digest is {self._width} bytes, not {len(digest)}")
            self._width = len(digest)
        record = _HEAD.pack(tag, row) + digest
        self._put[digest[-1] & (PARTITIONS - 1)](record)
        self.count += 1
        if not self._files:
            self._bytes += len(record)
            if self._bytes > self._limit:
                self._spill()

    def _spill(self) -> None:
        """From now on each partition is a file; what was held goes into it first."""
        for held in self._held:
            # Closed by `close` (the extract's), or when collected: anonymous, never left behind.
            file = tempfile.TemporaryFile(buffering=64 * 1024)  # noqa: SIM115
            file.write(held)
            self._files.append(file)
        self._held = []
        self._put = [file.write for file in self._files]

    def _partitions(self) -> Iterator[Iterator[tuple[int, int, bytes]]]:
        """Each partition's records, in the order they were added."""
        if self._width is None:
            return
        layout = struct.Struct(f"<II{self._width}s")
        if not self._files:
            for held in self._held:
                yield layout.iter_unpack(held)
            return
        for file in self._files:
            file.flush()
            file.seek(0)
            yield self._read(file, layout)

    @staticmethod
    def _read(file: IO[bytes], layout: struct.Struct) -> Iterator[tuple[int, int, bytes]]:
        whole = _CHUNK - _CHUNK % layout.size  # whole records per read
        while chunk := file.read(whole):
            yield from layout.iter_unpack(chunk)

    def repeats(self, limit: int) -> "Repeats":
        """The records whose digest an earlier row had: the first `limit` of them in row
        order, as (row, the first row with that digest), how many there are, and how many
        carry each tag."""
        kept: list[tuple[int, int]] = []
        total = 0
        tags: Counter[int] = Counter()
        for partition in self._partitions():
            first: dict[bytes, int] = {}
            found = 0
            for tag, row, digest in partition:
                earlier = first.setdefault(digest, row)
                if earlier != row:
                    total += 1
                    tags[tag] += 1
                    found += 1
                    # A partition is in row order: past its first `limit` repeats, none of
                    # its later ones can be among the file's first `limit`.
                    if found <= limit:
                        kept.append((row, earlier))
            if len(kept) > limit:
                kept = heapq.nsmallest(limit, kept)
        return Repeats(sorted(kept)[:limit], total, tags)

    def records(self) -> Iterator[tuple[int, bytes]]:
        """(tag, digest) of every record, partition by partition."""
        for partition in self._partitions():
            for tag, _, digest in partition:
                yield tag, digest

    def close(self) -> None:
        for file in self._files:
            file.close()
        self._files = []
        self._held = [bytearray() for _ in range(PARTITIONS)]
        self._put = [part.extend for part in self._held]
