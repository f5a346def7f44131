"""Background jobs of the core (docs/worker.md): anchoring the audit chain, forgetting expired Idempotency-Keys,
running again the jobs of a worker that died.

All are periodic: every worker's scheduler tries to defer them, the database keeps one job per
scheduled time, so each runs once per schedule however many workers and hosts run.
"""

from __future__ import annotations

from django.conf import settings

from cqs.core.audit_anchor import anchor_cron, anchor_write
from cqs.core.idempotency import idempotent_requests_purge
from cqs.core.jobs import app, jobs_stalled_retry, retry_backoff


@app.periodic(cron=anchor_cron(settings.CQS_AUDIT_ANCHOR_SECONDS), periodic_id="interval")
@app.task(name="core.audit_anchor", queueing_lock="core.audit_anchor", retry=retry_backoff(attempts=3))
def audit_anchor(timestamp: int) -> int:
    """Every ``CQS_AUDIT_ANCHOR_SECONDS``: append the chain's head to the anchor file and the sinks; its number."""
    anchor = anchor_write()
    return anchor.seq if anchor is not None else 0


@app.periodic(cron="17 * * * *", periodic_id="hourly")
@app.task(name="core.idempotency_purge", queueing_lock="core.idempotency_purge", retry=retry_backoff(attempts=3))
def idempotency_purge(timestamp: int) -> int:
    """Every hour: delete the API requests whose Idempotency-Key has expired (``CQS_IDEMPOTENCY_HOURS``)."""
    return idempotent_requests_purge()


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="core.jobs_stalled_retry", queueing_lock="core.jobs_stalled_retry", retry=retry_backoff(attempts=3))
def jobs_stalled_retry_job(timestamp: int) -> int:
    """Every minute: requeue the jobs of workers whose heartbeat stopped."""
    return jobs_stalled_retry()
