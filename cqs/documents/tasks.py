"""Background jobs of documents (docs/worker.md): the edXML outbox relay, reading uploaded files for search."""

from __future__ import annotations

from cqs.core.jobs import app, retry_backoff
from cqs.documents.exchange.outbox import outbox_relay
from cqs.documents.search.services import document_file_text_read


@app.task(name="documents.exchange_messages_send", retry=retry_backoff(attempts=5))
def exchange_messages_send(*, message_ids: list[int]) -> int:
    """Send the edXML messages a committed change queued (deferred in its transaction)."""
    return outbox_relay(limit=len(message_ids), ids=message_ids)


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="documents.exchange_relay", queueing_lock="documents.exchange_relay", retry=retry_backoff(attempts=3))
def exchange_relay(timestamp: int) -> int:
    """Every minute, once across every worker: send due messages, retrying failed ones when their backoff is up."""
    return outbox_relay(limit=100)


@app.task(name="documents.file_text_read", retry=retry_backoff(attempts=3))
def file_text_read(*, file_id: int) -> int:
    """Read a stored file's text and pages for search (deferred with the upload); its page count."""
    item = document_file_text_read(file_id=file_id)
    return (item.page_count or 0) if item is not None else 0
