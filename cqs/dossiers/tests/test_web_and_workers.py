"""Two web processes and two workers at the same time on one database (docs/deploy.md, docs/worker.md): dossier
numbers taken through both web processes have no gap and no duplicate, and a periodic job is deferred and run
once per scheduled time although the schedulers of both workers tick for it.

The periodic job is the audit chain's anchoring (``core.audit_anchor``), scheduled every two seconds in
these processes (``CQS_AUDIT_ANCHOR_SECONDS``); its side effect, one line of the anchor file per run,
counts its runs. The workers keep finished jobs (``--delete-jobs=never``) so that they can be counted.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from procrastinate.contrib.django.models import ProcrastinateJob

from cqs.accounts.services import api_token_issue
from cqs.core.tests.processes import platform_processes, processes_env
from cqs.core.tests.samples import PNG
from cqs.dossiers.tests.factories import PDF_BYTES, World
from cqs.dossiers.tests.factories_api import API, filing_payload

pytestmark = pytest.mark.django_db(transaction=True)


ANCHOR_SECONDS = 2  # the anchoring job's schedule in these processes: every two seconds
ANCHOR_RUNS = 3
FILINGS = 12
DEFERRED = re.compile(r"Periodic job core\.audit_anchor\[\d+\]\([^)]*\) deferred for timestamp (\d+)")


def _file(url: str, headers: dict[str, str], payload: dict[str, Any]) -> str:
    answer = requests.post(
        f"{url}{API}/dossiers",
        data={"payload": json.dumps(payload)},
        files=[("files", ("to-khai.pdf", PDF_BYTES, "application/pdf")), ("files", ("anh.png", PNG, "image/png"))],
        headers=headers,
        timeout=120,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def _anchor_jobs() -> list[ProcrastinateJob]:
    return list(ProcrastinateJob.objects.filter(task_name="core.audit_anchor").order_by("id"))


def test_two_web_processes_and_two_workers_number_gap_free_and_run_each_scheduled_job_once(
    w: World, tmp_path: Path
) -> None:
    token = api_token_issue(user=w.citizen, name="kiểm thử", actor=w.citizen)[1]
    headers = {"Authorization": f"Bearer {token}"}
    payload = filing_payload(w)
    env = processes_env(tmp_path, CQS_AUDIT_ANCHOR_SECONDS=str(ANCHOR_SECONDS), LOG_LEVEL="INFO")
    # Finished jobs are kept (status "succeeded") so that every run can be counted afterwards.
    with platform_processes(env, tmp_path, workers=2, worker_options={"delete_jobs": "never"}) as platform:
        web = platform.urls
        with ThreadPoolExecutor(max_workers=4) as pool:  # two requests at a time on each web process
            codes = list(pool.map(lambda n: _file(web[n % 2], headers, payload), range(FILINGS)))
        deadline = time.monotonic() + 60
        while sum(job.status == "succeeded" for job in _anchor_jobs()) < ANCHOR_RUNS:
            assert time.monotonic() < deadline, [(j.args, j.status) for j in _anchor_jobs()]
            time.sleep(0.2)
    # Numbers: one daily sequence of the agency, taken by both processes, without a gap or a duplicate.
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, FILINGS + 1))
    # Schedules: each scheduled time was deferred once although both workers' schedulers ticked for it...
    jobs = _anchor_jobs()
    timestamps = [job.args["timestamp"] for job in jobs]
    assert len(timestamps) == len(set(timestamps)) >= ANCHOR_RUNS
    assert all(timestamp % ANCHOR_SECONDS == 0 for timestamp in timestamps)
    deferred_by = [DEFERRED.findall(worker.log_text()) for worker in platform.workers]
    assert sorted(int(t) for found in deferred_by for t in found) == sorted(timestamps)  # no time by both workers
    # ...and ran once: one line in the anchor file for each job the workers finished.
    finished = [job for job in jobs if job.status == "succeeded"]
    lines = (tmp_path / "anchors.log").read_text().splitlines()
    assert len(lines) == len(finished), (lines, [(j.args, j.status) for j in jobs])
    assert all(job.status in {"succeeded", "todo", "doing"} for job in jobs)
