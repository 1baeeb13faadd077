"""`keyed_hash` is HMAC-SHA256 (Hypothesis: the standard library's digest for any key and id)."""

import hmac

from hypothesis import given
from hypothesis import strategies as st

from app.integrations.keyed import keyed_hash


@given(st.binary(max_size=200), st.lists(st.text(), max_size=5))
def test_keyed_hash_is_hmac_sha256(key: bytes, ids: list[str]) -> None:
    hash_id = keyed_hash(key)
    for text in ids:
        assert hash_id(text) == hmac.new(key, text.encode(), "sha256").digest()
