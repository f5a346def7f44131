"""The strict upload checker: recognised by content, bounded in size, no bombs, no scripts, scanned."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cqs.core.errors import ValidationFailed
from cqs.core.tests import samples
from cqs.core.uploads import (
    attachment_disposition,
    check_upload,
    clean_filename,
    size_text,
    sniff_type,
)

TEMPLATES = {"pdf", "docx", "odt", "doc"}
MB = 1024 * 1024


def scanner_finds_eicar(data: bytes) -> str | None:
    return "EICAR-Test-File" if b"EICAR" in data else None


def _check(name: str, content: bytes, *, allowed: set[str] | None = None, max_bytes: int = 5 * MB) -> Any:
    return check_upload(
        SimpleUploadedFile(name, content, content_type="application/pdf"),
        allowed=allowed or TEMPLATES,
        max_bytes=max_bytes,
        label="mẫu đơn, tờ khai",
    )


def _refused(name: str, content: bytes, **kwargs: Any) -> str:
    with pytest.raises(ValidationFailed) as caught:
        _check(name, content, **kwargs)
    return caught.value.message


def _names(content: bytes) -> list[str]:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(content)).namelist()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (samples.PDF, "pdf"),
        (samples.PNG, "png"),
        (samples.JPEG, "jpeg"),
        (samples.DOC, "doc"),
        (samples.docx(), "docx"),
        (samples.xlsx(), "xlsx"),
        (samples.odt(), "odt"),
    ],
)
def test_sniff_type_recognises_each_kind_by_content(content: bytes, kind: str) -> None:
    names = _names(content) if content.startswith(b"PK") else None
    assert sniff_type(content, zip_names=names) == kind


def test_sniff_type_refuses_what_it_does_not_know() -> None:
    assert sniff_type(b"") is None
    assert sniff_type(b"GIF89a....") is None
    assert sniff_type("Tờ khai".encode()) is None
    assert sniff_type(samples.docx()) is None  # a zip needs its entry names
    assert sniff_type(samples.plain_zip(), zip_names=_names(samples.plain_zip())) is None
    template = samples.odt(b"application/vnd.oasis.opendocument.text-template")
    assert sniff_type(template, zip_names=_names(template)) is None


@pytest.mark.parametrize(
    ("name", "content", "kind", "filename"),
    [
        ("Tờ khai đăng ký khai sinh.pdf", samples.PDF, "pdf", "Tờ khai đăng ký khai sinh.pdf"),
        ("mau.docx", samples.docx(), "docx", "mau.docx"),
        ("mẫu-01.odt", samples.odt(), "odt", "mẫu-01.odt"),
        ("don.doc", samples.DOC, "doc", "don.doc"),
        # The extension follows the content, not the name.
        ("to-khai.pdf", samples.docx(), "docx", "to-khai.docx"),
    ],
)
def test_check_upload_accepts_templates(name: str, content: bytes, kind: str, filename: str) -> None:
    checked = _check(name, content)
    assert checked.kind == kind
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.filename == filename
    assert checked.content == content


def test_check_upload_normalises_the_name() -> None:
    decomposed = "C:\\Users\\a\\..\\To\u031b\u0300 khai\x07\u202e.pdf"
    checked = _check(decomposed, samples.PDF)
    assert checked.original_name == "Tờ khai.pdf"
    assert checked.extension == "pdf"
    assert checked.safe_name == "to-khai.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert _check("Đơn đề nghị (mẫu số 01).docx", samples.docx()).safe_name == "don-de-nghi-mau-so-01.docx"
    nameless = check_upload(io.BytesIO(samples.PDF), allowed=TEMPLATES, max_bytes=MB, label="mẫu")
    assert (nameless.original_name, nameless.filename, nameless.safe_name) == ("", "tep.pdf", "tep.pdf")


def test_a_png_renamed_pdf_is_refused_for_templates() -> None:
    assert _refused("to-khai.pdf", samples.PNG) == (
        "Tệp “to-khai.pdf” không đúng loại: mẫu đơn, tờ khai chỉ nhận PDF, DOCX, ODT, DOC."
    )
    assert _check("anh.pdf", samples.PNG, allowed={"png", "jpeg"}).filename == "anh.png"


def test_other_containers_are_refused() -> None:
    assert "không đúng loại" in _refused("bang.xlsx", samples.xlsx())
    assert "không đúng loại" in _refused("bang.doc", samples.XLS_OLE)
    assert "không đúng loại" in _refused("nen.zip", samples.plain_zip())
    assert "không đúng loại" in _refused("hong.docx", b"PK\x03\x04 not really a zip")


def test_empty_and_too_large_files_are_refused() -> None:
    assert _refused("trong.pdf", b"") == "Tệp “trong.pdf” trống (0 byte)."
    big = samples.PDF + b"%" * (5 * MB)
    assert _refused("lon.pdf", big) == "Tệp “lon.pdf” lớn hơn giới hạn 5 MB."
    assert _check("vua.pdf", samples.PDF + b"%" * (5 * MB - len(samples.PDF))).size == 5 * MB
    assert size_text(1536 * 1024) == "1,5 MB"
    assert size_text(300 * 1024) == "300 KB"


def test_zip_bombs_are_refused() -> None:
    bomb = samples.zip_bomb(21 * 10_000)
    assert len(bomb) < 10_000
    message = _refused("bom.docx", bomb, max_bytes=10_000)
    assert message == ("Tệp “bom.docx” là tệp nén bất thường (quá nhiều thành phần hoặc giải nén quá lớn); không nhận.")
    assert _check("vua.docx", samples.zip_bomb(19 * 10_000), max_bytes=10_000).kind == "docx"
    assert "tệp nén bất thường" in _refused("nhieu.docx", samples.zip_many(2001))
    assert _check("du.docx", samples.zip_many(1990)).kind == "docx"


@pytest.mark.parametrize(
    "body",
    [
        b"3 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj",
        b"3 0 obj\n<< /OpenAction << /JS (x) >> >>\nendobj",
        b"3 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj",
        b"3 0 obj\n<< /S /J#61vaScript >>\nendobj",
    ],
)
def test_pdf_with_scripts_is_refused(body: bytes) -> None:
    assert _refused("mau.pdf", samples.pdf_with(body)) == (
        "Tệp PDF “mau.pdf” chứa mã lệnh (JavaScript hoặc lệnh mở chương trình); không nhận."
    )


def test_pdf_with_a_script_in_an_object_stream_is_refused() -> None:
    assert "chứa mã lệnh" in _refused("an.pdf", samples.pdf_with_hidden_script())


def test_pdf_names_that_only_look_alike_pass() -> None:
    assert _check("ok.pdf", samples.pdf_with(b"3 0 obj\n<< /JSON (x) /JBIG2Decode 1 >>\nendobj")).kind == "pdf"


def test_encrypted_pdf_is_refused() -> None:
    encrypted = samples.PDF.replace(b"<< /Root 1 0 R >>", b"<< /Root 1 0 R /Encrypt 5 0 R >>")
    assert _refused("khoa.pdf", encrypted) == (
        "Tệp PDF “khoa.pdf” được mã hoá hoặc đặt mật khẩu; hãy gửi bản không mã hoá."
    )


def test_the_configured_scanner_refuses(settings: Any) -> None:
    settings.CQS_UPLOAD_SCANNER = "cqs.core.tests.test_uploads.scanner_finds_eicar"
    infected = samples.pdf_with(b"% EICAR")
    assert _refused("virus.pdf", infected) == "Tệp bị từ chối do phát hiện mã độc: EICAR-Test-File"
    assert _check("sach.pdf", samples.PDF).kind == "pdf"


def test_no_scanner_by_default(settings: Any) -> None:
    settings.CQS_UPLOAD_SCANNER = ""
    assert _check("eicar.pdf", samples.pdf_with(b"% EICAR")).kind == "pdf"


def test_attachment_disposition_gives_the_vietnamese_name_and_an_ascii_fallback() -> None:
    assert attachment_disposition("Tờ khai đăng ký khai sinh.docx") == (
        'attachment; filename="to-khai-dang-ky-khai-sinh.docx"; '
        "filename*=UTF-8''T%E1%BB%9D%20khai%20%C4%91%C4%83ng%20k%C3%BD%20khai%20sinh.docx"
    )
    assert attachment_disposition('a"b;.pdf').startswith('attachment; filename="a-b.pdf"')
