"""Reading a stored file's text and pages for search: one entry point, by id, that a background job can call.

``document_file_extract_text(file_id=…)`` reads the file (a PDF through ``extraction``, within
limits; an image is one page without text), stores its text, its page count, why the text is
partial or missing and where its first page writes the number and the date, and indexes the
document it belongs to again. Until the background worker
exists it runs inside the transaction that stored the file.
"""

from __future__ import annotations

from django.db import transaction

from cqs.documents.models import DocumentFile
from cqs.documents.search import extraction, index

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


@transaction.atomic
def document_file_extract_text(*, file_id: int) -> DocumentFile:
    """Store the text and the page count of one file, then index its document again."""
    item = DocumentFile.objects.select_for_update().get(pk=file_id)
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
    item.save(update_fields=["text", "page_count", "text_problem", "places", "updated_at"])
    if item.incoming_id is not None:
        index.incoming_index(item.incoming_id)
    else:
        assert item.outgoing_id is not None
        index.outgoing_index(item.outgoing_id)
    return item
