"""The draft of a dossier's electronic result, as a PDF, for whoever may draft it now."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.uploads import attachment_disposition
from cqs.desk.views import _load
from cqs.dossiers import results, transitions


@official_required()
@require_safe
def result_preview(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _load(request, code)
    if not transitions.allows(request.user, dossier, transitions.Action.DRAFT_RESULT):
        raise Http404
    pdf = results.result_pdf(dossier=dossier, content=results.result_content(dossier))
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = attachment_disposition(f"du-thao-ket-qua-{dossier.code}.pdf")
    response["Content-Disposition"] = "inline" + disposition[len("attachment") :]
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
