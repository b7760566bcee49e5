"""PIN and password hashes, device tokens, and comparing them without leaking timing."""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# scrypt with 16 MiB of memory: slow enough to make guessing a stolen hash costly, quick enough on a Pi 4.
_N, _R, _P = 2**14, 8, 1
# Bounds on a hash's parameters: more memory than this cannot be verified at all (hashlib stops at 32 MiB), and
# more work than twice `hash-pin`'s lets a burst of wrong PINs stall every clerk's sign-in behind the verifier.
_MAX_MEMORY = 128 * _R * _N
_MAX_WORK = 2 * _N * _R * _P


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str) -> str:
    """A `pin_hash` or `password_hash` for the hall file: scrypt$N$r$p$salt$hash."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def hash_format_problem(value: str) -> str | None:
    """Why a hash in the hall file cannot be right, or None."""
    parts = value.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return "is not a hash from `onewindow hash-pin` (scrypt$N$r$p$salt$hash); never write the PIN itself"
    try:
        if not all(re.fullmatch(r"[0-9]{1,9}", part) for part in parts[1:4]):
            raise ValueError
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        if not 8 <= len(_unb64(parts[4])) <= 64 or len(_unb64(parts[5])) != 32 or n < 2 or n & (n - 1):
            raise ValueError
        if r < 1 or p < 1:
            raise ValueError
    except ValueError:
        return "is a damaged scrypt hash: make a new one with `onewindow hash-pin`"
    if 128 * r * n > _MAX_MEMORY or n * r * p > _MAX_WORK:
        return (
            f"asks scrypt for N={n}, r={r}, p={p}: more memory or work than a sign-in can spend "
            f"(at most {_MAX_MEMORY // 2**20} MiB and twice the work of `onewindow hash-pin`'s N={_N}, r={_R}, "
            f"p={_P}): make a new one with `onewindow hash-pin`"
        )
    return None


# scrypt takes 16 MiB from malloc on whichever thread runs it, and glibc keeps it in that thread's arena: in a
# server with many threads that is 16 MiB per thread for good. Two threads do all verifying, then trim: one per
# core of a Pi's pair in use, so one slow check never holds every sign-in behind it. What reaches them is bounded
# by the attempt limits, which count an attempt before it is queued here.
_verifier = ThreadPoolExecutor(max_workers=2, thread_name_prefix="verify")
_malloc_trim: Callable[[int], int] | None
try:
    _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
except (OSError, AttributeError):
    _malloc_trim = None


def _scrypt_matches(secret: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    try:
        computed = hashlib.scrypt(secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, MemoryError):
        return False
    finally:
        if _malloc_trim is not None:
            _malloc_trim(0)
    return hmac.compare_digest(computed, _unb64(digest))


def verify_secret(secret: str, stored: str) -> bool:
    if hash_format_problem(stored):
        return False
    return _verifier.submit(_scrypt_matches, secret, stored).result()


@functools.cache
def unknown_hash() -> str:
    """A hash no secret matches, checked for an unknown name or id so that it costs what a known one does."""
    return hash_secret(secrets.token_urlsafe(32))


def new_token() -> tuple[str, str]:
    """A device token and the `token_sha256` the hall file keeps instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_sha256(token)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
