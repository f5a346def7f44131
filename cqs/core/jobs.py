"""Background jobs (Procrastinate, docs/worker.md): the app, the retry policy jobs declare, failures kept.

A job is deferred with ``task.defer(...)`` through Django's own connection, so its row commits or
rolls back with the change that needs it; it carries ids, never objects, and calls one service
(DESIGN convention 9). Each job declares its retries with ``retry_backoff``. Procrastinate keeps
no error text, so every failed attempt is written to ``JobError`` for the administrator's page.
"""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

from django.db import transaction
from procrastinate import App, RetryStrategy
from procrastinate.contrib.django import app

__all__ = ["app", "job_failure_record", "job_retry", "on_app_ready", "retry_backoff"]


def retry_backoff(*, attempts: int, first_wait: int = 5) -> RetryStrategy:
    """Retry ``attempts`` times with an exponential wait: first_wait, first_wait², first_wait³… seconds."""
    return RetryStrategy(max_attempts=attempts, exponential_wait=first_wait)


def job_failure_record(call_next: Any, context: Any, worker: Any) -> Any:
    """Task middleware: a failed attempt's error is stored (then raised on, for the retry decision)."""
    try:
        return call_next()
    except Exception as exc:
        from cqs.core.models import JobError

        job = context.job
        error = "".join(traceback.format_exception_only(exc)).strip() or exc.__class__.__name__
        with transaction.atomic():
            JobError.objects.create(
                job_id=job.id, task_name=job.task_name, attempt=job.attempts + 1, error=error[:4000]
            )
        raise


def on_app_ready(ready: App) -> None:
    """PROCRASTINATE_ON_APP_READY: every worker records failed attempts."""
    middleware = list(ready.worker_defaults.get("task_middleware") or [])
    ready.worker_defaults["task_middleware"] = [*middleware, job_failure_record]


def job_retry(*, job_id: int, at: dt.datetime) -> None:
    """Put a failed job back in the queue (from ``at`` on), in the caller's transaction."""
    app.job_manager.retry_job_by_id(job_id=job_id, retry_at=at)
