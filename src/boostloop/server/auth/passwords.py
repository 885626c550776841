"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106's second recommended option,
t=3 iterations, 64 MiB memory, 4 lanes)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# A hash of a random password: verified against when the e-mail is unknown, so that a login for an
# unknown account costs the same time as one for a known account (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("boostloop-dummy-password-for-constant-time")

MIN_PASSWORD_LENGTH = 10  # NIST SP 800-63B asks for at least 8; 10 leaves a margin.


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
