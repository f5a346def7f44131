"""A job left "doing" by a worker killed mid-job (docs/worker.md) runs again once that worker's heartbeat stops,
and only then: the job of a worker that is alive is left alone."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from conftest import worker_run
from cqs.core.jobs import jobs_stalled_retry
from cqs.core.models import AuditEvent
from cqs.core.tasks import jobs_stalled_retry_job
from cqs.notifications.services import email_send

pytestmark = pytest.mark.django_db(transaction=True)


def _taken_by_a_worker(*, silent_seconds: int) -> Any:
    """The queued mail job as a worker leaves it when killed mid-job: "doing", its worker silent for a while."""
    with transaction.atomic():
        email_send(to="an@example.vn", subject="Hồ sơ đã được tiếp nhận", body="…")
    job = ProcrastinateJob.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - make_interval(secs => %s)) "
            "RETURNING id",
            [silent_seconds],
        )
        (worker_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s", [worker_id, job.id]
        )
    return job


def test_the_job_of_a_killed_worker_is_put_back_in_the_queue_and_runs_once(settings: Any) -> None:
    settings.CQS_WORKER_STALLED_SECONDS = 30
    job = _taken_by_a_worker(silent_seconds=31)
    # A worker takes only "todo" jobs: without this recovery (every minute on the workers) it is stuck for ever.
    assert jobs_stalled_retry() == 1
    assert ProcrastinateJob.objects.get(pk=job.id).status == "todo"
    assert AuditEvent.objects.filter(action="job.stalled_retry", object_id=str(job.id)).count() == 1
    worker_run()
    assert [m.subject for m in mail.outbox] == ["Hồ sơ đã được tiếp nhận"]
    assert not ProcrastinateJob.objects.exists()
    assert jobs_stalled_retry() == 0


def test_the_job_of_a_worker_still_beating_is_left_running(settings: Any) -> None:
    settings.CQS_WORKER_STALLED_SECONDS = 30
    job = _taken_by_a_worker(silent_seconds=5)
    assert jobs_stalled_retry() == 0
    assert ProcrastinateJob.objects.get(pk=job.id).status == "doing"


def test_a_host_whose_clock_runs_ahead_takes_no_living_worker_for_a_dead_one(settings: Any) -> None:
    # Heartbeats are written with the database's clock: silence is measured with it too.
    settings.CQS_WORKER_STALLED_SECONDS = 30
    job = _taken_by_a_worker(silent_seconds=5)
    with time_machine.travel(time.time() + 300, tick=False):
        assert jobs_stalled_retry() == 0
    assert ProcrastinateJob.objects.get(pk=job.id).status == "doing"


def test_the_recovery_runs_every_minute_on_the_workers() -> None:
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["core.jobs_stalled_retry"] == "* * * * *"


def test_the_recovery_job_itself_runs_on_a_worker_and_requeues_the_stalled_job(settings: Any) -> None:
    # In a worker, the job manager talks through the worker's own pool: the retry must go through the
    # connection whose transaction locked the job, or it waits for that lock for ever.
    settings.CQS_WORKER_STALLED_SECONDS = 30
    job = _taken_by_a_worker(silent_seconds=31)
    with transaction.atomic():
        jobs_stalled_retry_job.defer(timestamp=0)
    worker_run()
    assert AuditEvent.objects.filter(action="job.stalled_retry", object_id=str(job.id)).count() == 1
    assert [m.subject for m in mail.outbox] == ["Hồ sơ đã được tiếp nhận"]
