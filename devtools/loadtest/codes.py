"""The code an authenticator app shows (RFC 6238: 30-second steps, six digits, SHA-1), as the
load test's officers and administrators type it at sign-in."""

from __future__ import annotations

import hashlib
import hmac
import time

STEP_SECONDS = 30


def totp_code(key_hex: str, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    digest = hmac.new(bytes.fromhex(key_hex), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"
