"""Minimal real files of each kind the upload checker knows, built in memory for tests."""

from __future__ import annotations

import io
import zipfile
import zlib

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\x0bIDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
# An OLE compound file header followed by a directory entry naming the Word stream.
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 64
XLS_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 64


def _zip(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(extra: list[tuple[str, bytes]] | None = None) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", "<w:document>Tờ khai</w:document>".encode()),
            *(extra or []),
        ]
    )


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", b"<workbook/>")])


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return _zip(
        [("mimetype", mimetype), ("content.xml", b"<office:document-content/>"), ("META-INF/manifest.xml", b"<m/>")],
        stored_first=True,
    )


def plain_zip() -> bytes:
    return _zip([("readme.txt", b"xin chao")])


def zip_bomb(uncompressed: int) -> bytes:
    """A DOCX-looking zip whose one entry inflates to ``uncompressed`` bytes of zeros."""
    return docx([("word/media/bomb.bin", b"\x00" * uncompressed)])


def zip_many(count: int) -> bytes:
    return docx([(f"word/media/{n}.xml", b"") for n in range(count)])


def pdf_with(body: bytes) -> bytes:
    return PDF.replace(b"trailer", body + b"\ntrailer")


def pdf_with_hidden_script() -> bytes:
    """A PDF whose JavaScript action hides in a compressed object stream."""
    hidden = zlib.compress(b"3 0 << /S /JavaScript /JS (app.alert(1)) >>")
    return pdf_with(
        b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj"
        % (len(hidden), hidden)
    )
