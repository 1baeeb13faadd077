"""The response-id key: made once, owner-only and atomically, read back the same, never made by
reading; its hashes are HMAC-SHA256 behind the key's fingerprint, and a slice hashed under
another key is refused."""

import hashlib
import hmac
import threading
from pathlib import Path

import pytest

from app.survey_results import response_ids
from app.survey_results.response_ids import KEY_FILE, KeyChanged, NoResponseKey, ResponseKey

SECRET = bytes(range(32))


def test_the_key_is_made_once_owner_only_and_read_back(tmp_path: Path) -> None:
    made = response_ids.ensure_key(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(made.secret) == 32
    assert response_ids.ensure_key(tmp_path / "data") == made
    assert response_ids.ensure_key(tmp_path / "data", SECRET) == made  # an existing key stays
    assert response_ids.load_key(tmp_path / "data") == made
    assert [p.name for p in (tmp_path / "data").iterdir()] == [KEY_FILE]


def test_processes_making_the_key_at_once_all_get_the_same(tmp_path: Path) -> None:
    found: list[ResponseKey] = []
    barrier = threading.Barrier(8)

    def make() -> None:
        barrier.wait()
        found.append(response_ids.ensure_key(tmp_path))

    workers = [threading.Thread(target=make) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(found) == 8
    assert len(set(found)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


@pytest.mark.parametrize("content", [None, "", "not hex\n", "00" * 16 + "\n"])
def test_a_missing_or_damaged_key_is_a_503_naming_no_path(
    tmp_path: Path, content: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    if content is not None:
        (tmp_path / KEY_FILE).write_text(content)
    with pytest.raises(NoResponseKey) as refused:
        response_ids.load_key(tmp_path)
    assert refused.value.status_code == 503
    assert str(tmp_path) not in refused.value.detail
    assert str(tmp_path) in caplog.text  # the operator's log says where
    assert [p.name for p in tmp_path.iterdir()] == ([KEY_FILE] if content is not None else [])


def test_a_hash_is_the_fingerprint_then_the_hmac_of_the_id() -> None:
    hasher = ResponseKey(SECRET).hasher()
    digest = hasher("R_3kLm9 é")
    mac = hmac.new(SECRET, "R_3kLm9 é".encode(), hashlib.sha256).digest()
    assert digest == hasher.fingerprint + mac
    assert len(digest) == response_ids.FINGERPRINT_BYTES + 32
    assert hasher("R_3kLm9 é") == digest  # the same every call
    assert ResponseKey(bytes(32)).hasher()("R_3kLm9 é") != digest


def test_stored_hashes_of_another_key_are_refused() -> None:
    ours, theirs = ResponseKey(SECRET).hasher(), ResponseKey(bytes(32)).hasher()
    ours.check_stored(frozenset({ours("a"), ours("b")}))
    ours.check_stored(frozenset())
    with pytest.raises(KeyChanged) as refused:
        ours.check_stored(frozenset({ours("a"), theirs("b")}))
    assert (refused.value.status_code, refused.value.slug) == (409, "response-key-changed")


def test_hashes_no_import_made_merge_as_other_peoples() -> None:
    """The demo stores its synthetic responses' hashes without a fingerprint (its key is
    public): they can match no file's ids, so a file's responses are added beside them."""
    demo = hmac.new(b"demo key", b"resp-1", hashlib.sha256).digest()
    ResponseKey(SECRET).hasher().check_stored(frozenset({demo}))
