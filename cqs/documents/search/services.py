"""Reading a stored file's text and pages for search, on the background worker.

A file is stored with its text pending (``DocumentFile.text_pending``) and the job
``documents.file_text_read`` deferred in the same transaction (``document_file_text_defer``): the person who
uploaded it does not wait for a PDF to be read (up to ``CQS_TEXT_EXTRACTION_SECONDS`` of CPU per
file). The job calls ``document_file_text_read(file_id=…)``, which reads the file (a PDF through
``extraction``, within limits; an image is one page without text), stores its text, its page count,
why the text is partial or missing and where its first page writes the number and the date, and
indexes the document it belongs to again. A step that needs the text now (signing a draft places the
number and the date where the draft writes them) calls it too: the file is read once, by whichever
comes first.
"""

from __future__ import annotations

from django.db import transaction

from cqs.documents.models import DocumentFile
from cqs.documents.search import extraction, index

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def document_file_text_defer(*, file_id: int) -> None:
    """Defer the reading of a file stored with ``text_pending``, in the current transaction."""
    from cqs.documents.tasks import file_text_read

    file_text_read.defer(file_id=file_id)


@transaction.atomic
def document_file_text_read(*, file_id: int) -> DocumentFile | None:
    """Read the file's text and pages unless read already, then index its document again; None if it is gone."""
    item = DocumentFile.objects.select_for_update().filter(pk=file_id).first()
    if item is None or not item.text_pending:
        return item
    item.places = {}
    if item.content_type in IMAGE_TYPES:
        item.text, item.page_count, item.text_problem = "", 1, ""
    elif item.content_type == "application/pdf":
        with item.file.open("rb") as handle:
            found = extraction.pdf_text_extract(handle.read())
        item.text, item.page_count, item.text_problem, item.places = (
            found.text,
            found.pages,
            found.problem,
            found.places,
        )
    else:
        item.text, item.page_count, item.text_problem = "", None, ""
    item.text_pending = False
    item.save(update_fields=["text", "page_count", "text_problem", "places", "text_pending", "updated_at"])
    if item.incoming_id is not None:
        index.incoming_index(item.incoming_id)
    else:
        assert item.outgoing_id is not None
        index.outgoing_index(item.outgoing_id)
    return item
