"""What the child process of ``search.extraction`` does: read the text of one PDF within pypdf's limits.

No Django and no database here: the child only has the PDF's bytes and a pipe. It writes JSON
lines: first ``{"pages": n}``, then ``{"text": …}`` per page read (after the first page, its
``{"places": …}``), then ``{"end": reason}`` ("" when every page was read; "pages", "chars": read
in part; "limit", "unreadable": not read). What it wrote before it ended or was killed is what
the parent gets.

The places are where a Decree 30 document writes its number ("Số: …/UBND-VP") and its date
("…, ngày … tháng … năm …") near the top of the first page: each as a box ``[x0, y0, x1, y1]``
in points and the text's size, so that issuing can write the number and the date there.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

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
NUMBER_LINE = re.compile(r"^\s*Số\s*[:：]")
DATE_LINE = re.compile(r"\bngày\b.*\btháng\b")  # "… năm …" may wrap onto the next line
TOP_SHARE = 0.45  # the places are in the top part of the page


class _Enough(Exception):
    """Raised from inside pypdf's layout once a page has given more characters than are kept."""


class _Page:
    """The text pypdf lays out on one page, piece by piece; past ``room`` characters it stops the layout."""

    def __init__(self, *, room: int) -> None:
        self.room = room
        self.pieces: list[str] = []
        self.positions: list[tuple[str, float, float]] = []
        self.size = 0

    def collect(self, text: str, cm: Any = None, tm: Any = None, *_args: object) -> None:
        # Laying out a page costs far more than its text: stop the moment the page alone passes what is kept.
        self.pieces.append(text)
        if cm is not None and tm is not None and text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            self.positions.append((text.strip(), x, y))
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
            if index == 0:
                say(places=_places(reader, page))
            chars += len(text)
            if chars >= max_chars:
                say(end="chars")
                return
        say(end="pages" if pages > max_pages else "")


# ---------------------------------------------------------------- the places of the number and the date


def _lines(reader: PdfReader, page: _Page) -> list[tuple[str, float, float, float, float]]:
    """(text, x0, x1, baseline y, size) of each line of the first page, in page coordinates.

    pypdf's layout mode gives each line's extent (where its last glyph ends); the visitor, its baseline.
    """
    from pypdf._text_extraction._layout_mode._fixed_width_page import recurse_to_target_op, set_font_operation
    from pypdf._text_extraction._layout_mode._text_state_manager import TextStateManager
    from pypdf.generic import ContentStream

    first = reader.pages[0]
    contents = first.get_contents()
    if contents is None:
        return []
    fonts = first._layout_mode_fonts()
    operations = iter(ContentStream(contents, reader, "bytes").operations)
    state = TextStateManager()
    lines = []
    for operands, operator in operations:
        if operator in (b"BT", b"q"):
            groups, _shows = recurse_to_target_op(operations, state, b"ET" if operator == b"BT" else b"Q", fonts, True)
            for group in groups:
                text = group["text"].strip()
                baseline = next(  # the visitor saw the line's first piece where the line starts
                    (y for piece, x, y in page.positions if text.startswith(piece) and abs(x - group["tx"]) < 1.5),
                    None,
                )
                if text and baseline is not None:
                    lines.append((text, group["tx"], group["displaced_tx"], baseline, group["font_height"]))
        elif operator == b"Tf":
            set_font_operation(state, fonts, operands)
        else:
            state.set_state_param(operator, operands)
    return lines


def _box(lines: list[tuple[str, float, float, float, float]]) -> list[float]:
    x0 = min(line[1] for line in lines) - 2
    x1 = max(line[2] for line in lines) + 2
    size = max(line[4] for line in lines)
    y0 = min(line[3] for line in lines) - 0.3 * size
    y1 = max(line[3] for line in lines) + 0.95 * size
    return [round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2), round(size, 2)]


def _places(reader: PdfReader, page: _Page) -> dict[str, list[float]]:
    """The boxes of the number line and of the date line (with its wrapped end) near the top of the first page."""
    try:
        height = float(reader.pages[0].mediabox.height)
        top = float(reader.pages[0].mediabox.top)
        lines = [line for line in _lines(reader, page) if line[3] >= top - height * TOP_SHARE]
    except Exception:  # a page whose layout cannot be read has no places: the number stays in the seal's box
        return {}
    lines.sort(key=lambda line: (-line[3], line[1]))
    places: dict[str, list[float]] = {}
    number = next((line for line in lines if NUMBER_LINE.match(line[0])), None)
    if number is not None:
        places["number"] = _box([number])
    date = next((line for line in lines if DATE_LINE.search(line[0])), None)
    if date is not None:
        parts = [date]
        if "năm" not in date[0]:
            # "… tháng 03" / "năm 2026": the next line below, in the same column, ends the date
            below = [
                line
                for line in lines
                if 0 < date[3] - line[3] < 2 * date[4] and line[1] < date[2] and line[2] > date[1] and "năm" in line[0]
            ]
            parts += below[:1]
        places["date"] = _box(parts)
    return places
