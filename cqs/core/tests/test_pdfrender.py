"""HTML to PDF with the lean serif faces made once per process (``cqs.core.pdfrender``)."""

from __future__ import annotations

import io

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from cqs.core import pdfrender

TEXT = "Ủy ban nhân dân phường Trường Vinh — Số: 05/QĐ-UBND, ngày 08 tháng 12 năm 2026"


def _page(text: str, style: str = "") -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>'
        f'body {{ font-family: "{pdfrender.LEAN_FAMILY}", "DejaVu Serif", serif; {style} }}'
        f"</style></head><body><p>{text}</p></body></html>"
    )


def _fonts(pdf: bytes) -> list[TTFont]:
    """The TrueType programs embedded in ``pdf``."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            program = descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            found.append(TTFont(io.BytesIO(program)))
    return found


def test_vietnamese_text_is_drawn_with_the_lean_faces_and_reads_back() -> None:
    pdf = pdfrender.html_pdf(_page(TEXT + " " + pdfrender.VIETNAMESE_LETTERS))
    reader = PdfReader(io.BytesIO(pdf))
    assert " ".join(reader.pages[0].extract_text().split()) == TEXT + " " + pdfrender.VIETNAMESE_LETTERS
    (font,) = _fonts(pdf)
    # A lean face: no layout table (WeasyPrint's subset of the whole DejaVu Serif keeps its GDEF).
    assert not {"GDEF", "GPOS", "GSUB"} & set(font.keys())


def test_each_style_has_its_lean_face_and_a_character_outside_them_falls_back() -> None:
    bold_italic = pdfrender.html_pdf(_page("Chủ tịch", "font-weight: bold; font-style: italic;"))
    assert all("GDEF" not in font for font in _fonts(bold_italic))
    pdf = pdfrender.html_pdf(_page("Diện tích 25 m² — Ω ∑"))
    assert "Ω ∑" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()  # drawn with DejaVu Serif itself
    assert sorted("GDEF" in font for font in _fonts(pdf)) == [False, True]


def test_the_lean_faces_are_made_once_per_process() -> None:
    pdfrender.html_pdf(_page("một"))
    before = pdfrender._fonts.cache_info()
    pdfrender.html_pdf(_page("hai"))
    after = pdfrender._fonts.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 1
