"""The keyed hash of survey response ids (ingest spec 2): HMAC-SHA256 with the server's
response-id key, a secret kept in the data directory beside the signing keys and never in the
database beside the hashes, so a copy of the database cannot be used to test guessed ids.

The key is made once, owner-only, by `qicollab serve`, `migrate` and `keys rotate` (never when
the app is built, never by an import: two workers must not each make one), and never rotated:
a slice's stored hashes only match a re-posted file's under the same key. Each hash starts
with a short fingerprint of the key that made it, so a slice stored under another key (a data
directory lost or replaced) is refused rather than having its responses counted twice.
"""

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.errors import Conflict, ServiceUnavailable
from app.integrations.keyed import keyed_hash

KEY_FILE: Final = "response-id-key"
KEY_BYTES: Final = 32
FINGERPRINT_BYTES: Final = 4
DIGEST_BYTES: Final = FINGERPRINT_BYTES + 32  # and HMAC-SHA256's
# The fingerprint is the key's HMAC of this label: it says which key made a hash, and
# nothing of the key or of any id.
_FINGERPRINT_LABEL: Final = b"qi-collaborative response-id key fingerprint"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResponseKey:
    """The secret, and the fingerprint every hash it makes starts with."""

    secret: bytes

    @property
    def fingerprint(self) -> bytes:
        mac = hmac.new(self.secret, _FINGERPRINT_LABEL, hashlib.sha256).digest()
        return mac[:FINGERPRINT_BYTES]

    def hasher(self) -> "ResponseIdHasher":
        return ResponseIdHasher(self)


class ResponseIdHasher:
    """Hashes response ids with one key: the fingerprint, then HMAC-SHA256 of the id's UTF-8
    bytes (DIGEST_BYTES in all)."""

    def __init__(self, key: ResponseKey) -> None:
        self.fingerprint = key.fingerprint
        self._mac = keyed_hash(key.secret)  # the key's pads hashed once, not once per row

    def __call__(self, response_id: str) -> bytes:
        return self.fingerprint + self._mac(response_id)

    def check_stored(self, digests: frozenset[bytes]) -> None:
        """A slice's stored hashes that an import made must have been made with this key;
        otherwise no id of a file could be matched with them, and its responses would be
        counted again. Hashes of another shape (the demo's synthetic responses, hashed with
        its public key) can never match a file's ids, and merge as other people's."""
        if any(
            len(digest) == DIGEST_BYTES and not digest.startswith(self.fingerprint)
            for digest in digests
        ):
            raise KeyChanged(
                "Responses already stored for a team and period of this file were counted"
                " under another response-id key than the server's now, so they cannot be told"
                " apart from the file's; nothing was stored. The server's operator must restore"
                f" the `{KEY_FILE}` file of its data directory.",
                slug="response-key-changed",
                title="Response-id key changed",
            )


class KeyChanged(Conflict):
    """Stored hashes of another key: the operator's to fix, not the client's."""


class NoResponseKey(ServiceUnavailable):
    """The data directory has no readable response-id key: `qicollab serve`, `migrate` or
    `keys rotate` makes it. The client is told nothing of the server's paths; the log is."""


def _parse(text: str) -> bytes:
    secret = bytes.fromhex(text.strip())
    if len(secret) != KEY_BYTES:
        raise ValueError(f"the key must be {KEY_BYTES} bytes, written in hex")
    return secret


def ensure_key(data_dir: Path, secret: bytes | None = None) -> ResponseKey:
    """The data directory's key, made (from `secret`, else at random) when there is none.
    Made atomically: of two processes making it at once, one writes it and both use that."""
    path = data_dir / KEY_FILE
    if path.exists():
        return load_key(data_dir)
    chosen = secret if secret is not None else secrets.token_bytes(KEY_BYTES)
    if len(chosen) != KEY_BYTES:
        raise ValueError(f"a response-id key is {KEY_BYTES} bytes")
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{secrets.token_hex(8)}.tmp")
    # Owner-only from the start; linked into place only if no other process got there first.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(chosen.hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        # Another process's key, linked first, is the one: this one is dropped unused.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return load_key(data_dir)


def load_key(data_dir: Path) -> ResponseKey:
    """The data directory's key; NoResponseKey (503) when it is missing or damaged."""
    path = data_dir / KEY_FILE
    try:
        return ResponseKey(_parse(path.read_text()))
    except (OSError, ValueError) as error:
        logger.error(
            "no usable response-id key in %s (%s: %s); `qicollab serve`, `migrate` or"
            " `keys rotate` makes one, and a lost one must be restored from a backup",
            path,
            type(error).__name__,
            error,
        )
        raise NoResponseKey(
            "The service has no response-id key, so it cannot import survey responses; its"
            " operator makes one with `qicollab migrate`."
        ) from error
