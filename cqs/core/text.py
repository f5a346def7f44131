"""Vietnamese text helpers: NFC storage and diacritic-free folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s.]", re.UNICODE)


def nfc(value: str) -> str:
    """Normalise to NFC and collapse white space (what we store)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower case without diacritics, "đ" read as "d": what search compares."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _NON_WORD.sub(" ", stripped)).strip()


def search_terms(value: str) -> list[str]:
    """The folded words of a query, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in fold(value).split():
        seen.setdefault(word, None)
    return list(seen)


TSQUERY_MAX_TERMS = 10
TSQUERY_MIN_PREFIX = 2  # a one-letter prefix would match half the dictionary


def tsquery_text(query: str) -> str:
    """The ``to_tsquery('simple', …)`` text of a query: every folded word, the last one as a prefix; "" when none.

    Matches what ``to_tsvector('simple', …)`` makes of folded text: "ke hoach" and "Kế hoạ" both
    find "Kế hoạch"; "nguyen van an" finds "Nguyễn Văn An" and "Nguyễn Văn Anh".
    """
    terms = search_terms(query)[:TSQUERY_MAX_TERMS]
    if not terms:
        return ""
    quoted = [f"'{term}'" for term in terms]  # folded words hold only letters, digits, "_" and "."
    if len(terms[-1]) >= TSQUERY_MIN_PREFIX and not terms[-1].isdigit():
        quoted[-1] += ":*"
    return " & ".join(quoted)
