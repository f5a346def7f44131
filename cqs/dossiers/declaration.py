"""The declaration (tờ khai) made from the applicant's e-form, as the PDF attached to the dossier.

Online, the applicant fills the e-form once; it is the procedure's declaration (the document the
catalogue marks ``is_declaration``). At filing it is rendered to an A4 PDF with WeasyPrint, like
forms 01–07: the national motto, the addressee, the applicant, every answer, the commitment, and
how the applicant confirmed it (who, how they had logged in, when, from which address). Where
the applicant holds a certificate the services sign the PDF with it; otherwise the confirmation
row (``DeclarationConfirmation``) with the PDF's SHA-256 is the evidence.

The wording is Vietnamese and the PDF is rendered under the Vietnamese locale whatever the
reader's language, as the printed forms are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from cqs.catalog.eforms import eform_rows
from cqs.catalog.models import RequiredDocument
from cqs.core.pdfrender import html_pdf
from cqs.dossiers.documents import _date_line, fmt_datetime
from cqs.dossiers.models import Dossier, FilingMode


@dataclass(frozen=True)
class Confirmation:
    """How the applicant confirmed the declaration, as printed on it."""

    method_label: str
    at: dt.datetime
    ip_address: str | None
    signed: bool


def declaration_html(*, dossier: Dossier, document: RequiredDocument, confirmation: Confirmation) -> str:
    version = dossier.version
    with translation.override("vi"):
        return render_to_string(
            "dossiers/declaration.html",
            {
                "dossier": dossier,
                "title": document.name,
                "template_name": document.template_name,
                "addressee": dossier.deciding_agency.name,
                "rows": eform_rows(version, dict(dossier.form_data or {})),
                "on_behalf": dossier.filing_mode == FilingMode.ON_BEHALF,
                "assisted": dossier.filing_mode == FilingMode.ASSISTED,
                "date_line": _date_line(dossier.receiving_agency, confirmation.at),
                "confirmation": confirmation,
                "confirmed_at": fmt_datetime(confirmation.at),
                "submitted_on": timezone.localtime(confirmation.at).strftime("%d/%m/%Y"),
            },
        )


def declaration_pdf(*, dossier: Dossier, document: RequiredDocument, confirmation: Confirmation) -> bytes:
    from weasyprint.urls import URLFetcher  # imported here: it takes a second to load, and only printing needs it

    html = declaration_html(dossier=dossier, document=document, confirmation=confirmation)
    # Nothing is fetched: every value in the page is text the applicant typed.
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    return html_pdf(html, url_fetcher=fetcher)
