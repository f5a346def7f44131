"""A signature's appearance as a still layer (image, name) made once per certificate and box, and a moving one
(signing time, extra lines) made for each signature (``cqs.signing.appearance.stamp_pdfs``)."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from cqs.signing import appearance
from cqs.signing.images import appearance_image_generate_seal

WHEN = dt.datetime(2026, 12, 8, 2, 30, 15, tzinfo=dt.UTC)


def _images_and_text(pdf: bytes) -> tuple[int, str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})
    images = sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")
    return images, " ".join(page.extract_text().split())


def test_the_seal_is_a_still_layer_made_once_and_a_moving_layer_per_signature() -> None:
    seal = appearance_image_generate_seal("Ủy ban nhân dân phường Trường Vinh")
    first = appearance.Stamp(appearance.SEAL, "UBND phường Trường Vinh", seal, ("Số: 12/UBND-VP", "Ngày: 08/12/2026"))
    second = appearance.Stamp(appearance.SEAL, "UBND phường Trường Vinh", seal, ("Số: 13/UBND-VP", "Ngày: 08/12/2026"))
    appearance._still_pdf.cache_clear()
    still, moving = appearance.stamp_pdfs(first, signed_at=WHEN, width=150, height=142)
    again, later = appearance.stamp_pdfs(second, signed_at=WHEN + dt.timedelta(seconds=5), width=150, height=142)
    assert appearance._still_pdf.cache_info().misses == 1 and again == still
    assert _images_and_text(still) == (1, "UBND phường Trường Vinh")
    assert _images_and_text(moving) == (0, "Ký số: 08/12/2026 09:30:15 Số: 12/UBND-VP Ngày: 08/12/2026")
    assert _images_and_text(later)[1] == "Ký số: 08/12/2026 09:30:20 Số: 13/UBND-VP Ngày: 08/12/2026"


def test_the_moving_layer_keeps_its_lines_where_the_whole_stamp_has_them() -> None:
    seal = appearance_image_generate_seal("Ủy ban nhân dân phường Trường Vinh")
    stamp = appearance.Stamp(appearance.SEAL, "UBND phường Trường Vinh", seal, ("Số: 12/UBND-VP",))
    whole = PdfReader(io.BytesIO(appearance.stamp_pdf(stamp, signed_at=WHEN, width=150, height=142))).pages[0]
    _still, moving = appearance.stamp_pdfs(stamp, signed_at=WHEN, width=150, height=142)

    def lines(page: object) -> dict[str, float]:
        found: dict[str, float] = {}

        def visit(text: str, _cm: object, tm: list[float], *_rest: object) -> None:
            if text.strip():
                found.setdefault(text.strip(), round(tm[5], 1))

        page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
        return found

    moved = lines(PdfReader(io.BytesIO(moving)).pages[0])
    assert moved and all(lines(whole)[text] == y for text, y in moved.items())


def test_the_card_layout_is_drawn_whole() -> None:
    seal = appearance_image_generate_seal("Ủy ban nhân dân phường Trường Vinh")
    stamp = appearance.Stamp(appearance.CARD, "UBND phường Trường Vinh", seal, ("Số: 12/UBND-VP",))
    (whole,) = appearance.stamp_pdfs(stamp, signed_at=WHEN, width=250, height=130)
    images, text = _images_and_text(whole)
    assert images == 1 and "Số: 12/UBND-VP" in text


def test_a_field_look_is_made_once_for_the_same_text_and_box() -> None:
    from cqs.signing.pdf_fields import _appearance_pdf

    _appearance_pdf.cache_clear()
    shape = {"width": 220.0, "height": 16.0, "size": 13.0, "italic": True, "multiline": False}
    day = _appearance_pdf("Trường Vinh, ngày 08 tháng 12 năm 2026", **shape)
    assert _appearance_pdf("Trường Vinh, ngày 08 tháng 12 năm 2026", **shape) is day
    assert _appearance_pdf("Số: 13/UBND-VP", **shape) != day
    assert _appearance_pdf.cache_info().misses == 2
