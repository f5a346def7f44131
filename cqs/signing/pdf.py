"""PAdES signatures on PDF files with pyHanko: sign with a stored certificate, verify against the stored roots.

Signing produces PAdES B-B (``/ETSI.CAdES.detached``); when ``settings.CQS_TSA_URL`` is
set, an RFC 3161 timestamp from that authority is added and the signature becomes B-T.
Verification trusts only the root CAs kept in ``signing.Certificate`` and treats a
signer whose certificate has been revoked here (``revoked_at``) as invalid.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.signing import appearance
from cqs.signing.images import appearance_image_generate_seal, appearance_image_generate_signature
from cqs.signing.models import Certificate
from cqs.signing.signers import asn1_certificate, signer_for

logger = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # WeasyPrint subsets the stamp's fonts

PLACEMENTS = ("signature", "seal", "top_right")
T = TypeVar("T")
EXTRA_LINES_MAX = 4
_LINE_HEIGHT = 12  # points, a 10 pt line


@dataclass(frozen=True)
class SignatureReport:
    """What a reader needs to know about one signature of a PDF."""

    field_name: str
    signer_name: str
    serial: str
    intact: bool  # the signed bytes have not changed
    valid: bool  # the cryptographic signature matches
    trusted: bool  # the certificate chains to a stored root CA
    revoked: bool  # the signer's certificate is revoked in this system
    signing_time: dt.datetime | None
    timestamped: bool
    covers_whole_file: bool  # False: the file was modified (appended to) after signing
    modification: str

    @property
    def changed_after_signing(self) -> bool:
        """Content was changed after this signature (more than later signatures, timestamps or form filling)."""
        return self.modification in CONTENT_CHANGES

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked and not self.changed_after_signing

    @property
    def changes_text(self) -> str:
        """What happened to the file after this signature, in Vietnamese."""
        if self.covers_whole_file:
            return "Không có thay đổi nào sau khi ký."
        if self.changed_after_signing:
            return "CÓ — nội dung tệp đã bị sửa đổi sau khi ký."
        return "Chỉ được bổ sung chữ ký số hoặc dấu thời gian sau khi ký (được phép)."

    def describe(self) -> str:
        """The report in Vietnamese, one fact a line."""
        when = timezone.localtime(self.signing_time).strftime("%d/%m/%Y %H:%M:%S") if self.signing_time else "không rõ"
        lines = [
            f"Chữ ký «{self.field_name}»: {'HỢP LỆ' if self.ok else 'KHÔNG HỢP LỆ'}",
            f"  Người ký: {self.signer_name} (số hiệu chứng thư {self.serial})",
            f"  Thời điểm ký: {when}{' (có dấu thời gian)' if self.timestamped else ''}",
            f"  Toàn vẹn dữ liệu: {'có' if self.intact and self.valid else 'KHÔNG — nội dung đã bị thay đổi'}",
            f"  Chuỗi chứng thư tới CA gốc tin cậy: {'có' if self.trusted else 'KHÔNG'}",
        ]
        if self.revoked:
            lines.append("  Chứng thư của người ký ĐÃ BỊ THU HỒI.")
        lines.append(
            "  Phạm vi: toàn bộ tệp"
            if self.covers_whole_file
            else f"  Phạm vi: tệp đã được bổ sung sau khi ký ({self.modification})"
        )
        if self.changed_after_signing:
            lines.append("  Nội dung tệp ĐÃ BỊ SỬA ĐỔI sau khi ký.")
        return "\n".join(lines)


# pyHanko's modification levels beyond what signing workflows add (signatures, timestamps, form fields).
CONTENT_CHANGES = {"ANNOTATIONS", "OTHER"}


# A fixed reservation spares pyHanko a dry-run signature to measure it (CMS with the chain: ~6 kB), by whether a
# timestamp is added.
RESERVED_BYTES = {False: 16384, True: 32768}


def timestamper() -> Any:
    """The RFC 3161 timestamp client of ``settings.CQS_TSA_URL``, or None when no authority is set."""
    url = settings.CQS_TSA_URL
    if not url:
        return None
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(url, timeout=float(settings.CQS_TSA_TIMEOUT))


def _page_box(writer: IncrementalPdfFileWriter, page_index: int) -> tuple[float, float, float, float]:
    """The visible rectangle of a page (its CropBox, else its MediaBox, inherited from the page tree if need be)."""
    page_ref, _resources = writer.find_page_for_modification(page_index)
    node: Any = page_ref.get_object()
    while node is not None:
        for key in ("/CropBox", "/MediaBox"):
            if key in node:
                x1, y1, x2, y2 = (float(v) for v in node[key])
                return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return 0.0, 0.0, 595.0, 842.0


def placement_box(
    writer: IncrementalPdfFileWriter, placement: str, extra_lines: int
) -> tuple[int, tuple[int, int, int, int]]:
    """(page index, box) of a placement; the seal's circle covers the left third of the personal image."""
    page_index = 0 if placement == "top_right" else -1
    _x0, y0, x1, y1 = _page_box(writer, page_index)
    if placement == "signature":
        box = (x1 - 280, y0 + 60, x1 - 30, y0 + 190)
    elif placement == "seal":  # lines beyond two lengthen the caption under the seal downwards
        box = (x1 - 290, max(y0 + 23 - 8 * max(extra_lines - 2, 0), y0 + 2), x1 - 140, y0 + 165)
    else:
        box = (x1 - 275, y1 - 10 - _LINE_HEIGHT * (3 + extra_lines), x1 - 25, y1 - 6)
    return page_index, (round(box[0]), round(box[1]), round(box[2]), round(box[3]))


