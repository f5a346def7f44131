"""An issued document shows its number and issue date where a reader looks for them (the "Số:" line and the date
line of its first page), written when the clerk issues it, after the leader's signature, which stays valid: the
leader certifies the draft allowing form filling and the seal's signature, the clerk fills the places, the
organisation signs; ``pdfsig`` (poppler) and the platform's own verification find every signature valid."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
import weasyprint
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from cqs.documents import numbering
from cqs.documents.models import DocumentFile, OutgoingDocument
from cqs.documents.outgoing import services as svc
from cqs.documents.tests.test_outgoing_support import create, pdf, upload, world
from cqs.signing.pdf import pdf_verify
from cqs.signing.pdf_fields import _appearance_pdf, pdf_fields_names

__all__ = ["world"]

pytestmark = pytest.mark.django_db
ISSUE_DAY = dt.datetime(2027, 3, 5, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def decree30_draft(*, code: str, date_line: str) -> bytes:
    """A draft as a Word template exports it: issuer and "Số:" on the left, motto and date line on the right."""
    html = f"""<html lang="vi"><head><style>
      @page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
      body {{ font-family: "Liberation Serif", serif; font-size: 13pt; }}
      table {{ width: 100%; text-align: center; }} td {{ vertical-align: top; width: 50%; }}
    </style></head><body>
      <table><tr>
        <td><b>ỦY BAN NHÂN DÂN</b><br><b>TỈNH NGHỆ AN</b><br>Số: {code}</td>
        <td><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập - Tự do - Hạnh phúc</b><br><i>{date_line}</i></td>
      </tr></table>
      <p style="text-align:center"><b>QUYẾT ĐỊNH</b></p>
      <p>Phê duyệt kế hoạch chuyển đổi số năm 2026.</p>
    </body></html>"""
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _issue(world: Any, draft: bytes) -> OutgoingDocument:
    outgoing = create(world)
    svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload(draft))
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[])
    svc.outgoing_sign(outgoing=outgoing, actor=world.leader)
    with time_machine.travel(ISSUE_DAY, tick=False):
        return svc.outgoing_issue(outgoing=outgoing, actor=world.clerk)


def _issued_pdf(outgoing: OutgoingDocument) -> bytes:
    return bytes(outgoing.files.filter(kind=DocumentFile.Kind.SIGNED).latest("pk").file.read())


def _poppler(tool: str, *args: str) -> str:
    command = [f"/usr/bin/{tool}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout  # noqa: S603


RESOLUTION = 100


def _field_box(pdf: bytes, name: str) -> tuple[float, float, float, float]:
    reader = PdfFileReader(io.BytesIO(pdf))
    for reference in reader.root["/AcroForm"]["/Fields"]:
        field = reference.get_object()
        if str(field.get("/T")) == name:
            x0, y0, x1, y1 = (float(v) for v in field["/Rect"])
            return x0, y0, x1, y1
    raise AssertionError(name)


def _render(path: Path, box: tuple[float, float, float, float]) -> Image.Image:
    """The first page's pixels inside ``box`` (points), as poppler draws the page with its fields."""
    scale = RESOLUTION / 72
    height = float(PdfFileReader(io.BytesIO(path.read_bytes())).root["/Pages"]["/Kids"][0].get_object()["/MediaBox"][3])
    x, y = round(box[0] * scale), round((height - box[3]) * scale)
    width, tall = round((box[2] - box[0]) * scale), round((box[3] - box[1]) * scale)
    out = path.with_suffix("")
    _poppler(
        "pdftoppm",
        "-r",
        str(RESOLUTION),
        "-f",
        "1",
        "-l",
        "1",
        "-gray",
        "-singlefile",
        "-x",
        str(x),
        "-y",
        str(y),
        "-W",
        str(width),
        "-H",
        str(tall),
        str(path),
        str(out),
    )
    return Image.open(f"{out}.pgm").convert("L")


def _render_alone(pdf: bytes, name: str, size: float, folder: Path) -> Image.Image:
    """The field's look drawn on its own, at its size: what the place should look like to a reader."""
    x0, y0, x1, y1 = _field_box(pdf, name)
    look = _appearance_pdf(
        pdf_fields_names(pdf)[name],
        width=x1 - x0,
        height=y1 - y0,
        size=size,
        italic=name == "ngay_ban_hanh",
        multiline=y1 - y0 > 2 * size,
    )
    path = folder / f"{name}.pdf"
    path.write_bytes(look)
    return _render(path, (0, 0, x1 - x0, y1 - y0))


