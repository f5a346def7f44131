"""PAdES signatures on PDF files with pyHanko: sign with a stored certificate, verify against the stored roots.

Signing produces PAdES B-B (``/ETSI.CAdES.detached``); when ``settings.CQS_TSA_URL`` is
set, an RFC 3161 timestamp from that authority is added and the signature becomes B-T.
Verification trusts only the root CAs kept in ``signing.Certificate`` and treats a
signer whose certificate has been revoked here (``revoked_at``) as invalid.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from cqs.core.errors import ValidationFailed
from cqs.signing.models import Certificate
from cqs.signing.signers import asn1_certificate, signer_for

logger = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" on every stamp

# A box at the bottom right of the last page (points; A4 is 595 × 842).
STAMP_BOX = (330, 40, 565, 115)
_STAMP_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


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
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked

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
        return "\n".join(lines)


def _timestamper() -> Any:
    url = settings.CQS_TSA_URL
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url)


def _stamp_style() -> TextStampStyle:
    text = "Ký bởi: %(signer)s\nThời gian: %(ts)s"
    for font_path in _STAMP_FONTS:
        if Path(font_path).exists():
            try:
                from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
            except ImportError:  # pyhanko installed without the [opentype] extra
                break
            box = TextBoxStyle(font=GlyphAccumulatorFactory(font_path, font_size=9), font_size=9)  # sizes must match
            return TextStampStyle(stamp_text=text, text_box_style=box, timestamp_format="%d/%m/%Y %H:%M:%S %z")
    # No Unicode font: the built-in Courier only knows Latin-1, so the stamp goes without diacritics.
    return TextStampStyle(stamp_text="Ky boi: %(signer)s\nThoi gian: %(ts)s", timestamp_format="%d/%m/%Y %H:%M:%S %z")


def pdf_sign(
    *,
    pdf: bytes,
    certificate: Certificate,
    reason: str,
    location: str,
    field_name: str = "Signature1",
    visible: bool = True,
) -> bytes:
    """The PDF with one more PAdES signature (an incremental update; earlier signatures stay valid)."""
    certificate = Certificate.objects.get(pk=certificate.pk)  # the stored state decides, not a stale copy
    if certificate.kind == Certificate.Kind.CA:
        raise ValidationFailed("Không dùng chứng thư của CA để ký văn bản.")
    if certificate.revoked_at is not None:
        raise ValidationFailed("Chứng thư số đã bị thu hồi, không thể ký.")
    if not certificate.usable_at():
        raise ValidationFailed("Chứng thư số chưa có hiệu lực hoặc đã hết hạn, không thể ký.")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, OSError) as exc:
        raise ValidationFailed("Tệp không phải là tệp PDF hợp lệ.") from exc
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        name=certificate.common_name,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=-1, box=STAMP_BOX if visible else None)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer_for(certificate),
        timestamper=_timestamper(),
        stamp_style=_stamp_style() if visible else None,
        new_field_spec=spec,
    )
    try:
        out = pdf_signer.sign_pdf(writer)
    except SigningError as exc:
        raise ValidationFailed(f"Trường chữ ký «{field_name}» đã được ký, hãy chọn tên trường khác.") from exc
    except PdfError as exc:
        raise ValidationFailed(f"Không ký được tệp PDF: {exc}") from exc
    return bytes(out.getvalue())


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
    """``Signature<n+1>`` for a PDF that already carries n signature fields."""
    try:
        taken = {sig.field_name for sig in PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures}
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
            status = validate_pdf_signature(sig, signer_validation_context=_validation_context())
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
        reports.append(
            SignatureReport(
                field_name=sig.field_name,
                signer_name=status.signing_cert.subject.native.get("common_name", ""),
                serial=serial,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                revoked=serial in revoked,
                signing_time=ts.timestamp if ts is not None else status.signer_reported_dt,
                timestamped=ts is not None,
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                modification=str(status.modification_level.name if status.modification_level else ""),
            )
        )
    return reports
