"""Strict checks of uploaded files, and the response that hands a stored file back.

A file is recognised by its content only (never its name or the type the browser claims),
must be of an allowed kind, within a size limit, not a zip bomb, not a PDF that is unreadable,
encrypted or carries active content (parsed by ``cqs.core.pdfcheck``), and pass the malware
scanner when one is configured (``settings.CQS_UPLOAD_SCANNER``: the dotted path of a callable
taking the bytes and returning ``None`` when clean or the reason it refuses). Used by every
upload of the platform: catalog templates, dossier attachments, documents, signatures.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.core.errors import ValidationFailed
from cqs.core.pdfcheck import PdfFinding, pdf_findings
from cqs.core.text import fold

# Kinds of file this module recognises: (name shown to people, extension, content type).
PDF, PNG, JPEG, DOCX, XLSX, ODT, DOC = "pdf", "png", "jpeg", "docx", "xlsx", "odt", "doc"
KINDS: dict[str, tuple[str, str, str]] = {
    PDF: ("PDF", "pdf", "application/pdf"),
    PNG: ("PNG", "png", "image/png"),
    JPEG: ("JPEG", "jpg", "image/jpeg"),
    DOCX: ("DOCX", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    XLSX: ("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ODT: ("ODT", "odt", "application/vnd.oasis.opendocument.text"),
    DOC: ("DOC", "doc", "application/msword"),
}
# The order in which allowed kinds are named in messages.
_KIND_ORDER = [PDF, DOCX, ODT, DOC, XLSX, PNG, JPEG]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The name of a Word document's main stream, as an OLE directory entry stores it (UTF-16LE).
WORD_STREAM = "WordDocument".encode("utf-16-le")

ZIP_MAX_ENTRIES = 2000
ZIP_MAX_RATIO = 20  # total uncompressed size ≤ 20 × the upload limit
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAME_MAX = 200
_SAFE_STEM_MAX = 60
_READ_CHUNK = 64 * 1024


def kind_label(kind: str) -> str:
    return KINDS[kind][0]


def kind_content_type(kind: str) -> str:
    return KINDS[kind][2] if kind in KINDS else "application/octet-stream"


def kind_extension(kind: str) -> str:
    return KINDS[kind][1]


def allowed_text(allowed: set[str] | frozenset[str]) -> str:
    """The allowed kinds as people read them: “PDF, DOCX, ODT”."""
    ordered = [k for k in _KIND_ORDER if k in allowed] + sorted(k for k in allowed if k not in _KIND_ORDER)
    return ", ".join(KINDS[k][0] if k in KINDS else k.upper() for k in ordered)


def size_text(size: int) -> str:
    """A size in Vietnamese notation: “5 MB”, “1,5 MB”, “300 KB”."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{size} byte"


def _odt_mimetype(head: bytes) -> bytes | None:
    """The ``mimetype`` entry's text when it is the zip's first entry, stored uncompressed (as ODF requires)."""
    if len(head) < 30 or not head.startswith(ZIP_MAGIC):
        return None
    method = int.from_bytes(head[8:10], "little")
    size = int.from_bytes(head[18:22], "little")
    name_length = int.from_bytes(head[26:28], "little")
    extra_length = int.from_bytes(head[28:30], "little")
    if method != 0 or head[30 : 30 + name_length] != b"mimetype":
        return None
    start = 30 + name_length + extra_length
    return head[start : start + size] if size < 200 else None


def sniff_type(head: bytes, *, zip_names: list[str] | None = None) -> str | None:
    """The kind of a file from its first bytes (and, for a zip container, its entry names); None if unknown.

    A zip container (DOCX, XLSX, ODT) is only recognised when ``zip_names`` is given.
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(OLE_MAGIC):
        return DOC
    if head.startswith(ZIP_MAGIC) and zip_names is not None:
        names = set(zip_names)
        if "mimetype" in names and _odt_mimetype(head) == ODT_MIMETYPE:
            return ODT
        if "[Content_Types].xml" in names:
            if any(name.startswith("word/") for name in names):
                return DOCX
            if any(name.startswith("xl/") for name in names):
                return XLSX
    return None


def clean_filename(name: str) -> str:
    """The name a person gave the file: NFC, without folders or control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cf", "Cs", "Co"})
    name = " ".join(name.split()).strip(" .")
    if len(name) > _NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: _NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:_NAME_MAX]
    return name


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, with what is known of it."""

    kind: str
    size: int
    sha256: str
    original_name: str
    extension: str
    content: bytes = field(repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return kind_content_type(self.kind)

    @property
    def filename(self) -> str:
        """The name to give the file back under: the person's name with the extension of what it really is."""
        stem = self.original_name
        head, dot, ext = stem.rpartition(".")
        if dot and head and len(ext) <= 10:
            stem = head
        return f"{stem or _('tep')}.{self.extension}"

    @property
    def safe_name(self) -> str:
        """An ASCII name for storage: the folded name in lower case, words joined by hyphens."""
        stem = self.filename.rsplit(".", 1)[0]
        slug = "-".join(re.sub(r"[^a-z0-9]+", " ", fold(stem)).split())[:_SAFE_STEM_MAX].strip("-")
        return f"{slug or 'tep'}.{self.extension}"


