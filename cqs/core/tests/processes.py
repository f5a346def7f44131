"""Real processes of the platform on the test database, for tests of what must hold across them (docs/deploy.md).

``processes_env`` is the environment they share (the test database as the application's role);
``platform_processes`` starts gunicorn processes, as on machines behind a load balancer, and
``manage.py procrastinate worker`` processes, each with its scheduler, all at once (each process
takes seconds to import the platform); it stops what it started and shows a process's log when it
does not come up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
START_SECONDS = 120


def database_url() -> str:
    """The test database as the application's role, as the tests themselves connect."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    if str(db["HOST"]).startswith("/"):
        return f"postgresql://{credentials}@/{db['NAME']}?host={db['HOST']}&port={db['PORT'] or 5432}"
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def processes_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of the processes: the test database, an anchor file of the test's own, ``settings``."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CQS_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.log"),
        **settings,
    }
    for name in ("DATABASE_TEST_NAME", "DATABASE_OWNER_URL", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start(command: list[str], *, env: dict[str, str], log: Path) -> Process:
    with log.open("wb") as handle:
        popen = subprocess.Popen(  # noqa: S603 (our own gunicorn and manage.py)
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    return Process(popen, log)


def _stop(processes: list[Process]) -> None:
    for process in processes:
        process.popen.terminate()  # SIGTERM: gunicorn and the worker finish what they are doing
    for process in processes:
        process.popen.wait(timeout=30)


def _wait_healthy(process: Process, url: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} did not start:\n{process.log_text()}")
        time.sleep(0.3)


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
    env: dict[str, str], tmp_path: Path, *, web: int = 2, workers: int = 0, worker_options: tuple[str, ...] = ()
) -> Iterator[Platform]:
    """``web`` gunicorn processes (one worker, two threads each) and ``workers`` background workers
    (``manage.py procrastinate worker``, each with its scheduler), all started at once, then waited for
    until every web process answers its health check and every worker is registered; stopped on exit.
    """
    started: list[Process] = []
    urls: list[str] = []
    try:
        for n in range(web):
            port = free_port()
            command = [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--threads=2",
            ]
            started.append(_start(command, env=env, log=tmp_path / f"web{n}.log"))
            urls.append(f"http://127.0.0.1:{port}")
        for n in range(workers):
            command = [sys.executable, "manage.py", "procrastinate", "worker", f"--name=worker-{n}", *worker_options]
            started.append(_start(command, env=env, log=tmp_path / f"worker{n}.log"))
        for server, url in zip(started, urls, strict=False):
            _wait_healthy(server, url)
        _wait_registered(started[web:])
        yield Platform(urls=urls, workers=started[web:])
    finally:
        _stop(started)
