"""Real server processes on a given database, for the benchmark, the chaos check and the tests that need them:
a free port, the URL of a Django database, gunicorn and the worker started in a process group of their own
(so that one ``kill -9`` of the group takes the master and its workers), readiness, stopping.

Imports nothing of the platform: the tests of every app may use it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(db: dict[str, Any]) -> str:
    """The URL of a Django ``DATABASES`` entry (its user, password, host or socket, port and name)."""
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    if str(db["HOST"]).startswith("/"):
        return f"postgresql://{credentials}@/{db['NAME']}?host={db['HOST']}&port={db['PORT'] or 5432}"
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def gunicorn_start(
    env: dict[str, str],
    port: int,
    *,
    workers: int = 1,
    threads: int = 1,
    timeout: int = 30,
    log: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """gunicorn serving the platform on 127.0.0.1:``port``, the leader of a process group of its own.

    ``timeout``: seconds a worker may take over a request (its first one loads the URLs and the API's schemas).
    """
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--timeout={timeout}",
        "--log-level=warning",
    ]
    return subprocess.Popen(  # noqa: S603 (our own gunicorn)
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None, start_new_session=True
    )


def worker_start(env: dict[str, str], *, log: IO[bytes] | None = None, **options: str) -> subprocess.Popen[bytes]:
    """``manage.py procrastinate worker`` (``options``: its flags, ``delete_jobs="never"``…), a group of its own."""
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    return subprocess.Popen(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "procrastinate", "worker", *flags],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        start_new_session=True,
    )


def wait_healthy(server: subprocess.Popen[bytes], url: str, *, timeout: float = 120, log: Path | None = None) -> None:
    """Wait until ``url``/healthz answers 200; AssertionError (with the log) when the server stopped or never did."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} did not start:\n{log.read_text() if log else ''}")
        time.sleep(0.3)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """``kill -9`` of the process and every process of its group (gunicorn's master and workers), then reaped."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop_group(process: subprocess.Popen[bytes], *, timeout: float = 30) -> None:
    """SIGTERM to the group (a graceful stop), ``kill -9`` if it has not stopped within ``timeout``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
