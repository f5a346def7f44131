"""A document's file as a download: always an attachment (never shown inline), of its detected kind, never cached."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from cqs.core.errors import NotFoundOrForbidden
from cqs.core.uploads import KINDS, PDF, download_response
from cqs.documents.models import DocumentFile

KIND_BY_CONTENT_TYPE = {content_type: kind for kind, (_label, _ext, content_type) in KINDS.items()}


def file_download(item: DocumentFile) -> HttpResponse:
    """The stored file of ``item``, which the caller has already found visible to the reader."""
    kind = KIND_BY_CONTENT_TYPE.get(item.content_type, PDF)
    name = item.name if kind != PDF or item.name.lower().endswith(".pdf") else f"{item.name}.pdf"
    try:
        handle = item.file.open("rb")
    except OSError as error:
        raise NotFoundOrForbidden(_("Không tìm thấy tệp.")) from error
    return download_response(handle, filename=name, kind=kind, size=item.size)
