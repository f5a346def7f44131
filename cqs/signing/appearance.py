"""The visible appearance of a signature (Decree 30/2020, Appendix I), drawn by WeasyPrint (``cqs.core.pdfrender``).

pyHanko's own text stamps lay Vietnamese out badly with TrueType fonts (letter-spaced,
overflowing their box), so the appearance is a small one-page PDF made by WeasyPrint from
HTML, where fonts are shaped properly, imported into the signature widget as a form XObject.

Four layouts:

* ``personal``: the signer's image (blue, transparent PNG) between the title lines (the
  ``extra_lines``, e.g. "CHỦ TỊCH") and the signer's name, then the signing time;
* ``seal``: the organisation's seal (red, real size, 35 mm) with the organisation's name,
  the signing time and the extra lines (e.g. "Số: 05/QĐ-UBND") below it; it is placed over
  the left third of the personal signature image;
* ``attachment``: what Decree 30 asks top right of page 1 of an attachment: no image, the
  organisation's name, the signing time and the extra lines in black 10 pt serif;
* ``card``: an organisation signature in the signature box: the seal beside its text.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import uuid
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from cqs.core.pdfrender import html_pdf

PERSONAL, SEAL, ATTACHMENT, CARD = "personal", "seal", "attachment", "card"
LAYERED = (PERSONAL, SEAL, ATTACHMENT)  # drawn as a still layer made once and a moving one (``stamp_pdfs``)
STILL, MOVING = "layer-still", "layer-moving"
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
SEAL_DIAMETER = 99.2  # points: 35 mm, the size of a People's Committee's seal
# pyHanko hands the signing time to the style as text; this format keeps the offset.
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

_CSS = """
@page { size: %(width).2fpt %(height).2fpt; margin: 0; }
html, body { margin: 0; padding: 0; }
body { font-family: "CQS Serif", "DejaVu Serif", serif; color: #000; width: %(width).2fpt; height: %(height).2fpt;
       position: relative; overflow: hidden; line-height: 1.2; }
.lines { text-align: center; font-weight: bold; font-size: 8.5pt; }
.small { font-size: 7pt; }
img { display: block; }
.personal .top { position: absolute; top: 0; left: 0; right: 0; height: %(top).2fpt; display: flex;
                 flex-direction: column; justify-content: flex-end; }
