"""Record ids the service can recognise as its own: a random part and an HMAC of it.

``/feedback`` stores a corrected label for the next training run. Unsigned ids
let any client write feedback for predictions that never happened (the ids were
only a pattern). Here an id is ``p-<16 hex random><16 hex HMAC-SHA256>``: the
service checks the HMAC and refuses ids it did not issue, without keeping a list.
Workers and replicas share the key through ``VIGIL_SERVE_ID_KEY``; without it,
``vigil serve`` makes one key for its workers, so ids issued before a restart
are refused after it (set the key when feedback must outlive restarts).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ID_KEY_ENV = "VIGIL_SERVE_ID_KEY"
RECORD_ID_PATTERN = r"^p-[0-9a-f]{32}$"
_SHAPE = re.compile(RECORD_ID_PATTERN)


def new_key() -> str:
    return secrets.token_hex(32)


class RecordIds:
    """Issue and check signed record ids under one key (hex or any string of 16+ characters)."""

    def __init__(self, key: str) -> None:
        if len(key) < 16:
            raise ValueError(f"{ID_KEY_ENV} must be at least 16 characters")
        self._key = key.encode("utf-8")

    def _mac(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode("ascii"), hashlib.sha256).hexdigest()[:16]

    def issue(self) -> str:
        nonce = secrets.token_hex(8)
        return f"p-{nonce}{self._mac(nonce)}"

    def issued(self, record_id: str) -> bool:
        """True only for an id this key signed (constant-time comparison)."""
        if not _SHAPE.match(record_id):
            return False
        nonce, mac = record_id[2:18], record_id[18:]
        return hmac.compare_digest(mac, self._mac(nonce))
