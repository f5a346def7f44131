"""The background worker (docs/worker.md): jobs commit or roll back with the change, run once, are retried
with backoff, keep their errors; periodic jobs are deferred once per schedule whichever worker ticks."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import DjangoApp, app
from procrastinate.contrib.django.models import ProcrastinateJob

from conftest import scheduler_tick, worker_run
from cqs.core.jobs import on_app_ready, retry_backoff
from cqs.core.models import JobError
from cqs.notifications.services import email_send

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_deferred_in_a_rolled_back_transaction_never_runs() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(to="an@example.vn", subject="Không bao giờ gửi", body="…")
        assert ProcrastinateJob.objects.count() == 1  # the job's row, in the change's transaction
        raise RuntimeError("rollback")
    assert not ProcrastinateJob.objects.exists()
    worker_run()
    assert mail.outbox == []


def test_a_committed_job_runs_once() -> None:
    with transaction.atomic():
        email_send(to="an@example.vn", subject="Mã xác nhận", body="123456")
    worker_run()
    worker_run()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["an@example.vn"], "Mã xác nhận")]
    assert not ProcrastinateJob.objects.exists()  # finished jobs are deleted


@pytest.fixture
def failing() -> Any:
    """A throwaway app (as procrastinate documents for tests) with a task that always fails, 2 s then 4 s apart."""
    throwaway = DjangoApp(connector=app.connector)
    on_app_ready(throwaway)

    @throwaway.task(name="tests.always_fails", retry=retry_backoff(attempts=2, first_wait=2))
    def always_fails(*, dossier_id: int) -> None:
        raise ConnectionError(f"Máy chủ thư không trả lời (hồ sơ {dossier_id})")

    return throwaway, always_fails


def _job() -> ProcrastinateJob:
    return ProcrastinateJob.objects.get(task_name="tests.always_fails")


def test_a_failing_job_is_retried_with_backoff_and_keeps_its_errors(failing: Any) -> None:
    throwaway, always_fails = failing
    always_fails.defer(dossier_id=7)
    waits = []
    for _ in range(2):
        worker_run(throwaway)
        job = _job()
        assert job.status == "todo" and job.scheduled_at is not None
        waits.append((job.scheduled_at - JobError.objects.latest("id").at).total_seconds())
        time.sleep(max(0.0, (job.scheduled_at - timezone.now()).total_seconds()) + 0.2)
    worker_run(throwaway)
    assert _job().status == "failed" and _job().attempts == 3
    assert [round(w) for w in waits] == [2, 4]
    errors = list(JobError.objects.order_by("id").values_list("task_name", "attempt", "error"))
    assert errors == [
        ("tests.always_fails", n, "ConnectionError: Máy chủ thư không trả lời (hồ sơ 7)") for n in (1, 2, 3)
    ]


def test_two_workers_schedulers_defer_the_relay_once_per_minute() -> None:
    now = time.time()
    scheduler_tick(now)  # two workers, each with its own connection and scheduler, tick in the same minute
    scheduler_tick(now)
    relays = ProcrastinateJob.objects.filter(task_name="documents.exchange_relay")
    assert relays.count() == 1 and relays.get().args == {"timestamp": int(now // 60 * 60)}
