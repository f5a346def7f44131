"""The strict upload checker: recognised by content, bounded in size, no bombs, no scripts, scanned."""

from __future__ import annotations

import hashlib
import io
import re
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
    uploads_stored,
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


JS_ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"
ACTIVE = "chứa %s; không nhận. Hãy lưu lại thành PDF thông thường (ví dụ In → Lưu dưới dạng PDF) rồi gửi lại."


@pytest.mark.parametrize(
    ("pdf", "what"),
    [
        # The bypasses of issue 8: a script in an object stream under ASCIIHex or ASCII85, with the stream's
        # type written with #xx escapes, and XFA with a SubmitForm action.
        (
            samples.pdf_document(packed={4: JS_ACTION}, filters=(b"/ASCIIHexDecode",), objstm_type=b"/Obj#53tm"),
            "mã lệnh JavaScript",
        ),
        (
            samples.pdf_document(packed={4: JS_ACTION}, filters=(b"/ASCII85Decode",), objstm_type=b"/Obj#53tm"),
            "mã lệnh JavaScript",
        ),
        (
            samples.pdf_document(packed={4: JS_ACTION}, filters=(b"/ASCIIHexDecode", b"/FlateDecode")),
            "mã lệnh JavaScript",
        ),
        (samples.pdf_document(packed={4: b"<< /S /J#61vaScript /J#53 (x) >>"}), "mã lệnh JavaScript"),
        (
            samples.pdf_document(
                catalog=b"/AcroForm << /Fields [4 0 R] /XFA 5 0 R >>",
                objects={
                    4: b"<< /FT /Btn /T (gui) /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R "
                    b"/A << /S /SubmitForm /F (https://example.org/thu) >> >>",
                    5: b"<< /Length 7 >>\nstream\n<xdp/>\n\nendstream",
                },
                page=b"/Annots [4 0 R]",
            ),
            "biểu mẫu động XFA",
        ),
        (samples.pdf_with(b"<< /S /SubmitForm /F (https://example.org/) >>"), "lệnh gửi dữ liệu biểu mẫu đi nơi khác"),
        (samples.pdf_with(b"<< /S /ImportData /F (du-lieu.fdf) >>"), "lệnh nhập dữ liệu từ tệp khác"),
        (samples.pdf_with(b"<< /S /Launch /F (cmd.exe) >>"), "lệnh mở chương trình"),
        (samples.pdf_with(b"<< /S /GoToR /F (khac.pdf) /D [0 /Fit] >>"), "liên kết mở tài liệu khác"),
        (
            samples.pdf_document(
                catalog=b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>",
                objects={4: b"<< /Type /Filespec /F (a.exe) >>"},
            ),
            "tệp đính kèm bên trong",
        ),
        (
            samples.pdf_with(b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>"),
            "nội dung đa phương tiện chạy được",
        ),
        # A script given as a stream, reached only through the page's additional actions.
        (
            samples.pdf_document(page=b"/AA << /O 4 0 R >>", objects={4: b"<< /S /Named /N /NextPage >>"}),
            "thao tác tự chạy khi mở hoặc xem tài liệu",
        ),
        (
            samples.pdf_document(catalog=b"/OpenAction << /S /Named /N /Print >>"),
            "thao tác tự chạy khi mở hoặc xem tài liệu",
        ),
        (
            samples.pdf_with(
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (javascript:alert(1)) >> >>"
            ),
            "liên kết không phải địa chỉ web, thư điện tử hay số điện thoại",
        ),
        (samples.pdf_with(b"<< /Names [(x) << /S /JavaScript /JS 5 0 R >>] >>"), "mã lệnh JavaScript"),
    ],
)
def test_pdf_with_active_content_is_refused(pdf: bytes, what: str) -> None:
    assert _refused("mau.pdf", pdf) == f"Tệp PDF “mau.pdf” {ACTIVE % what}"


def test_the_old_byte_scanner_missed_these_bypasses_the_parser_catches() -> None:
    """The JavaScript sits only inside an ASCII85 object stream: no byte of the file spells it."""
    pdf = samples.pdf_document(packed={4: JS_ACTION}, filters=(b"/ASCII85Decode",), objstm_type=b"/Obj#53tm")
    assert b"JavaScript" not in pdf and b"ObjStm" not in pdf
    assert "mã lệnh JavaScript" in _refused("an.pdf", pdf)


def test_pdf_with_a_script_in_an_object_stream_is_refused() -> None:
    assert "mã lệnh JavaScript" in _refused("an.pdf", samples.pdf_with_hidden_script())


@pytest.mark.parametrize(
    "pdf",
    [
        samples.PDF,
        samples.pdf_with(b"<< /JSON (x) /JBIG2Decode 1 /Title (JavaScript) >>"),
        samples.pdf_document(catalog=b"/OpenAction [3 0 R /Fit]"),
        samples.pdf_document(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"),
        samples.pdf_with(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (https://dichvucong.gov.vn/) >> >>"
        ),
        samples.pdf_with(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (mailto:vp@nghean.gov.vn) >> >>"
        ),
        samples.pdf_document(packed={4: b"<< /Producer (May quet) >>"}, filters=(b"/ASCII85Decode",)),
    ],
)
def test_pdfs_without_active_content_pass(pdf: bytes) -> None:
    assert _check("ok.pdf", pdf).kind == "pdf"


def test_a_pdf_made_by_the_platform_passes() -> None:
    import weasyprint

    pdf = weasyprint.HTML(string="<h1>Tờ khai</h1><a href='https://example.org/'>liên kết</a>").write_pdf()
    assert _check("to-khai.pdf", pdf).kind == "pdf"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7 annex",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF",
        samples.PDF[:-200],
        # An object stream qpdf cannot decode: what it holds is unseen, so the file is not taken.
        samples.pdf_document(packed={4: JS_ACTION}, filters=(b"/ASCIIHexDecode",)).replace(
            b"/ASCIIHexDecode", b"/ASCII85Decode"
        ),
    ],
)
def test_an_unreadable_pdf_is_refused(content: bytes) -> None:
    assert _refused("hong.pdf", content) == (
        "Tệp “hong.pdf” không đọc được như một tệp PDF (hỏng hoặc sai định dạng); không nhận."
    )


def test_a_pdf_stream_bomb_is_refused(monkeypatch: Any) -> None:
    """An object stream that inflates past the limit is refused before it fills the memory."""
    from cqs.core import pdfcheck

    filler = b"<< /Producer (" + b"a" * 400_000 + b") >>"
    bomb = samples.pdf_document(packed={4: filler})
    assert len(bomb) < 10_000
    monkeypatch.setattr(pdfcheck, "_LIMITS_SET", False)
    monkeypatch.setattr(pdfcheck, "PDF_MAX_STREAM_BYTES", 100_000)
    try:
        assert _refused("bom.pdf", bomb) == (
            "Tệp PDF “bom.pdf” quá phức tạp để kiểm tra (giải nén quá lớn hoặc quá nhiều đối tượng); không nhận."
        )
    finally:
        monkeypatch.undo()
        pdfcheck._LIMITS_SET = False
        pdfcheck._limits()
    assert _check("vua.pdf", bomb).kind == "pdf"


def test_a_pdf_using_lzw_is_refused_rather_than_decoded_without_limit() -> None:
    lzw = samples.pdf_with(b"<< /Length 1 /Filter /LZW#44ecode >>\nstream\nx\nendstream")
    assert "quá phức tạp để kiểm tra" in _refused("cu.pdf", lzw)


def test_pdf_object_count_and_time_are_bounded(monkeypatch: Any) -> None:
    from cqs.core import pdfcheck

    many = samples.pdf_document(packed={n: b"<< /N %d >>" % n for n in range(4, 60)})
    monkeypatch.setattr(pdfcheck, "PDF_MAX_OBJECTS", 50)
    assert "quá phức tạp để kiểm tra" in _refused("nhieu.pdf", many)
    monkeypatch.setattr(pdfcheck, "PDF_MAX_OBJECTS", 100)
    monkeypatch.setattr(pdfcheck, "PDF_MAX_SECONDS", -1.0)
    assert "quá phức tạp để kiểm tra" in _refused("cham.pdf", many)


def test_encrypted_pdf_is_refused() -> None:
    import pikepdf

    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(samples.PDF)) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(user="", owner="chu-so-huu"))
    assert _refused("khoa.pdf", buffer.getvalue()) == (
        "Tệp PDF “khoa.pdf” được mã hoá hoặc đặt mật khẩu; hãy gửi bản không mã hoá."
    )
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(samples.PDF)) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    assert "được mã hoá hoặc đặt mật khẩu" in _refused("khoa.pdf", buffer.getvalue())


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


