"""Minimal real files of each kind the upload checker knows, built in memory for tests."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib


def _pdf_encode(raw: bytes, filters: tuple[bytes, ...]) -> bytes:
    """``raw`` encoded so that a reader decoding with ``filters`` in order gets it back."""
    encoders = {
        b"/FlateDecode": zlib.compress,
        b"/ASCIIHexDecode": lambda data: data.hex().encode() + b">",
        b"/ASCII85Decode": lambda data: base64.a85encode(data) + b"~>",
    }
    for name in reversed(filters):
        raw = encoders[name](raw)
    return raw


def pdf_document(
    *,
    catalog: bytes = b"",
    page: bytes = b"",
    objects: dict[int, bytes] | None = None,
    packed: dict[int, bytes] | None = None,
    filters: tuple[bytes, ...] = (b"/FlateDecode",),
    objstm_type: bytes = b"/ObjStm",
) -> bytes:
    """A one-page PDF 1.7 with a cross-reference stream, written byte by byte.

    Objects 1–3 are the catalog, the page tree and the page (``catalog`` and ``page`` add entries to
    them); ``objects`` adds numbered plain objects (from 4), ``packed`` numbered objects packed into one
    object stream encoded with ``filters`` and typed ``objstm_type`` (so that a test can write the
    type's name with ``#xx`` escapes).
    """
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> " + page + b" >>",
        **(objects or {}),
    }
    packed = packed or {}
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(plain):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, plain[number])
    size = max([*plain, *packed]) + 1
    compressed: dict[int, tuple[int, int]] = {}
    if packed:
        stream_number, size = size, size + 1
        header, body = b"", b""
        for index, number in enumerate(sorted(packed)):
            header += b"%d %d " % (number, len(body))
            body += packed[number] + b"\n"
            compressed[number] = (stream_number, index)
        data = _pdf_encode(header + body, filters)
        offsets[stream_number] = len(out)
        out += b"%d 0 obj\n<< /Type %s /N %d /First %d /Filter [%s] /Length %d >>\nstream\n" % (
            stream_number,
            objstm_type,
            len(packed),
            len(header),
            b" ".join(filters),
            len(data),
        )
        out += data + b"\nendstream\nendobj\n"
    xref_number, size = size, size + 1
    offsets[xref_number] = len(out)
    rows = bytearray()
    for number in range(size):
        if number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        elif number in compressed:
            rows += b"\x02" + compressed[number][0].to_bytes(4, "big") + compressed[number][1].to_bytes(2, "big")
        else:
            rows += b"\x00\x00\x00\x00\x00\xff\xff"
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        xref_number,
        size,
        len(rows),
    )
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


PDF = pdf_document()
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
    """A one-page PDF with ``body`` as its object 4."""
    return pdf_document(objects={4: body})


def pdf_with_hidden_script() -> bytes:
    """A PDF whose JavaScript action hides in a compressed object stream."""
    return pdf_document(catalog=b"/OpenAction 4 0 R", packed={4: b"<< /S /JavaScript /JS (app.alert(1)) >>"})
