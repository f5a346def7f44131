"""Papers given with a dossier: every file checked before anything is written, then stored together."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from cqs.catalog.models import ProcedureVersion, RequiredDocument
from cqs.core.errors import ValidationFailed
from cqs.core.text import nfc
from cqs.core.uploads import CheckedUpload, check_upload, uploads_stored
from cqs.dossiers.models import (
    Dossier,
    DossierFile,
    StoredPaper,
)
from cqs.dossiers.services.base import ATTACHMENT_TYPES


@dataclass
class Attachment:
    """A paper given with the dossier: an uploaded file, or a paper from the citizen's store."""

    required_document_id: int | None
    name: str = ""
    upload: Any = None
    stored_paper_id: int | None = None
    source: str = DossierFile.Source.UPLOAD
    verification_code: str = ""


@dataclass
class _CheckedAttachment:
    """An attachment that passed every check: what to write, nothing written yet."""

    document: RequiredDocument | None
    name: str
    source: str
    checked: CheckedUpload | None = None
    paper: StoredPaper | None = None
    verification_code: str = ""


PAGE_COUNT_MAX = 32767  # the field's bound


def page_count(checked: CheckedUpload) -> int | None:
    """The pages of a PDF (a scan's page count must match the original's, Circular 01/2023 Art. 8);
    an image is one page; None when the PDF's page tree cannot be read (the file was still accepted)."""
    if checked.kind != "pdf":
        return 1
    try:
        return min(len(PdfReader(io.BytesIO(checked.content)).pages), PAGE_COUNT_MAX)
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, RecursionError):
        return None


def _check_attachments(
    version: ProcedureVersion, attachments: Iterable[Attachment], *, owner: Any
) -> list[_CheckedAttachment]:
    """Check every attachment (its paper of the procedure, its bytes, the stored paper's owner) before any write."""
    documents = {d.pk: d for d in version.documents.all()}
    prepared: list[_CheckedAttachment] = []
    for attachment in attachments:
        if attachment.required_document_id and attachment.required_document_id not in documents:
            raise ValidationFailed(_("Có giấy tờ không thuộc thủ tục này."))
        document = documents.get(attachment.required_document_id or 0)
        name = nfc(attachment.name) or (document.name if document else _("Giấy tờ khác"))
        if attachment.stored_paper_id is not None:
            paper = (
                StoredPaper.objects.filter(pk=attachment.stored_paper_id, owner=owner).first()
                if getattr(owner, "pk", None) is not None
                else None
            )
            if paper is None:
                raise ValidationFailed(_("Không tìm thấy giấy tờ trong kho dữ liệu của bạn."))
            prepared.append(_CheckedAttachment(document, name, DossierFile.Source.REUSED, paper=paper))
            continue
        if attachment.upload is None:
            raise ValidationFailed(_("Chưa chọn tệp cho giấy tờ “%(name)s”.") % {"name": name})
        checked = check_upload(
            attachment.upload, allowed=ATTACHMENT_TYPES, max_bytes=settings.CQS_ATTACHMENT_MAX_BYTES, label=name
        )
        prepared.append(
            _CheckedAttachment(
                document, name, attachment.source, checked=checked, verification_code=attachment.verification_code
            )
        )
    return prepared


def _store_attachments(dossier: Dossier, prepared: Iterable[_CheckedAttachment], *, uploader: Any) -> None:
    """Write checked attachments; a failure part-way removes the files this call already wrote."""
    by = uploader if getattr(uploader, "is_authenticated", False) else None
    with uploads_stored() as store:
        for item in prepared:
            if item.paper is not None:
                DossierFile.objects.create(
                    dossier=dossier,
                    required_document=item.document,
                    name=item.name,
                    source=DossierFile.Source.REUSED,
                    file=item.paper.file.name,
                    kind=item.paper.kind,
                    size=item.paper.size,
                    sha256=item.paper.sha256,
                    uploaded_by=by,
                )
                continue
            checked = item.checked
            assert checked is not None
            stored = DossierFile(
                dossier=dossier,
                required_document=item.document,
                name=item.name,
                source=item.source,
                kind=checked.kind,
                size=checked.size,
                sha256=checked.sha256,
                page_count=page_count(checked),
                verification_code=item.verification_code,
                uploaded_by=by,
            )
            store(stored, checked)


def _result_attachment(upload: Any, name: str, code: str) -> Attachment:
    return Attachment(
        required_document_id=None,
        name=name or _("Kết quả giải quyết"),
        upload=upload,
        source=DossierFile.Source.RESULT,
        verification_code=code,
    )