.personal .image { position: absolute; left: 0; right: 0; bottom: 26pt; height: 55pt; }
.personal .image img { height: 55pt; max-width: 100%%; margin: 0 auto; object-fit: contain; }
.personal .bottom { position: absolute; left: 0; right: 0; bottom: 0; height: 26pt; text-align: center; }
.personal .name { font-size: 10pt; font-weight: bold; white-space: nowrap; }
.seal img, .seal .slot { width: %(seal).2fpt; height: %(seal).2fpt; margin: 3pt auto 0; }
.seal .caption { text-align: center; font-size: 6.3pt; margin-top: 1pt; }
.attachment { font-size: 10pt; padding: 2pt 4pt; }
.card { display: flex; align-items: center; height: 100%%; }
.card img { width: %(card_seal).2fpt; height: %(card_seal).2fpt; flex: none; margin-right: 4pt; }
.card .text { font-size: 7.5pt; }
.card .text b { font-size: 8pt; }
.layer-still .moving, .layer-moving .still { visibility: hidden; }
"""


@dataclass(frozen=True)
class Stamp:
    """What one signature shows: its layout, the name, the image (PNG) and any extra lines."""

    layout: str
    name: str
    image: bytes
    extra_lines: tuple[str, ...] = ()


def _lines(lines: tuple[str, ...], css: str = "") -> str:
    return "".join(f'<div class="{css}">{escape(line)}</div>' for line in lines)


def _image(data: bytes, layer: str) -> str:
    if layer == MOVING:  # the image's place, without decoding it
        return '<div class="slot"></div>'
    return f'<img class="still" src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}" alt="">'


def stamp_html(stamp: Stamp, *, signed_at: dt.datetime, width: float, height: float, layer: str = "") -> str:
    """The appearance as a page; ``layer`` ``"still"`` or ``"moving"`` shows only that layer (see ``stamp_pdfs``)."""
    when = timezone.localtime(signed_at).strftime(TIME_FORMAT)
    name = f'<span class="still">{escape(stamp.name)}</span>'
    if stamp.layout == PERSONAL:
        body = (
            f'<div class="top lines moving">{_lines(stamp.extra_lines)}</div>'
            f'<div class="image">{_image(stamp.image, layer)}</div>'
            f'<div class="bottom"><div class="name">{name}</div>'
            f'<div class="small moving">Ký số: {when}</div></div>'
        )
    elif stamp.layout == SEAL:
        body = (
            f'{_image(stamp.image, layer)}<div class="caption"><b>{name}</b>'
            f'<div class="moving">Ký số: {when}</div>{_lines(stamp.extra_lines, "moving")}</div>'
        )
    elif stamp.layout == ATTACHMENT:
        body = f'<div>{name}</div><div class="moving">Thời gian ký: {when}</div>{_lines(stamp.extra_lines, "moving")}'
    else:
        body = (
            f'{_image(stamp.image, layer)}<div class="text"><div>Ký bởi: <b>{escape(stamp.name)}</b></div>'
            f"<div>Thời gian ký: {when}</div>{_lines(stamp.extra_lines)}</div>"
        )
    css = _CSS % {
        "width": width,
        "height": height,
        "top": max(height - 26 - 55, 0),
        "seal": SEAL_DIAMETER,
        "card_seal": min(height - 6, 70),
    }
    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>{css}</style></head>'
        f'<body class="{stamp.layout} {layer}">{body}</body></html>'
    )


def stamp_pdf(stamp: Stamp, *, signed_at: dt.datetime, width: float, height: float) -> bytes:
    """The appearance as a one-page PDF of exactly ``width`` × ``height`` points, transparent around the ink."""
    return html_pdf(stamp_html(stamp, signed_at=signed_at, width=width, height=height))


@functools.lru_cache(maxsize=64)
def _still_pdf(stamp: Stamp, width: float, height: float) -> bytes:
    moment = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # hidden: only its place counts (the digits are all as wide)
    return html_pdf(stamp_html(stamp, signed_at=moment, width=width, height=height, layer=STILL))


def stamp_pdfs(stamp: Stamp, *, signed_at: dt.datetime, width: float, height: float) -> list[bytes]:
    """The appearance as one-page PDFs to lay one over the other.

    The image and the name (the "still" layer) do not change from one signature to the next, and
    nothing that changes (the signing time, the extra lines: the "moving" layer) comes before them
    on the page, except in the card layout, drawn whole. So the still layer is made once per
    process for a certificate and a box, and only the moving layer, text without the image, is made
    for each signature (WeasyPrint re-encodes a PNG image every time it draws it).
    """
    if stamp.layout not in LAYERED:
        return [stamp_pdf(stamp, signed_at=signed_at, width=width, height=height)]
    still = _still_pdf(Stamp(stamp.layout, stamp.name, stamp.image), width, height)
    moving = html_pdf(stamp_html(stamp, signed_at=signed_at, width=width, height=height, layer=MOVING))
    return [still, moving]


class _PdfPages(PdfContent):
    """The first pages of PDFs held in memory, drawn one over the other as form XObjects (pyHanko's ImportedPdfPage
    reads a file); they are all of one size."""

    def __init__(self, pages: list[bytes]) -> None:
        self.pages = pages
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        drawn = []
        for data in self.pages:
            xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            name = "/Stamp" + uuid.uuid4().hex
            self.resources.xobject[name] = xobject
            drawn.append(f"{name} Do")
            x1, y1, x2, y2 = xobject.get_object()["/BBox"]
            self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return " ".join(drawn).encode("ascii")


@dataclass(frozen=True)
class HtmlStampStyle(TextStampStyle):
    """A pyHanko stamp style drawing ``stamp`` with WeasyPrint at the moment pyHanko signs."""

    stamp: Stamp | None = None
    timestamp_format: str = _ISO_FORMAT
    border_width: int = 0

    def create_stamp(self, writer, box, text_params):  # type: ignore[no-untyped-def]
        assert self.stamp is not None
        signed_at = dt.datetime.strptime(text_params["ts"], _ISO_FORMAT)
        pages = stamp_pdfs(self.stamp, signed_at=signed_at, width=float(box.width), height=float(box.height))
        style = StaticStampStyle(
            background=_PdfPages(pages),
            background_opacity=1.0,
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
        return style.create_stamp(writer, box, text_params)
