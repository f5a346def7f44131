from __future__ import annotations

import datetime as dt
import io
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.signing import appearance, services
from cqs.signing.images import appearance_image_generate_seal, appearance_image_generate_signature
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_sign, pdf_verify

pytestmark = pytest.mark.django_db
PDFTOPPM = "/usr/bin/pdftoppm"
PDFSIG = "/usr/bin/pdfsig"


def _rgba(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGBA")


def _inked(image: Image.Image) -> list[tuple[int, int, int, int]]:
    pixels: Any = image.get_flattened_data()
    return [pixel for pixel in pixels if pixel[3] > 200]


def _alpha(image: Image.Image, x: int, y: int) -> int:
    value: Any = image.getpixel((x, y))
    return int(value[3])


def test_signature_image_is_blue_on_transparent_and_repeatable() -> None:
    data = appearance_image_generate_signature("Lê Văn Thắng")
    image = _rgba(data)
    assert _alpha(image, 0, image.height - 1) == 0 or _alpha(image, image.width - 1, 0) == 0
    ink = _inked(image)
    assert len(ink) > 1000
    assert all(b > r + 60 and b > g + 40 for r, g, b, _a in ink)
    assert appearance_image_generate_signature.__wrapped__("Lê Văn Thắng") == data
    assert appearance_image_generate_signature("Nguyễn Thị Hằng") != data


def test_seal_image_is_a_red_ring_on_transparent() -> None:
    image = _rgba(appearance_image_generate_seal("Ủy ban nhân dân tỉnh Nghệ An"))
    assert image.size == (400, 400)
    assert _alpha(image, 2, 2) == 0 and _alpha(image, 397, 397) == 0  # outside the ring
    assert _alpha(image, 200, 200) > 100  # the star
    ink = _inked(image)
    assert len(ink) > 5000 and all(r > g + 100 and r > b + 100 for r, g, b, _a in ink)


def test_stamp_html_escapes_and_formats_the_time() -> None:
    stamp = appearance.Stamp(appearance.PERSONAL, "Lê <b>Văn</b>", b"\x89PNG", ("CHỦ TỊCH",))
    html = appearance.stamp_html(
        stamp, signed_at=dt.datetime(2026, 3, 5, 1, 2, 3, tzinfo=dt.UTC), width=250, height=130
    )
    assert "Lê &lt;b&gt;Văn&lt;/b&gt;" in html and "CHỦ TỊCH" in html
    assert "Ký số: 05/03/2026 08:02:03" in html  # Vietnam time


# ---------------------------------------------------------------- the appearance image of a certificate


def test_appearance_set_accepts_a_transparent_png_and_is_audited(org_cert: Any, administrator: Any) -> None:
    seal = appearance_image_generate_seal("UBND tỉnh Nghệ An")
    updated = services.certificate_appearance_set(certificate=org_cert, image=seal, actor=administrator)
    assert bytes(updated.appearance_image) == seal
    event = AuditEvent.objects.get(action="signing.certificate_appearance_set")
    assert event.after is not None
    assert event.actor_id == administrator.pk and event.after["size"] == len(seal)
    services.certificate_appearance_set(certificate=org_cert, image=None, actor=administrator)
    org_cert.refresh_from_db()
    assert bytes(org_cert.appearance_image) == b""


def _png(mode: str, size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_appearance_set_refuses_what_is_not_a_transparent_png(org_cert: Any, demo_ca: Any) -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpeg, format="JPEG")
    with pytest.raises(ValidationFailed) as error:
        services.certificate_appearance_set(
            certificate=org_cert, image=ContentFile(jpeg.getvalue(), name="dau.png"), actor=None
        )
    assert error.value.message == "Tệp “dau.png” không đúng loại: ảnh chữ ký, con dấu chỉ nhận PNG."
    with pytest.raises(ValidationFailed) as error:
        services.certificate_appearance_set(certificate=org_cert, image=_png("RGB"), actor=None)
    assert error.value.message == "Ảnh chữ ký, con dấu phải là ảnh PNG nền trong suốt."
    with pytest.raises(ValidationFailed) as error:
        services.certificate_appearance_set(certificate=org_cert, image=_png("RGBA", (2500, 10)), actor=None)
    assert error.value.message == "Ảnh lớn quá: tối đa 2000 × 2000 điểm ảnh và 512 KB."
    # A decompression bomb: a few hundred bytes whose header claims 40000 × 40000 pixels (6.4 GB decoded).
    small = io.BytesIO()
    Image.new("LA", (1, 1)).save(small, format="PNG")
    chunk = b"IHDR" + (40000).to_bytes(4, "big") * 2 + small.getvalue()[24:29]
    claimed = small.getvalue()[:12] + chunk + zlib.crc32(chunk).to_bytes(4, "big") + small.getvalue()[33:]
    with pytest.raises(ValidationFailed) as error:
        services.certificate_appearance_set(
            certificate=org_cert, image=ContentFile(claimed, name="bom.png"), actor=None
        )
    assert error.value.message == "Ảnh lớn quá: tối đa 2000 × 2000 điểm ảnh và 512 KB."
    with pytest.raises(ValidationFailed, match="CA"):
        services.certificate_appearance_set(certificate=demo_ca[1], image=_png("RGBA"), actor=None)
    org_cert.refresh_from_db()
    assert bytes(org_cert.appearance_image) == b""
    assert not AuditEvent.objects.filter(action="signing.certificate_appearance_set").exists()


# ---------------------------------------------------------------- placements


@pytest.fixture
def leader_cert(demo_ca: Any, make_official: Any) -> Certificate:
    leader = make_official("lanhdao")
    return services.certificate_issue(
        issuer=demo_ca[1], common_name="Lê Văn Thắng", kind="personal", owner=leader, actor=None
    )


def _sign(pdf: bytes, cert: Certificate, **kwargs: Any) -> bytes:
    return pdf_sign(pdf=pdf, certificate=cert, reason="Ban hành", location="Nghệ An", **kwargs)


def _rects(signed: bytes) -> dict[str, tuple[int, list[float]]]:
    """Field name → (page index, rectangle) of every signature widget."""
    reader = PdfReader(io.BytesIO(signed))
    found = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig":
                found[str(widget["/T"])] = (index, [float(v) for v in widget["/Rect"]])
    return found


@pytest.fixture(scope="module")
def two_pages() -> bytes:
    import weasyprint

    html = "<p>Trang 1: Quyết định</p><p style='break-before: page'>Trang 2: Nơi nhận</p>"
    return bytes(weasyprint.HTML(string=html).write_pdf())


def test_leader_signs_then_the_clerk_seals_and_signs_the_attachment_place(
    leader_cert: Certificate, org_cert: Certificate, two_pages: bytes, tmp_path: Path
) -> None:
    once = _sign(two_pages, leader_cert, extra_lines=["CHỦ TỊCH"])
    twice = _sign(once, org_cert, field_name="Signature2", placement="seal", extra_lines=["Số: 05/QĐ-UBND"])
    thrice = _sign(twice, org_cert, field_name="Signature3", placement="top_right", extra_lines=("Số: 05/QĐ-UBND",))
    reports = pdf_verify(pdf=thrice)
    assert [r.ok for r in reports] == [True, True, True]
    assert not any(r.changed_after_signing for r in reports)
    assert reports[0].changes_text == "Chỉ được bổ sung chữ ký số hoặc dấu thời gian sau khi ký (được phép)."
    assert reports[2].changes_text == "Không có thay đổi nào sau khi ký."
    rects = _rects(thrice)
    (page1, personal), (page2, seal), (page3, top) = rects["Signature1"], rects["Signature2"], rects["Signature3"]
    assert (page1, page2, page3) == (1, 1, 0)  # last page, last page, first page
    # The seal's circle is centred over the left third of the personal box, at real size (35 mm = 99 pt).
    assert personal[0] < (seal[0] + seal[2]) / 2 < personal[0] + (personal[2] - personal[0]) / 3
    assert seal[2] - seal[0] >= 99
    assert top[3] > 800 and top[2] > 500  # top right of an A4 page
    if Path(PDFSIG).exists():
        path = tmp_path / "signed.pdf"
        path.write_bytes(thrice)
        output = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
        assert output.stdout.count("Signature Validation: Signature is Valid.") == 3


def _render(pdf: bytes, tmp_path: Path, page: int) -> Image.Image:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [PDFTOPPM, "-png", "-r", "72", "-f", str(page), "-l", str(page), str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    [png] = tmp_path.glob("page-*.png")
    return Image.open(png).convert("RGB")


def _count(image: Image.Image, box: list[float], test: Any) -> int:
    left, bottom, right, top = box
    crop = image.crop((int(left), int(image.height - top), int(right), int(image.height - bottom)))
    pixels: Any = crop.get_flattened_data()
    return sum(1 for pixel in pixels if test(*pixel))


def _blue(r: int, g: int, b: int) -> bool:
    return b > 120 and b > r + 60 and b > g + 40


def _red(r: int, g: int, b: int) -> bool:
    return r > 150 and r > g + 80 and r > b + 80


def _dark(r: int, g: int, b: int) -> bool:
    return r + g + b < 200


@pytest.mark.skipif(not Path(PDFTOPPM).exists(), reason="poppler-utils (pdftoppm) is not installed")
def test_the_rendered_page_shows_the_blue_signature_and_the_red_seal(
    leader_cert: Certificate, org_cert: Certificate, small_pdf: bytes, tmp_path: Path
) -> None:
    signed = _sign(_sign(small_pdf, leader_cert), org_cert, field_name="Signature2", placement="seal")
    rects = _rects(signed)
    page = _render(signed, tmp_path, 1)
    personal, seal = rects["Signature1"][1], rects["Signature2"][1]
    right_of_seal = [seal[2], personal[1], personal[2], personal[3]]
    assert _count(page, right_of_seal, _blue) > 150  # the signature, where the seal does not cover it
    assert _count(page, right_of_seal, _dark) > 40  # the name and time
    assert _count(page, seal, _red) > 800
    assert _count(page, [0, 0, personal[0] - 60, page.height], _red) == 0  # nothing outside the boxes


def test_an_uploaded_image_is_used(org_cert: Certificate, small_pdf: bytes, tmp_path: Path) -> None:
    green = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    green.paste((0, 160, 0, 255), (50, 50, 150, 150))
    buffer = io.BytesIO()
    green.save(buffer, format="PNG")
    services.certificate_appearance_set(certificate=org_cert, image=buffer.getvalue(), actor=None)
    signed = _sign(small_pdf, org_cert, placement="seal")
    if Path(PDFTOPPM).exists():
        page = _render(signed, tmp_path, 1)
        seal = _rects(signed)["Signature1"][1]
        assert _count(page, seal, lambda r, g, b: g > 120 and r < 60 and b < 60) > 500
        assert _count(page, seal, _red) == 0


def test_placement_rules(leader_cert: Certificate, org_cert: Certificate, small_pdf: bytes) -> None:
    with pytest.raises(ValidationFailed) as error:
        _sign(small_pdf, leader_cert, placement="seal")
    assert error.value.message == (
        "Chỉ chữ ký số của cơ quan, tổ chức mới đặt ở vị trí con dấu hoặc góc trên bên phải."
    )
    with pytest.raises(ValidationFailed) as error:
        _sign(small_pdf, org_cert, placement="bottom")
    assert error.value.message == "Vị trí chữ ký «bottom» không hợp lệ."
    with pytest.raises(ValidationFailed) as error:
        _sign(small_pdf, org_cert, extra_lines=["1", "2", "3", "4", "5"])
    assert error.value.message == "Ô chữ ký chỉ ghi thêm được tối đa 4 dòng."
    # Lines beyond two lengthen the seal's caption downwards; the seal itself stays where it was.
    two = _rects(_sign(small_pdf, org_cert, placement="seal", extra_lines=["1", "2"]))["Signature1"][1]
    four = _rects(_sign(small_pdf, org_cert, placement="seal", extra_lines=["1", "2", "3", "4"]))["Signature1"][1]
    assert four[3] == two[3] and four[1] == two[1] - 16
    # Invisible signatures ignore where the box would have gone.
    [report] = pdf_verify(pdf=_sign(small_pdf, leader_cert, visible=False))
    assert report.ok


def test_content_changed_after_signing_is_not_valid(org_cert: Certificate, small_pdf: bytes) -> None:
    signed = _sign(small_pdf, org_cert)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    forged = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 50 50 200 200 re f"))
    writer.add_stream_to_page(0, forged)
    out = io.BytesIO()
    writer.write(out)
    [report] = pdf_verify(pdf=out.getvalue())
    assert report.intact and report.valid and report.trusted
    assert report.changed_after_signing and not report.ok
    assert report.changes_text == "CÓ — nội dung tệp đã bị sửa đổi sau khi ký."
    assert "ĐÃ BỊ SỬA ĐỔI" in report.describe()
