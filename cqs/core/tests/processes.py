"""Real processes of the platform on the test database, for tests of what must hold across them (docs/deploy.md).

``processes_env`` is the environment they share (the test database as the application's role);
``platform_processes`` starts gunicorn processes, as on machines behind a load balancer, and
``manage.py procrastinate worker`` processes, each with its scheduler, all at once (each process
takes seconds to import the platform); it stops what it started and shows a process's log when it
does not come up.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from bench.processes import ROOT, database_url, free_port, gunicorn_start, stop_group, wait_healthy, worker_start

__all__ = ["ROOT", "Platform", "Process", "platform_processes", "processes_env"]

START_SECONDS = 120


def processes_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of the processes: the test database as the application's role (as the tests themselves
    connect), an anchor file of the test's own, ``settings``."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CQS_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.log"),
        **settings,
    }
    for name in ("DATABASE_TEST_NAME", "DATABASE_OWNER_URL", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    return env


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_registered(workers: list[Process]) -> None:
    from procrastinate.contrib.django.models import ProcrastinateWorker

    deadline = time.monotonic() + START_SECONDS
    while ProcrastinateWorker.objects.count() < len(workers):
        stopped = [worker for worker in workers if worker.popen.poll() is not None]
        if stopped or time.monotonic() > deadline:
            logs = "\n".join(worker.log_text() for worker in stopped or workers)
            raise AssertionError(f"The workers did not start:\n{logs}")
        time.sleep(0.3)


@dataclass
class Platform:
    urls: list[str]  # the web processes' base URLs
    workers: list[Process]


@contextmanager
def platform_processes(
    env: dict[str, str], tmp_path: Path, *, web: int = 2, workers: int = 0, worker_options: dict[str, str] | None = None
) -> Iterator[Platform]:
    """``web`` gunicorn processes (one worker, two threads each) and ``workers`` background workers
    (``manage.py procrastinate worker``, each with its scheduler; ``worker_options``: its flags), all started
    at once, then waited for until every web process answers its health check and every worker is
    registered; stopped on exit.
    """
    started: list[Process] = []
    urls: list[str] = []
    try:
        for n in range(web):
            port = free_port()
            log = tmp_path / f"web{n}.log"
            with log.open("wb") as handle:
                started.append(Process(gunicorn_start(env, port, threads=2, log=handle), log))
            urls.append(f"http://127.0.0.1:{port}")
        for n in range(workers):
            log = tmp_path / f"worker{n}.log"
            with log.open("wb") as handle:
                popen = worker_start(env, log=handle, name=f"worker-{n}", **(worker_options or {}))
            started.append(Process(popen, log))
        for server, url in zip(started, urls, strict=False):
            wait_healthy(server.popen, url, timeout=START_SECONDS, log=server.log)
        _wait_registered(started[web:])
        yield Platform(urls=urls, workers=started[web:])
    finally:
        for process in started:
            stop_group(process.popen)
