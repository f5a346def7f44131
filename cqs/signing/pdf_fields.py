"""Text form fields a signature allows to fill later: how an issued document gets its number and date in place.

Decree 30 numbers an electronic document when it is issued, after the leader has signed it, yet
the number ("Số: 05/QĐ-UBND") and the issue date belong in the document's own places, not only
in the organisation's signature box. Changing the page content after the leader's signature
would break it. So, as provincial document systems do:

1. before the leader signs, ``pdf_fields_add`` puts an empty, read-only text field over each
   place (found on the draft's first page: the "Số:" line, the "…, ngày … tháng … năm …" line)
   and the empty signature field the organisation's seal will fill;
2. the leader signs with a certification signature whose DocMDP permissions allow form filling
   and signing (``pdf.pdf_sign(certify=True)``), so the fields are covered, empty (a certified
   document may have its existing fields filled and signed, not new visible fields added: hence
   the seal's field made beforehand);
3. when issuing, ``pdf_fields_fill`` writes each field's value and its appearance (the text on
   an opaque white background, over what the draft had there) as an incremental update: form
   filling, which the leader's signature permits; then the organisation signs its field.

Every signature stays valid (pyHanko reports the leader's as followed by form filling and a
signature, both allowed; poppler's ``pdfsig`` checks each signature's bytes).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sign_fields

from cqs.core.errors import ValidationFailed
from cqs.core.pdfrender import html_pdf
from cqs.signing.pdf import placement_box

READ_ONLY = 1  # field flag bit 1
MULTILINE = 4096  # field flag bit 13: the text may wrap
PRINT = 4  # annotation flag: printed with the page
CHAR_WIDTH = 0.5  # a serif font's average character width, in ems: to keep a one-line text inside its box


@dataclass(frozen=True)
class TextField:
    """A field to add: its name, its rectangle on the first page (points), the text's size and style."""

    name: str
    box: tuple[float, float, float, float]
    size: float
    italic: bool = False
    multiline: bool = False


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at ``size`` points in a serif font."""
    return len(text) * size * CHAR_WIDTH


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, OSError, KeyError) as exc:
        raise ValidationFailed("Tệp không phải là tệp PDF hợp lệ.") from exc


def _form(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        )
        writer.update_root()
    form = root["/AcroForm"]
    if "/Fields" not in form:
        form[pdf_name("/Fields")] = generic.ArrayObject()
    return form


def _appearance_string(field: TextField) -> str:
    """The field's default appearance (/DA): its size, and italic or not in the font's name."""
    return f"/{'SerifItalic' if field.italic else 'Serif'} {field.size:.1f} Tf 0 g"


def _style(field: generic.DictionaryObject) -> tuple[float, bool]:
    """(size, italic) read back from the field's /DA."""
    parts = str(field.get("/DA", "/Serif 12 Tf 0 g")).split()
    try:
        size = float(parts[parts.index("Tf") - 1])
    except (ValueError, IndexError):
        size = 12.0
    return min(max(size, 4.0), 72.0), bool(parts) and parts[0] == "/SerifItalic"


def pdf_fields_add(pdf: bytes, fields: Sequence[TextField], *, seal_field: str = "", seal_lines: int = 0) -> bytes:
    """The PDF with empty, read-only text fields on its first page and, when ``seal_field`` is given, the empty
    signature field where the organisation's seal goes (with ``seal_lines`` lines under it): an incremental update.
    """
    writer = _writer(pdf)
    page_ref = writer.find_page_for_modification(0)[0]
    form = _form(writer)
    for field in fields:
        x0, y0, x1, y1 = field.box
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): generic.TextStringObject(field.name),
                pdf_name("/Ff"): generic.NumberObject(READ_ONLY | (MULTILINE if field.multiline else 0)),
                pdf_name("/F"): generic.NumberObject(PRINT),
                pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(round(v, 2)) for v in (x0, y0, x1, y1)),
                pdf_name("/DA"): generic.pdf_string(_appearance_string(field)),
                pdf_name("/P"): page_ref,
            }
        )
        reference = writer.add_object(widget)
        form["/Fields"].append(reference)
        writer.register_annotation(page_ref, reference)
    writer.update_container(form)
    if seal_field:
        page_index, box = placement_box(writer, "seal", seal_lines)
        sign_fields.append_signature_field(
            writer, sign_fields.SigFieldSpec(sig_field_name=seal_field, on_page=page_index, box=box)
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.lru_cache(maxsize=256)
def _appearance_pdf(text: str, *, width: float, height: float, size: float, italic: bool, multiline: bool) -> bytes:
    """The field's look: the text centred on an opaque white box (hiding what the draft had there).

    One line stays one line, smaller if it would not fit; a multi-line field wraps. Kept per process
    by its arguments: the date line of the day is the same for every document issued that day.
    """
    style = "italic" if italic else "normal"
    if not multiline:
        size = min(size, size * (width - 4) / max(text_width(text, size), 1.0))
    wrap = "normal" if multiline else "nowrap"
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>'
        f"@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0; }}"
        f"html, body {{ margin: 0; padding: 0; background: #fff; width: {width:.2f}pt; height: {height:.2f}pt; }}"
        f'body {{ display: flex; align-items: center; justify-content: center; font-family: "CQS Serif",'
        f' "Liberation Serif", "Times New Roman", "DejaVu Serif", serif; font-size: {size:.2f}pt; font-style: {style};'
        f" line-height: 1.15; text-align: center; color: #000; white-space: {wrap}; }}"
        f"</style></head><body><div>{escape(text)}</div></body></html>"
    )
    return html_pdf(html)


def _fields_by_name(writer: IncrementalPdfFileWriter) -> dict[str, generic.IndirectObject]:
    found: dict[str, generic.IndirectObject] = {}
    form = writer.root.get("/AcroForm")
    if form is None:
        return found
    for reference in form.get_object().get("/Fields", generic.ArrayObject()):
        field = reference.get_object()
        if field.get("/FT") == "/Tx" and "/T" in field:
            found[str(field["/T"])] = reference
    return found


def pdf_fields_fill(pdf: bytes, values: Mapping[str, str]) -> bytes:
    """The PDF with ``values`` written into its text fields, value and appearance (an incremental update).

    Only fields that exist are filled; the names filled are those of ``pdf_fields_names``.
    """
    writer = _writer(pdf)
    fields = _fields_by_name(writer)
    filled = [(fields[name], text) for name, text in values.items() if name in fields]
    if not filled:
        return pdf
    for reference, text in filled:
        field = reference.get_object()
        x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
        size, italic = _style(field)
        width, height = abs(x1 - x0), abs(y1 - y0)
        multiline = bool(int(field.get("/Ff", 0)) & MULTILINE)
        look = _appearance_pdf(text, width=width, height=height, size=size, italic=italic, multiline=multiline)
        xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(look)), page_ix=0)
        field[pdf_name("/V")] = generic.TextStringObject(text)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): xobject})
        writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_fields_names(pdf: bytes) -> dict[str, str]:
    """The text fields of a PDF and their values ("" when empty)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, OSError) as exc:
        raise ValidationFailed("Tệp không phải là tệp PDF hợp lệ.") from exc
    form = reader.root.get("/AcroForm")
    names: dict[str, str] = {}
    if form is None:
        return names
    for reference in form.get_object().get("/Fields", generic.ArrayObject()):
        field = reference.get_object()
        if field.get("/FT") == "/Tx" and "/T" in field:
            names[str(field["/T"])] = str(field.get("/V", ""))
    return names
