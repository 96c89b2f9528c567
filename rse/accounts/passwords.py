"""Password hashing (argon2id) and the length-only policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rse.errors import _l

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified against when the account does not exist, so that both cases cost the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def policy_errors(password: str) -> list[str]:
    if len(password) < MIN_LENGTH:
        return [_l("At least %(count)d characters.", count=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_l("At most %(count)d characters.", count=MAX_LENGTH)]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
