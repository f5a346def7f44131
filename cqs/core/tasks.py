"""Background jobs of the core (docs/worker.md): the jobs of a worker that died are run again."""

from __future__ import annotations

from cqs.core.jobs import app, jobs_stalled_retry, retry_backoff


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="core.jobs_stalled_retry", queueing_lock="core.jobs_stalled_retry", retry=retry_backoff(attempts=3))
def jobs_stalled_retry_job(timestamp: int) -> int:
    """Every minute, once across every worker: requeue the jobs of workers whose heartbeat stopped."""
    return jobs_stalled_retry()