@pytest.mark.parametrize("content", [io.BytesIO(samples.PDF), samples.PDF])
def test_download_response_is_a_sandboxed_attachment(content: Any) -> None:
    from cqs.core.uploads import download_response

    response = download_response(content, filename="Tờ khai.pdf", kind="pdf", size=len(samples.PDF))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="to-khai.pdf"')
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(samples.PDF))
    unknown = download_response(b"?", filename="goi.bin")
    assert unknown["Content-Type"] == "application/octet-stream"


def test_no_view_serves_a_stored_file_but_through_download_response() -> None:
    """Every file handed back goes through the one helper (a FileResponse elsewhere would skip its headers)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    offenders = []
    for path in (root / "cqs").rglob("*.py"):
        text = path.read_text()
        if "tests" in path.parts or path.name == "uploads.py":
            continue
        if "FileResponse(" in text or re.search(r"""["']inline[;"']""", text):
            offenders.append(str(path.relative_to(root)))
    # The PDFs the platform draws itself (forms 01–07, the handling slip, a result's draft) open in the viewer.
    assert sorted(offenders) == [
        "cqs/desk/views_results.py",
        "cqs/documents/incoming/views.py",
        "cqs/dossiers/views_forms.py",
    ]


class _StoredFile:
    def __init__(self, disk: set[str]) -> None:
        self.disk, self.name = disk, ""

    def save(self, name: str, content: Any, save: bool) -> None:
        self.name = name
        self.disk.add(name)

    def delete(self, save: bool) -> None:
        self.disk.discard(self.name)


class _Row:
    def __init__(self, disk: set[str], *, broken: bool = False) -> None:
        self.file, self.broken, self.saved = _StoredFile(disk), broken, False

    def save(self) -> None:
        if self.broken:
            raise RuntimeError("the database refused the row")
        self.saved = True


def test_files_written_before_a_failure_are_removed() -> None:
    disk: set[str] = set()
    checked = _check("don.pdf", samples.PDF)
    first = _Row(disk)
    with uploads_stored() as store:
        store(first, checked)
    assert first.saved and disk == {f"{checked.sha256[:16]}.pdf"}
    disk.clear()
    kept, broken = _Row(disk), _Row(disk, broken=True)
    with pytest.raises(RuntimeError), uploads_stored() as store:
        store(kept, checked)
        store(broken, checked)
    assert kept.saved and disk == set()  # the caller's transaction takes the row back; its file is gone
