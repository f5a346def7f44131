"""How documents are indexed for full-text search; one place, so every writer stores the same thing.

``search_text`` is the folded metadata (number and symbol, sender or recipients, subject,
signer; no diacritics, "đ" as "d"); ``search_vector`` = to_tsvector('simple', …) of the
folded metadata (weight A) and the folded text of the document's PDF files (weight C).
Services call ``incoming_index`` / ``outgoing_index`` after every change that touches these; the text
of a stored file is read once, within limits, by ``search.services.document_file_text_read`` (on the background worker).
"""

from __future__ import annotations

from django.db import connection

from cqs.core.text import fold
from cqs.documents.models import DocumentFile, IncomingDocument, OutgoingDocument

MAX_TEXT = 200_000  # characters of a file's text kept for search (a long annex is searched by its start)

# The search vector from two SQL expressions (the folded metadata, the folded file text); the bulk loader uses it too.
VECTOR_SQL = "setweight(to_tsvector('simple', {metadata}), 'A') || setweight(to_tsvector('simple', {text}), 'C')"

_UPDATE_SQL = f"""
UPDATE {{table}} AS d SET
    search_text = %s,
    search_vector = {VECTOR_SQL.format(metadata="%s", text="%s")}
WHERE d.id = %s
"""  # noqa: S608 (constants only; the values are parameters)


def _files_text(files: list[DocumentFile]) -> str:
    return fold(" ".join(f.text for f in files))[:MAX_TEXT]


def incoming_index(document_id: int) -> None:
    document = IncomingDocument.objects.select_related("document_type").get(pk=document_id)
    metadata = fold(
        " ".join(
            [
                document.code,
                str(document.number),
                document.sender_name,
                document.sender_code,
                document.document_type.name,
                document.subject,
                document.signer_name,
            ]
        )
    )
    files = list(DocumentFile.objects.filter(incoming_id=document_id).exclude(kind=DocumentFile.Kind.DRAFT))
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_SQL.format(table="documents_incomingdocument"),
            [metadata, metadata, _files_text(files), document_id],
        )


def outgoing_index(document_id: int) -> None:
    document = OutgoingDocument.objects.select_related("document_type", "signer").get(pk=document_id)
    recipients = " ".join(document.recipients.values_list("name", flat=True))
    metadata = fold(
        " ".join(
            [
                document.code,
                document.document_type.name,
                document.subject,
                document.signer.full_name if document.signer else "",
                recipients,
            ]
        )
    )
    # Only the newest text counts: the signed copy when there is one, else the latest draft.
    files = list(DocumentFile.objects.filter(outgoing_id=document_id).order_by("-version", "-pk"))
    signed = [f for f in files if f.kind == DocumentFile.Kind.SIGNED]
    drafts = [f for f in files if f.kind in (DocumentFile.Kind.DRAFT, DocumentFile.Kind.MAIN)]
    attachments = [f for f in files if f.kind == DocumentFile.Kind.ATTACHMENT]
    body = signed[:1] or drafts[:1]
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_SQL.format(table="documents_outgoingdocument"),
            [metadata, metadata, _files_text(body + attachments), document_id],
        )
