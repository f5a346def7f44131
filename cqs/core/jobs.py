"""Background jobs (Procrastinate, docs/worker.md): the app, the retry policy jobs declare, failures kept
and listed for the administrator, who may put a failed job back in the queue.

A job is deferred with ``task.defer(...)`` through Django's own connection, so its row commits or
rolls back with the change that needs it; it carries ids, never objects, and calls one service
(DESIGN convention 9). Each job declares its retries with ``retry_backoff``. Procrastinate keeps
no error text, so every failed attempt is written to ``JobError`` for the administrator's page.
A job left "doing" by a worker that died (``kill -9``, a lost machine) is put back in the queue by
``jobs_stalled_retry`` once that worker's heartbeat is older than ``CQS_WORKER_STALLED_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate import App, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.manager import JobManager

from cqs.core.audit import audit_record
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.models import JobError

__all__ = [
    "app",
    "job_failure_record",
    "job_retry_failed",
    "jobs_failed",
    "jobs_stalled_retry",
    "on_app_ready",
    "retry_backoff",
]

# Jobs put back in the queue through Django's own connection, in the transaction that locked them and writes the
# audit: inside a worker, ``app.job_manager`` talks through the worker's pool, a second connection that would wait
# for the row this transaction locked.
_in_this_transaction = JobManager(DjangoConnector())

# Arguments that may carry a one-time code (the text of a mail or SMS): never shown on the failed jobs' page.
HIDDEN_ARGUMENTS = frozenset({"body", "text"})


def retry_backoff(*, attempts: int, first_wait: int = 5) -> RetryStrategy:
    """Retry ``attempts`` times with an exponential wait: first_wait, first_wait², first_wait³… seconds."""
    return RetryStrategy(max_attempts=attempts, exponential_wait=first_wait)


def job_failure_record(call_next: Any, context: Any, worker: Any) -> Any:
    """Task middleware: a failed attempt's error is stored (then raised on, for the retry decision)."""
    try:
        return call_next()
    except Exception as exc:
        job = context.job
        error = "".join(traceback.format_exception_only(exc)).strip() or exc.__class__.__name__
        with transaction.atomic():
            JobError.objects.create(
                job_id=job.id, task_name=job.task_name, attempt=job.attempts + 1, error=error[:4000]
            )
        raise


def on_app_ready(ready: App) -> None:
    """PROCRASTINATE_ON_APP_READY: every worker records failed attempts and beats at the configured pace."""
    middleware = list(ready.worker_defaults.get("task_middleware") or [])
    ready.worker_defaults["task_middleware"] = [*middleware, job_failure_record]
    ready.worker_defaults["update_heartbeat_interval"] = settings.CQS_WORKER_HEARTBEAT_SECONDS
    ready.worker_defaults["stalled_worker_timeout"] = settings.CQS_WORKER_STALLED_SECONDS


def jobs_stalled_retry() -> int:
    """Put back in the queue, audited, the jobs left "doing" by a worker gone silent; how many.

    A worker killed mid-job (``kill -9``, a lost machine) leaves its job "doing" for ever. Its heartbeat
    stops: once it is older than ``CQS_WORKER_STALLED_SECONDS`` (or the worker's row was pruned), the
    job runs again from the start, which every job allows (its service does nothing twice).
    """
    # The database's clock, the one that wrote the heartbeats: a host whose clock runs ahead must not take a
    # living worker for a dead one.
    silent_since = Now() - dt.timedelta(seconds=settings.CQS_WORKER_STALLED_SECONDS)
    retried = 0
    with transaction.atomic():
        stalled = ProcrastinateJob.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            Q(worker__isnull=True) | Q(worker__last_heartbeat__lt=silent_since), status="doing"
        )
        for job in stalled.order_by("id"):
            _requeue(job, actor=None, action="job.stalled_retry")
            retried += 1
    return retried


def _requeue(job: ProcrastinateJob, *, actor: Any, action: str) -> None:
    """``job`` (locked by the caller's transaction) back in the queue to run at once, audited as ``action``."""
    before = {"task_name": job.task_name, "status": job.status, "attempts": job.attempts}
    _in_this_transaction.retry_job_by_id(job_id=job.id, retry_at=timezone.now())
    audit_record(
        actor=actor,
        action=action,
        object_type="procrastinate.procrastinatejob",
        object_id=job.id,
        before=before,
        after={"status": "todo"},
    )


@dataclass(frozen=True)
class FailedJob:
    id: int
    task_name: str
    args: dict[str, Any]
    attempts: int
    error: str
    at: dt.datetime | None


def jobs_failed(*, limit: int = 200) -> list[FailedJob]:
    """The failed jobs, newest first, with the error of their last attempt; message texts (codes) hidden."""
    jobs = list(ProcrastinateJob.objects.filter(status="failed").order_by("-id")[:limit])
    last_errors = {
        error.job_id: error for error in JobError.objects.filter(job_id__in=[j.id for j in jobs]).order_by("id")
    }
    failed = []
    for job in jobs:
        error = last_errors.get(job.id)
        failed.append(
            FailedJob(
                id=job.id,
                task_name=job.task_name,
                args={key: "…" if key in HIDDEN_ARGUMENTS else value for key, value in job.args.items()},
                attempts=job.attempts,
                error=error.error if error is not None else "",
                at=error.at if error is not None else None,
            )
        )
    return failed


@transaction.atomic
def job_retry_failed(*, job_id: int, actor: Any) -> None:
    """Put a failed job back in the queue to run at once, audited."""
    job = ProcrastinateJob.objects.select_for_update().filter(pk=job_id, status="failed").first()
    if job is None:
        raise NotFoundOrForbidden(_("Không tìm thấy tác vụ lỗi này (có thể đã được chạy lại)."))
    _requeue(job, actor=actor, action="job.retry")
