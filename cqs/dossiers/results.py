"""The electronic result of a dossier, rendered from its frozen version's result template.

The handler drafts the content (``Dossier.result_draft``) and previews the PDF, marked
"DỰ THẢO" and without a code. At the leader's approval the final PDF carries its verification
code and a QR code of the public verification page (``verification_url``); the services then
sign it twice (the leader, then the deciding agency's seal) and register it.

The catalogue manager's fragment is substituted, never executed (``cqs.catalog.result_templates``),
and WeasyPrint may load nothing but the embedded ``data:`` QR image.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cqs.catalog import result_templates
from cqs.dossiers.documents import _header, fmt_date
from cqs.dossiers.models import Dossier


def verification_url(code: str) -> str:
    """The absolute address of the public verification page of ``code`` (``settings.CQS_PUBLIC_URL``)."""
    path = reverse("signing:verify_code", kwargs={"code": code})
    return f"{settings.CQS_PUBLIC_URL.rstrip('/')}{path}"


def qr_data_uri(url: str) -> str:
    """A PNG QR code of ``url`` as a data: URI (embedded in the PDF, nothing fetched)."""
    return str(segno.make(url, error="m").png_data_uri(scale=4, border=2))


def result_content(dossier: Dossier, *, note: str = "") -> str:
    """What the result says: the handler's draft, else the leader's note."""
    return (dossier.result_draft or note or "").strip()


def result_values(dossier: Dossier, *, decided_at: dt.datetime | None, content: str) -> dict[str, str]:
    version = dossier.version
    return {
        "ho_ten": dossier.applicant_name,
        "so_dinh_danh": dossier.applicant_id_number,
        "dia_chi": dossier.applicant_address,
        "ten_thu_tuc": version.name or dossier.procedure.name,
        "ma_ho_so": dossier.code,
        "ngay_quyet_dinh": fmt_date(decided_at) if decided_at else "",
        "noi_dung_ket_qua": content,
        "co_quan": dossier.deciding_agency.name,
        "ket_qua_thuc_hien": version.result_type,
    }


def result_html(
    *,
    dossier: Dossier,
    content: str,
    code: str = "",
    decided_at: dt.datetime | None = None,
) -> str:
    """The result page: a draft without ``code``, the final result with its code and QR code."""
    version = dossier.version
    template = result_templates.template_for(result_template=version.result_template, result_type=version.result_type)
    when = decided_at or timezone.now()
    url = verification_url(code) if code else ""
    with translation.override("vi"):
        return render_to_string(
            "dossiers/results/result.html",
            {
                "dossier": dossier,
                "title": result_templates.result_title(version.result_type),
                "header": _header(dossier.deciding_agency, when),
                "body": result_templates.render(
                    template,
                    values=result_values(dossier, decided_at=when, content=content),
                    form=dossier.form_data or {},
                ),
                "draft": not code,
                "code": code,
                "url": url,
                "qr": qr_data_uri(url) if url else "",
            },
        )


def result_pdf(**kwargs: Any) -> bytes:
    """``result_html(**kwargs)`` as a PDF."""
    import weasyprint  # imported here: it takes a second to load, and only the printing needs it
    from weasyprint.urls import URLFetcher

    html = result_html(**kwargs)
    # Embedded data: URIs only (the QR code); any other address in the page is refused.
    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    result = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert result is not None
    return bytes(result)
