"""Active content in PDFs, found by parsing them with qpdf (pikepdf), within bounds.

A PDF is taken only when qpdf can read it, it is not encrypted, and none of its objects carries
something a reader would run or open: JavaScript, Launch, form submission or data import, XFA
forms, RichMedia, embedded files, other documents (GoToR, GoToE), sounds and movies, automatic
or triggered actions (/OpenAction other than a jump inside the document, /AA), or a link that is
not a web, mail or telephone address. Every indirect object is visited, those packed into object
streams included, whatever filters they are encoded with; names are compared after qpdf has
decoded their ``#xx`` escapes, ignoring case. See docs/uploads.md for the policy and its reasons.

The parse is bounded: each Flate, RunLength or predictor decode by ``PDF_MAX_STREAM_BYTES``,
the number of objects by ``PDF_MAX_OBJECTS``, nesting by ``PDF_MAX_NESTING`` and the time spent
by ``PDF_MAX_SECONDS``; a PDF naming the LZW filter (which qpdf decodes without a limit) is not
decoded at all. A file past a bound is refused, not half-checked.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

PDF_MAX_OBJECTS = 200_000
PDF_MAX_NESTING = 64
PDF_MAX_STREAM_BYTES = 64 * 1024 * 1024
PDF_MAX_SECONDS = 10.0
PDF_MAX_FILTERS = 4

# Keys or name values that make a PDF run code, submit or import data, or open something else.
ACTIVE_NAMES = frozenset(
    name.lower()
    for name in (
        "JavaScript",
        "JS",
        "Launch",
        "SubmitForm",
        "ImportData",
        "XFA",
        "RichMedia",
        "RichMediaExecute",
        "EmbeddedFile",
        "EmbeddedFiles",
        "FileAttachment",
        "GoToR",
        "GoToE",
        "Sound",
        "Movie",
        "Rendition",
    )
)
# Link targets a reader may follow; anything else (javascript:, file:, a program) is refused.
SAFE_URI = re.compile(r"^(https?://|mailto:|tel:)", re.IGNORECASE)

# LZW (obsolete since PDF 1.2) is the one filter qpdf decodes without a memory limit: a PDF that names it
# anywhere (``#xx`` escapes decoded) is refused rather than decoded.
_RAW_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")
_RAW_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _names_lzw(data: bytes) -> bool:
    for match in _RAW_NAME.finditer(data):
        name = _RAW_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1)).lower()
        if name in (b"lzwdecode", b"lzw"):
            return True
    return False


# Warnings of qpdf meaning that some object could not be read (and was taken as null).
_UNSEEN_SIGNS = ("error decoding stream", "unfilterable", "object stream")

_LIMITS_SET = False


@dataclass(frozen=True)
class PdfFinding:
    """Why a PDF is refused: a machine code and what was found (a PDF name, or a short description)."""

    code: str
    detail: str = ""


def _limits() -> None:
    """qpdf's decoding limits (process-wide; pikepdf is used by nothing else in the platform)."""
    global _LIMITS_SET
    if not _LIMITS_SET:
        pikepdf.settings.set_qpdf_limits(
            parser_max_nesting=PDF_MAX_NESTING,
            max_stream_filters=PDF_MAX_FILTERS,
            flate_max_memory=PDF_MAX_STREAM_BYTES,
            run_length_max_memory=PDF_MAX_STREAM_BYTES,
            png_max_memory=PDF_MAX_STREAM_BYTES,
            tiff_max_memory=PDF_MAX_STREAM_BYTES,
            dct_max_memory=PDF_MAX_STREAM_BYTES,
        )
        _LIMITS_SET = True


def _name(value: object) -> str:
    return str(value)[1:].lower()


def _action_finding(action: pikepdf.Dictionary) -> PdfFinding | None:
    kind = _name(action.get("/S", pikepdf.Name.Null))
    if kind in ACTIVE_NAMES:
        return PdfFinding("active", kind)
    if kind == "uri":
        uri = action.get("/URI")
        text = bytes(uri).decode("latin-1") if isinstance(uri, pikepdf.String) else ""
        if not SAFE_URI.match(text.strip()):
            return PdfFinding("uri", text[:60])
    return None


def _direct_findings(obj: pikepdf.Object, depth: int = 0) -> Iterator[PdfFinding]:
    """What one object carries, walking its direct sub-objects (indirect ones are visited on their own)."""
    if depth > PDF_MAX_NESTING:
        yield PdfFinding("too_deep")
        return
    if isinstance(obj, pikepdf.Name):
        if _name(obj) in ACTIVE_NAMES:
            yield PdfFinding("active", _name(obj))
        return
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Object) and not item.is_indirect:
                yield from _direct_findings(item, depth + 1)
        return
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if not isinstance(obj, pikepdf.Dictionary):
        return
    for key in [str(name) for name in obj.keys()]:  # noqa: SIM118 (typed: iterating a Dictionary yields Objects)
        lowered = key[1:].lower()
        if lowered in ACTIVE_NAMES:
            yield PdfFinding("active", lowered)
        value = obj.get(key)
        if lowered == "aa" and isinstance(value, pikepdf.Dictionary) and len(value.keys()):
            yield PdfFinding("active", "aa")
        if lowered == "openaction" and isinstance(value, pikepdf.Dictionary):
            finding = _action_finding(value)
            if finding is None and _name(value.get("/S", pikepdf.Name.Null)) != "goto":
                finding = PdfFinding("active", "openaction")
            if finding is not None:
                yield finding
        if isinstance(value, pikepdf.Object) and not value.is_indirect:
            yield from _direct_findings(value, depth + 1)
    if "/S" in obj:
        finding = _action_finding(obj)
        if finding is not None:
            yield finding


def pdf_findings(data: bytes) -> PdfFinding | None:
    """The first reason to refuse ``data`` (a PDF), or None when it is safe to keep and hand out."""
    _limits()
    if _names_lzw(data):
        return PdfFinding("too_large", "LZWDecode")
    started = time.monotonic()
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return PdfFinding("encrypted")
    except (pikepdf.PdfError, ValueError, RuntimeError, OverflowError, MemoryError) as error:
        return PdfFinding("unreadable", str(error)[:120])
    with pdf:
        if pdf.is_encrypted:
            return PdfFinding("encrypted")
        try:
            objects = pdf.objects
            if len(objects) > PDF_MAX_OBJECTS:
                return PdfFinding("too_many_objects", str(len(objects)))
            for finding in _direct_findings(pdf.trailer):
                return finding
            for index, obj in enumerate(objects):
                if index % 256 == 0 and time.monotonic() - started > PDF_MAX_SECONDS:
                    return PdfFinding("too_slow")
                for finding in _direct_findings(obj):
                    return finding
            if len(pdf.pages) == 0:
                return PdfFinding("unreadable", "no pages")
            for warning in pdf.get_warnings():
                # qpdf reads an object it could not decode as null: what a reader without our
                # limits might still run was not seen, so the file is refused.
                if "limit" in warning:
                    return PdfFinding("too_large", warning[-120:])
                if any(sign in warning for sign in _UNSEEN_SIGNS):
                    return PdfFinding("unreadable", warning[-120:])
        except pikepdf.DataDecodingError as error:
            return PdfFinding("too_large" if "limit" in str(error) else "unreadable", str(error)[:120])
        except (pikepdf.PdfError, ValueError, RuntimeError, OverflowError, MemoryError, RecursionError) as error:
            return PdfFinding("unreadable", str(error)[:120])
    return None