def _looks_like(seen: Image.Image, expected: Image.Image) -> float:
    """The mean difference of two grey images (0 the same, 255 the opposite), allowing a pixel of offset."""
    # compared a third as sharp: what a reader sees, not how each glyph's edge falls on the pixel grid
    small = (max(seen.width // 3, 1), max(seen.height // 3, 1))
    seen, expected = seen.resize(small, Image.Resampling.BOX), expected.resize(small, Image.Resampling.BOX)
    width, height = seen.size
    inner = (1, 1, width - 1, height - 1)
    return min(
        _mean_difference(seen.crop(inner), expected.crop((1 + dx, 1 + dy, width - 1 + dx, height - 1 + dy)))
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )


def _mean_difference(one: Image.Image, other: Image.Image) -> float:
    pixels = list(zip(one.get_flattened_data(), other.get_flattened_data(), strict=True))
    return sum(abs(a - b) for a, b in pixels) / len(pixels)


def test_the_number_and_the_date_are_written_in_their_places_and_every_signature_holds(
    world: Any, tmp_path: Path
) -> None:
    draft = decree30_draft(code="&nbsp;&nbsp;&nbsp;&nbsp;/QĐ-UBND", date_line="Nghệ An, ngày 20 tháng 02 năm 2026")
    outgoing = _issue(world, draft)
    assert outgoing.code == "01/QĐ-UBND"
    final = _issued_pdf(outgoing)
    assert pdf_fields_names(final) == {
        "so_ky_hieu": "Số: 01/QĐ-UBND",
        "ngay_ban_hanh": "Nghệ An, ngày 05 tháng 3 năm 2027",
    }
    path = tmp_path / "issued.pdf"
    path.write_bytes(final)
    # what a reader sees in each place is the field's text on its white box, not the draft's blank number or old date
    draft_places = outgoing.files.get(kind=DocumentFile.Kind.DRAFT).places
    for name, place in (("so_ky_hieu", "number"), ("ngay_ban_hanh", "date")):
        box = _field_box(final, name)
        assert box[0] <= draft_places[place][0] and box[2] >= draft_places[place][2]
        expected = _render_alone(final, name, draft_places[place][4], tmp_path)
        before = tmp_path / "signed.pdf"
        before.write_bytes(bytes(outgoing.files.filter(kind=DocumentFile.Kind.SIGNED).earliest("pk").file.read()))
        assert _looks_like(_render(path, box), expected) < 12, name  # measured 6–9
        assert _looks_like(_render(before, box), expected) > 18, name  # the draft's own text there: 24–28
    # poppler checks each signature over its own bytes: the leader's (the earlier revision) and the seal's
    report = _poppler("pdfsig", str(path))
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Not total document signed" in report and "Total document signed" in report
    # the platform's verification: intact, trusted, and nothing after the leader's signature but form filling
    leader, seal = pdf_verify(pdf=final)
    assert leader.ok and seal.ok
    assert (leader.signer_name, leader.modification) == (world.leader.full_name, "FORM_FILLING")
    assert seal.signer_name == world.agency.name and seal.covers_whole_file


def test_the_leader_signs_a_certified_draft_that_allows_only_filling_and_the_seal(world: Any) -> None:
    draft = decree30_draft(code="&nbsp;&nbsp;/QĐ-UBND", date_line="Nghệ An, ngày &nbsp; tháng &nbsp; năm 2026")
    outgoing = create(world)
    svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload(draft))
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[])
    svc.outgoing_sign(outgoing=outgoing, actor=world.leader)
    signed = bytes(outgoing.files.get(kind=DocumentFile.Kind.SIGNED).file.read())
    assert pdf_fields_names(signed) == {"so_ky_hieu": "", "ngay_ban_hanh": ""}
    assert b"/DocMDP" in signed and b"/P 2" in signed  # a certification signature: form filling and signing
    assert b"/T (Signature2)" in signed or "Signature2".encode("utf-16-be") in signed  # the seal's field, empty


def test_a_draft_without_the_places_still_issues_with_the_number_in_the_seal(world: Any) -> None:
    outgoing = _issue(world, pdf("Công văn không theo mẫu, không có dòng số và ngày"))
    final = _issued_pdf(outgoing)
    assert pdf_fields_names(final) == {}
    assert all(report.ok for report in pdf_verify(pdf=final))
    assert outgoing.files.filter(kind=DocumentFile.Kind.DRAFT).get().places == {}


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (dt.date(2026, 1, 5), "Nghệ An, ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Nghệ An, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "Nghệ An, ngày 09 tháng 3 năm 2026"),
        (dt.date(2026, 12, 31), "Nghệ An, ngày 31 tháng 12 năm 2026"),
    ],
)
def test_the_date_line_follows_decree_30(day: dt.date, line: str) -> None:
    """A day below 10 and the months 1 and 2 take a leading zero (Decree 30, Appendix I)."""
    assert numbering.date_line("Nghệ An", day) == line


def test_the_page_tells_the_drafter_when_the_draft_has_no_places(
    world: Any, client: Any, settings: Any, run_jobs: Any
) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    outgoing = create(world)
    svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload(pdf("Không theo mẫu")))
    client.force_login(world.vp_specialist)
    text = client.get(f"/van-ban/di/{outgoing.pk}/").content.decode()
    assert "Đang đọc nội dung tệp để tra cứu" in text  # not yet read by the worker: no warning yet
    assert "Dự thảo chưa có dòng «Số:» và dòng ngày tháng ở trang đầu" not in text
    run_jobs()
    text = client.get(f"/van-ban/di/{outgoing.pk}/").content.decode()
    assert "Dự thảo chưa có dòng «Số:» và dòng ngày tháng ở trang đầu" in text