def _stamp(certificate: Certificate, placement: str, extra_lines: tuple[str, ...]) -> appearance.Stamp:
    image = bytes(certificate.appearance_image or b"")
    if certificate.kind == Certificate.Kind.PERSONAL:
        if placement != "signature":
            raise ValidationFailed(
                "Chỉ chữ ký số của cơ quan, tổ chức mới đặt ở vị trí con dấu hoặc góc trên bên phải."
            )
        return appearance.Stamp(
            appearance.PERSONAL,
            certificate.common_name,
            image or appearance_image_generate_signature(certificate.common_name),
            extra_lines,
        )
    layout = {"signature": appearance.CARD, "seal": appearance.SEAL, "top_right": appearance.ATTACHMENT}[placement]
    agency_name = certificate.agency.name if certificate.agency is not None else certificate.common_name
    return appearance.Stamp(
        layout, certificate.common_name, image or appearance_image_generate_seal(agency_name), extra_lines
    )


def _clean_lines(extra_lines: Sequence[str]) -> tuple[str, ...]:
    if isinstance(extra_lines, str):
        extra_lines = [extra_lines]
    lines = tuple(nfc(" ".join(str(line).split()))[:120] for line in extra_lines if str(line).strip())
    if len(lines) > EXTRA_LINES_MAX:
        raise ValidationFailed(f"Ô chữ ký chỉ ghi thêm được tối đa {EXTRA_LINES_MAX} dòng.")
    return lines


def pdf_sign(
    *,
    pdf: bytes,
    certificate: Certificate,
    reason: str,
    location: str,
    field_name: str = "Signature1",
    visible: bool = True,
    placement: str = "signature",
    extra_lines: Sequence[str] = (),
    certify: bool = False,
) -> bytes:
    """The PDF with one more PAdES signature (an incremental update; earlier signatures stay valid).

    ``placement`` puts the visible appearance: ``"signature"`` the personal signature box at
    the bottom right of the last page; ``"seal"`` the organisation's seal over the left third
    of that box; ``"top_right"`` the organisation's signature at the top right of page 1 (an
    attachment). ``extra_lines`` are printed in the appearance (a title, "Số: 05/QĐ-UBND").
    ``certify``: the first signature of a document certifies it, allowing afterwards only form
    filling and more signatures (DocMDP P=2): how an issued document gets its number and date
    in place without breaking the leader's signature (``cqs.signing.pdf_fields``).
    """
    if placement not in PLACEMENTS:
        raise ValidationFailed(f"Vị trí chữ ký «{placement}» không hợp lệ.")
    lines = _clean_lines(extra_lines)
    certificate = Certificate.objects.select_related("agency").get(pk=certificate.pk)  # the stored state decides
    if certificate.kind == Certificate.Kind.CA:
        raise ValidationFailed("Không dùng chứng thư của CA để ký văn bản.")
    if certificate.revoked_at is not None:
        raise ValidationFailed("Chứng thư số đã bị thu hồi, không thể ký.")
    if not certificate.usable_at():
        raise ValidationFailed("Chứng thư số chưa có hiệu lực hoặc đã hết hạn, không thể ký.")
    stamp = _stamp(certificate, placement, lines) if visible else None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        page_index, box = placement_box(writer, placement, len(lines))
    except (PdfError, ValueError, OSError, KeyError, IndexError) as exc:
        raise ValidationFailed("Tệp không phải là tệp PDF hợp lệ.") from exc
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=certificate.common_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index, box=box if visible else None)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer_for(certificate),
        timestamper=timestamper(),
        stamp_style=appearance.HtmlStampStyle(stamp=stamp) if stamp is not None else None,
        new_field_spec=spec,
    )
    seconds = float(settings.CQS_SIGNING_TIMEOUT)
    try:
        reserved = RESERVED_BYTES[bool(settings.CQS_TSA_URL)]
        out = _within(partial(pdf_signer.sign_pdf, writer, bytes_reserved=reserved), seconds=seconds)
    except FutureTimeout as exc:
        logger.warning("Signing with certificate %s took more than %s s", certificate.serial, seconds)
        raise ValidationFailed(
            f"Máy chủ ký số không trả lời trong {seconds:g} giây: văn bản chưa được ký. Hãy thử lại sau ít phút."
        ) from exc
    except TimestampRequestError as exc:
        logger.warning("Timestamp authority %s failed: %s", settings.CQS_TSA_URL, exc)
        raise ValidationFailed(
            "Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA); văn bản chưa được ký, hãy thử lại sau."
        ) from exc
    except SigningError as exc:
        raise ValidationFailed(f"Trường chữ ký «{field_name}» đã được ký, hãy chọn tên trường khác.") from exc
    except PdfError as exc:
        raise ValidationFailed(f"Không ký được tệp PDF: {exc}") from exc
    except Exception as exc:  # the signing seam: an HSM or a remote service answering with an error
        logger.exception("The signer of certificate %s failed", certificate.serial)
        raise ValidationFailed("Máy chủ ký số báo lỗi: văn bản chưa được ký. Hãy thử lại sau ít phút.") from exc
    return bytes(out.getvalue())


