"""What the child process of ``search.extraction`` does: read the text of one PDF within pypdf's limits.

No Django and no database here: the child only has the PDF's bytes and a pipe. It writes JSON
lines: first ``{"pages": n}``, then ``{"text": …}`` per page read, then ``{"end": reason}`` ("" when
every page was read; "pages", "chars": read in part; "limit", "unreadable": not read). What it
wrote before it ended or was killed is what the parent gets.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError

DECOMPRESSED_MAX = 20 * 1024 * 1024  # bytes of one stream, once inflated
PARSING_BUDGET = 1_000_000  # operands and operators of one content stream
TREE_MAX = 20_000  # entries of the page tree
LIMITS = {
    "zlib_maximum_output_length": DECOMPRESSED_MAX,
    "lzw_maximum_output_length": DECOMPRESSED_MAX,
    "run_length_maximum_output_length": DECOMPRESSED_MAX,
    "array_based_stream_maximum_output_length": DECOMPRESSED_MAX,
    "stream_decoding_work_maximum_length": 4 * DECOMPRESSED_MAX,
    "stream_parsing_work_maximum_count": PARSING_BUDGET,
    "page_tree_maximum_entries": TREE_MAX,
    "page_tree_maximum_page_entries": TREE_MAX,
}

Say = Callable[..., None]


class _Enough(Exception):
    """Raised from inside pypdf's layout once a page has given more characters than are kept."""


class _Page:
    """The text pypdf lays out on one page, piece by piece; past ``room`` characters it stops the layout."""

    def __init__(self, *, room: int) -> None:
        self.room = room
        self.pieces: list[str] = []
        self.size = 0

    def collect(self, text: str, *_args: object) -> None:
        # Laying out a page costs far more than its text: stop the moment the page alone passes what is kept.
        self.pieces.append(text)
        self.size += len(text)
        if self.size > self.room:
            raise _Enough


def read_text(data: bytes, *, max_pages: int, max_chars: int, say: Say) -> None:
    """Say the page count, then the text of each page up to ``max_pages`` pages and ``max_chars`` characters."""
    with apply_configuration(None, **LIMITS):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            pages = len(reader.pages)
        except LimitReachedError:
            say(end="limit")
            return
        except Exception:  # a file pypdf cannot read at all
            say(end="unreadable")
            return
        say(pages=pages)
        chars = 0
        for index in range(min(pages, max_pages)):
            page = _Page(room=max_chars - chars)
            try:
                text = reader.pages[index].extract_text(visitor_text=page.collect) or ""
            except _Enough:
                say(text="".join(page.pieces)[: page.room])
                say(end="chars")
                return
            except LimitReachedError:
                say(end="limit")
                return
            except Exception:
                say(end="unreadable")
                return
            say(text=text[: page.room])
            chars += len(text)
            if chars >= max_chars:
                say(end="chars")
                return
        say(end="pages" if pages > max_pages else "")
