"""The visible appearance of a signature (Decree 30/2020, Appendix I), drawn by WeasyPrint.

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
import io
import uuid
from dataclasses import dataclass

import weasyprint
from django.utils import timezone
from django.utils.html import escape
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle, TextStampStyle

PERSONAL, SEAL, ATTACHMENT, CARD = "personal", "seal", "attachment", "card"
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
SEAL_DIAMETER = 99.2  # points: 35 mm, the size of a People's Committee's seal
# pyHanko hands the signing time to the style as text; this format keeps the offset.
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

_CSS = """
@page { size: %(width).2fpt %(height).2fpt; margin: 0; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Serif", serif; color: #000; width: %(width).2fpt; height: %(height).2fpt;
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
.seal img { width: %(seal).2fpt; height: %(seal).2fpt; margin: 3pt auto 0; }
.seal .caption { text-align: center; font-size: 6.3pt; margin-top: 1pt; }
.attachment { font-size: 10pt; padding: 2pt 4pt; }
.card { display: flex; align-items: center; height: 100%%; }
.card img { width: %(card_seal).2fpt; height: %(card_seal).2fpt; flex: none; margin-right: 4pt; }
.card .text { font-size: 7.5pt; }
.card .text b { font-size: 8pt; }
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


def _image(data: bytes) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}" alt="">'


def stamp_html(stamp: Stamp, *, signed_at: dt.datetime, width: float, height: float) -> str:
    when = timezone.localtime(signed_at).strftime(TIME_FORMAT)
    if stamp.layout == PERSONAL:
        body = (
            f'<div class="top lines">{_lines(stamp.extra_lines)}</div>'
            f'<div class="image">{_image(stamp.image)}</div>'
            f'<div class="bottom"><div class="name">{escape(stamp.name)}</div>'
            f'<div class="small">Ký số: {when}</div></div>'
        )
    elif stamp.layout == SEAL:
        body = (
            f'{_image(stamp.image)}<div class="caption"><b>{escape(stamp.name)}</b>'
            f"<div>Ký số: {when}</div>{_lines(stamp.extra_lines)}</div>"
        )
    elif stamp.layout == ATTACHMENT:
        body = f"<div>{escape(stamp.name)}</div><div>Thời gian ký: {when}</div>{_lines(stamp.extra_lines)}"
    else:
        body = (
            f'{_image(stamp.image)}<div class="text"><div>Ký bởi: <b>{escape(stamp.name)}</b></div>'
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
        f'<body class="{stamp.layout}">{body}</body></html>'
    )


def stamp_pdf(stamp: Stamp, *, signed_at: dt.datetime, width: float, height: float) -> bytes:
    """The appearance as a one-page PDF of exactly ``width`` × ``height`` points, transparent around the ink."""
    html = stamp_html(stamp, signed_at=signed_at, width=width, height=height)
    return bytes(weasyprint.HTML(string=html).write_pdf())


class _PdfPage(PdfContent):
    """The first page of a PDF held in memory, as a form XObject (pyHanko's ImportedPdfPage reads a file)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)), page_ix=0)
        name = "/Stamp" + uuid.uuid4().hex
        self.resources.xobject[name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return f"{name} Do".encode("ascii")


@dataclass(frozen=True)
class HtmlStampStyle(TextStampStyle):
    """A pyHanko stamp style drawing ``stamp`` with WeasyPrint at the moment pyHanko signs."""

    stamp: Stamp | None = None
    timestamp_format: str = _ISO_FORMAT
    border_width: int = 0

    def create_stamp(self, writer, box, text_params):  # type: ignore[no-untyped-def]
        assert self.stamp is not None
        signed_at = dt.datetime.strptime(text_params["ts"], _ISO_FORMAT)
        page = stamp_pdf(self.stamp, signed_at=signed_at, width=float(box.width), height=float(box.height))
        style = StaticStampStyle(
            background=_PdfPage(page),
            background_opacity=1.0,
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
        return style.create_stamp(writer, box, text_params)