def _within(call: Callable[[], T], *, seconds: float) -> T:
    """Run one signing on a worker thread and wait at most ``seconds`` for it (``FutureTimeout`` past that).

    A remote signer or a TSA that does not answer must not hold the page: the caller gets an error
    and the transaction that would have kept the signed file rolls back, so nothing is half-signed.
    The late worker finishes (or fails) on its own and its result is dropped. On its own thread,
    pyHanko may start its own event loop even when the caller runs one (an async view). The
    caller reads the database first: the worker has no access to the caller's transaction.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cqs-sign")
    try:
        return pool.submit(call).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _outside_event_loop(call: Callable[[], T]) -> T:
    """Run one of pyHanko's synchronous calls, which start their own event loop (``asyncio.run``).

    A thread that already runs a loop (an async view, a caller driving Playwright's sync API)
    cannot start another, so there the call runs on a short-lived worker thread. The caller
    reads the database first: the worker has no access to the caller's transaction.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _validation_context() -> ValidationContext:
    roots = [asn1_certificate(c) for c in Certificate.objects.filter(kind=Certificate.Kind.CA, issuer__isnull=True)]
    intermediates = [
        asn1_certificate(c) for c in Certificate.objects.filter(kind=Certificate.Kind.CA, issuer__isnull=False)
    ]
    # No CRL/OCSP service yet: revocation is checked against ``revoked_at`` after path validation.
    return ValidationContext(
        trust_roots=roots, other_certs=intermediates, allow_fetching=False, revocation_mode="soft-fail"
    )


def next_field_name(pdf: bytes) -> str:
    """``Signature<n+1>`` for a PDF that already carries n signed signature fields.

    Only the fields' names and values are read, not the signatures themselves (parsing their CMS
    costs as much as a signature).
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        taken = {name for name, _value, _ref in fields.enumerate_sig_fields(reader, filled_status=True)}
    except (PdfError, ValueError, OSError) as exc:
        raise ValidationFailed("Tệp không phải là tệp PDF hợp lệ.") from exc
    number = len(taken) + 1
    while f"Signature{number}" in taken:
        number += 1
    return f"Signature{number}"


def pdf_verify(*, pdf: bytes) -> list[SignatureReport]:
    """One report per signature, in document order; a file that is not a PDF is a ValidationFailed."""
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise ValidationFailed("Tệp không phải là tệp PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except (PdfError, ValueError, OSError) as exc:
        raise ValidationFailed("Tệp PDF bị hỏng, không đọc được.") from exc
    revoked = {
        c.serial: c
        for c in Certificate.objects.filter(revoked_at__isnull=False).only("serial", "revoked_at", "common_name")
    }
    reports = []
    for sig in embedded:
        serial = format(sig.signer_cert.serial_number, "x")
        try:
            status = _outside_event_loop(
                partial(validate_pdf_signature, sig, signer_validation_context=_validation_context())
            )
        except Exception as exc:  # a malformed signature is an invalid one, never a crash
            logger.warning("PDF signature %s could not be validated: %s", sig.field_name, exc)
            reports.append(
                SignatureReport(
                    field_name=sig.field_name,
                    signer_name=sig.signer_cert.subject.native.get("common_name", ""),
                    serial=serial,
                    intact=False,
                    valid=False,
                    trusted=False,
                    revoked=serial in revoked,
                    signing_time=None,
                    timestamped=False,
                    covers_whole_file=False,
                    modification="không kiểm tra được",
                )
            )
            continue
        ts = status.timestamp_validity
        trusted_time = ts if ts is not None and ts.intact and ts.valid and ts.trusted else None  # a trusted TSA's
        reports.append(
            SignatureReport(
                field_name=sig.field_name,
                signer_name=status.signing_cert.subject.native.get("common_name", ""),
                serial=serial,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                revoked=serial in revoked,
                signing_time=trusted_time.timestamp if trusted_time else status.signer_reported_dt,
                timestamped=trusted_time is not None,
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                modification=str(status.modification_level.name if status.modification_level else ""),
            )
        )
    return reports
