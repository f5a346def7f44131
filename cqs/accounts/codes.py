"""One-time codes: how they are made, normalised and compared.

Two shapes: a long code an administrator reads out or hands over (``ABCD-EFGH-JKMN``, 12
characters from 31 that cannot be mistaken for one another: about 59 bits), and a short numeric
code sent by email or SMS (6 digits; few tries, short life). Only a keyed digest is stored
(HMAC-SHA256 with the SECRET_KEY), so a copy of the database alone does not give the codes.
"""

from __future__ import annotations

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

LONG_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LONG_LENGTH = 12
SHORT_DIGITS = 6
_SEPARATORS = re.compile(r"[\s\-.]+")


def new_long_code() -> str:
    raw = "".join(secrets.choice(LONG_ALPHABET) for _ in range(LONG_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LONG_LENGTH, 4))


def new_short_code() -> str:
    return f"{secrets.randbelow(10**SHORT_DIGITS):0{SHORT_DIGITS}d}"


def normalise_code(code: str) -> str:
    return _SEPARATORS.sub("", code or "").upper()


def code_digest(purpose: str, code: str) -> str:
    return salted_hmac(f"cqs.accounts.codes.{purpose}", normalise_code(code), algorithm="sha256").hexdigest()


def code_matches(digest: str, purpose: str, code: str) -> bool:
    return bool(normalise_code(code)) and constant_time_compare(digest, code_digest(purpose, code))