def _read_bounded(file: Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the file, from its start."""
    if hasattr(file, "seek"):
        file.seek(0)
    buffer = io.BytesIO()
    chunks = file.chunks(_READ_CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(_READ_CHUNK), b"")
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > limit:
            break
    return buffer.getvalue()[: limit + 1]


# What a refused PDF carried, in words (the names as cqs.core.pdfcheck reports them, lower case).
_PDF_ACTIVE_WORDS = {
    "javascript": gettext_lazy("mã lệnh JavaScript"),
    "js": gettext_lazy("mã lệnh JavaScript"),
    "launch": gettext_lazy("lệnh mở chương trình"),
    "submitform": gettext_lazy("lệnh gửi dữ liệu biểu mẫu đi nơi khác"),
    "importdata": gettext_lazy("lệnh nhập dữ liệu từ tệp khác"),
    "xfa": gettext_lazy("biểu mẫu động XFA"),
    "embeddedfile": gettext_lazy("tệp đính kèm bên trong"),
    "embeddedfiles": gettext_lazy("tệp đính kèm bên trong"),
    "fileattachment": gettext_lazy("tệp đính kèm bên trong"),
    "gotor": gettext_lazy("liên kết mở tài liệu khác"),
    "gotoe": gettext_lazy("liên kết mở tài liệu khác"),
}


def _pdf_refusal(finding: PdfFinding, shown: str) -> ValidationFailed:
    if finding.code == "encrypted":
        return ValidationFailed(
            _("Tệp PDF “%(name)s” được mã hoá hoặc đặt mật khẩu; hãy gửi bản không mã hoá.") % {"name": shown},
            code="upload_pdf_encrypted",
        )
    if finding.code == "unreadable":
        return ValidationFailed(
            _("Tệp “%(name)s” không đọc được như một tệp PDF (hỏng hoặc sai định dạng); không nhận.") % {"name": shown},
            code="upload_pdf_unreadable",
        )
    if finding.code in {"active", "uri"}:
        if finding.code == "uri":
            what = _("liên kết không phải địa chỉ web, thư điện tử hay số điện thoại")
        elif finding.detail in _PDF_ACTIVE_WORDS:
            what = str(_PDF_ACTIVE_WORDS[finding.detail])
        elif finding.detail == "aa" or finding.detail.startswith("openaction"):
            what = _("thao tác tự chạy khi mở hoặc xem tài liệu")
        else:
            what = _("nội dung đa phương tiện chạy được")
        return ValidationFailed(
            _(
                "Tệp PDF “%(name)s” chứa %(what)s; không nhận. Hãy lưu lại thành PDF thông thường "
                "(ví dụ In → Lưu dưới dạng PDF) rồi gửi lại."
            )
            % {"name": shown, "what": what},
            code="upload_pdf_active",
        )
    return ValidationFailed(
        _("Tệp PDF “%(name)s” quá phức tạp để kiểm tra (giải nén quá lớn hoặc quá nhiều đối tượng); không nhận.")
        % {"name": shown},
        code="upload_pdf_too_complex",
    )


def _scanner() -> Callable[[bytes], str | None] | None:
    path = getattr(settings, "CQS_UPLOAD_SCANNER", "") or ""
    return import_string(path) if path else None


def check_upload(file: Any, *, allowed: set[str], max_bytes: int, label: str) -> CheckedUpload:
    """Accept an uploaded file or refuse it with a precise Vietnamese message.

    ``label`` names what is uploaded (“mẫu đơn, tờ khai”), for the message about its type.
    """
    name = clean_filename(getattr(file, "name", "") or "")
    shown = name or _("không tên")
    data = _read_bounded(file, max_bytes)
    if not data:
        raise ValidationFailed(_("Tệp “%(name)s” trống (0 byte).") % {"name": shown}, code="upload_empty")
    if len(data) > max_bytes:
        raise ValidationFailed(
            _("Tệp “%(name)s” lớn hơn giới hạn %(limit)s.") % {"name": shown, "limit": size_text(max_bytes)},
            code="upload_too_large",
        )
    zip_names: list[str] | None = None
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
            entries = None
        if entries is not None:
            total = sum(entry.file_size for entry in entries)
            if len(entries) > ZIP_MAX_ENTRIES or total > ZIP_MAX_RATIO * max_bytes:
                raise ValidationFailed(
                    _("Tệp “%(name)s” là tệp nén bất thường (quá nhiều thành phần hoặc giải nén quá lớn); không nhận.")
                    % {"name": shown},
                    code="upload_zip_bomb",
                )
            zip_names = [entry.filename for entry in entries]
    kind = sniff_type(data, zip_names=zip_names)
    if kind == DOC and WORD_STREAM not in data:
        kind = None  # an OLE container that is not a Word document (Excel 97, an installer…)
    if kind is None or kind not in allowed:
        raise ValidationFailed(
            _("Tệp “%(name)s” không đúng loại: %(label)s chỉ nhận %(allowed)s.")
            % {"name": shown, "label": label, "allowed": allowed_text(allowed)},
            code="upload_type",
        )
    if kind == PDF:
        finding = pdf_findings(data)
        if finding is not None:
            raise _pdf_refusal(finding, shown)
    scanner = _scanner()
    if scanner is not None:
        reason = scanner(data)
        if reason:
            raise ValidationFailed(
                _("Tệp bị từ chối do phát hiện mã độc: %(reason)s") % {"reason": reason}, code="upload_malware"
            )
    return CheckedUpload(
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=name,
        extension=kind_extension(kind),
        content=data,
    )


class _RowWithFile(Protocol):
    """A model instance whose ``file`` field holds an upload."""

    @property
    def file(self) -> FieldFile: ...

    def save(self, *args: Any, **kwargs: Any) -> None: ...


@contextmanager
def uploads_stored() -> Iterator[Callable[[_RowWithFile, CheckedUpload], None]]:
    """A ``store(row, checked)`` that writes the checked upload to the row's file (named by its digest) and saves
    the row; an error inside the block removes every file the block already wrote, so none is left without a row."""
    written: list[_RowWithFile] = []

    def store(row: _RowWithFile, checked: CheckedUpload) -> None:
        row.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False)
        written.append(row)
        row.save()

    try:
        yield store
    except Exception:
        for row in written:
            row.file.delete(save=False)
        raise


def attachment_disposition(filename: str) -> str:
    """``Content-Disposition: attachment`` with an ASCII fallback and the exact name as RFC 6266 ``filename*``."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    ascii_stem = "-".join(re.sub(r"[^a-z0-9]+", " ", fold(stem)).split()) or "tep"
    fallback = f"{ascii_stem}.{ext}" if ext and ext.isascii() and ext.isalnum() else ascii_stem
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# Headers of every stored or uploaded file handed back: always a download, never a page of the
# site (a script in it cannot run with the site's origin: sandboxed, nothing loads), never sniffed
# as another type, never kept in a shared cache.
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def download_response(
    file: Any, *, filename: str, kind: str | None = None, content_type: str | None = None, size: int | None = None
) -> HttpResponse:
    """A stored or uploaded file (an open file, streamed, or bytes) as a sandboxed download.

    The content type is that of the detected ``kind`` (or ``content_type``, else a byte stream);
    the response carries ``Content-Disposition: attachment`` and ``DOWNLOAD_HEADERS``. Every view
    and API endpoint that hands back a file people or other systems put on the platform uses it.
    """
    content_type = kind_content_type(kind) if kind else (content_type or "application/octet-stream")
    response: HttpResponse
    if isinstance(file, bytes | bytearray | memoryview):
        response = HttpResponse(bytes(file), content_type=content_type)
        response["Content-Length"] = str(len(response.content))
    else:
        # A streamed response is an HttpResponseBase; the views' and API's types only know HttpResponse.
        response = cast(HttpResponse, FileResponse(file, content_type=content_type))
        if size is not None and not response.has_header("Content-Length"):
            response["Content-Length"] = str(size)
    response["Content-Disposition"] = attachment_disposition(filename)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response
