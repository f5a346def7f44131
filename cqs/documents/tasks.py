"""Background jobs of documents (docs/worker.md): the edXML outbox relay."""

from __future__ import annotations

from cqs.core.jobs import app, retry_backoff
from cqs.documents.exchange.outbox import outbox_relay


@app.task(name="documents.exchange_messages_send", retry=retry_backoff(attempts=5))
def exchange_messages_send(*, message_ids: list[int]) -> int:
    """Send the edXML messages a committed change queued (deferred in its transaction)."""
    return outbox_relay(limit=len(message_ids), ids=message_ids)


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="documents.exchange_relay", queueing_lock="documents.exchange_relay", retry=retry_backoff(attempts=3))
def exchange_relay(timestamp: int) -> int:
    """Every minute, once across every worker: send due messages, retrying failed ones when their backoff is up."""
    return outbox_relay(limit=100)
