"""The authenticity and integrity check of an electronic document received (Decree 30, REFERENCE §3).

One check, whether the document came over the exchange (``exchange.receive``) or a clerk registers
it by hand (``incoming.services.incoming_register``): its main text is a PDF carrying at least one
digital signature, and every signature on every PDF holds (the signed bytes intact, the signer's
certificate chaining to a root trusted here and not revoked, nothing but signatures and form
filling added after it: ``cqs.signing.pdf.pdf_verify``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cqs.core.errors import ValidationFailed
from cqs.signing.pdf import pdf_verify


@dataclass(frozen=True)
class Checked:
    """One file found sound: its signers, in document order (none for a file that is not a PDF)."""

    name: str
    signers: tuple[str, ...]


def pdf_problem(*, name: str, data: bytes, main: bool, content_type: str = "") -> tuple[str, Checked | None]:
    """(why the file is not acceptable, "" when it is; what was checked)."""
    is_pdf = content_type == "application/pdf" or data[:5] == b"%PDF-"
    if not is_pdf:
        if main:
            return _("Văn bản chính «%(name)s» không phải là tệp PDF.") % {"name": name}, None
        return "", Checked(name=name, signers=())
    try:
        reports = pdf_verify(pdf=data)
    except ValidationFailed:
        return _("Tệp «%(name)s» không phải là tệp PDF hợp lệ.") % {"name": name}, None
    if main and not reports:
        return _("Văn bản chính «%(name)s» chưa được ký số.") % {"name": name}, None
    for report in reports:
        if not report.ok:
            problem = _("Chữ ký số «%(field)s» trên tệp «%(name)s» không hợp lệ.")
            return problem % {"field": report.field_name, "name": name}, None
    return "", Checked(name=name, signers=tuple(report.signer_name for report in reports))
