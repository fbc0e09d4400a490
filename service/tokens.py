"""The coach's API token: stored only as a salted scrypt hash ("scrypt$N$r$p$salt$hash"), checked in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P = 2 ** 14, 8, 1


def hash_token(token: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(token.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_token(token: str | None, stored: str | None) -> bool:
    """True when `token` matches `stored` (scrypt string above, or a bare sha256 hex digest)."""
    if not token or not stored:
        return False
    if stored.startswith("scrypt$"):
        try:
            _, n, r, p, salt, digest = stored.split("$")
            got = hashlib.scrypt(token.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                 dklen=len(bytes.fromhex(digest)))
        except ValueError:
            return False
        return hmac.compare_digest(got.hex(), digest)
    return hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), stored.lower())
