"""A second running instance of the platform, agency B (UBND tỉnh Hà Tĩnh), for the exchange tests.

Agency A (UBND tỉnh Nghệ An) is the test process, served by pytest-django's ``live_server``.
Agency B is gunicorn in a subprocess, with its own database on the same PostgreSQL server,
cloned from a template database brought up to the current migrations, seeded by ``manage.py
exchange_demo_peer``. The fixtures that start it and introduce the two agencies to each other are
in this folder's ``conftest.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import requests
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[3]
PEER_ID, PEER_NAME = "000.00.00.H42", "UBND tỉnh Hà Tĩnh"
PEER_CLERK, PEER_PASSWORD = "vanthu_hatinh", "Hong-Linh-2026!"


def _db() -> dict[str, str]:
    """The owner's credentials (the tests themselves run as the application's role, which cannot create databases)."""
    owner = django_settings.CQS_DATABASE_OWNER or django_settings.DATABASES["default"]
    return {key: str(owner[key] or "") for key in ("HOST", "PORT", "USER", "PASSWORD")}


def _connect(dbname: str) -> psycopg.Connection[Any]:
    db = _db()
    return psycopg.connect(
        dbname=dbname,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def _url(dbname: str) -> str:
    db = _db()
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = db["HOST"]
    if host.startswith("/"):
        return f"postgresql://{credentials}@/{dbname}?host={host}" + (f"&port={db['PORT']}" if db["PORT"] else "")
    return f"postgresql://{credentials}@{host}:{db['PORT'] or 5432}/{dbname}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Peer:
    url: str
    env: dict[str, str]
    root_pem: Path
    workdir: Path

    @property
    def endpoint(self) -> str:
        return f"{self.url}/lien-thong/edxml/"

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def _database_prepare(base: str) -> str:
    """A fresh database for agency B, cloned from a template migrated to the current code."""
    template, name = f"{base}_peer_tpl", f"{base}_peer_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    env = {**os.environ, "DATABASE_URL": _url(template)}
    with _connect("postgres") as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone() is None:
                conn.execute(f"CREATE DATABASE \"{template}\" ENCODING 'UTF8' TEMPLATE template0")
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert migrated.returncode == 0, migrated.stderr
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    return name


@contextmanager
def peer_running(live_server_url: str, workdir: Path) -> Iterator[Peer]:
    """Agency B: migrated, seeded, knowing agency A at ``live_server_url``, its web server and worker running
    until the block ends."""
    base = django_settings.DATABASES["default"]["NAME"]
    name = _database_prepare(str(base))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _url(name),
        "MEDIA_ROOT": str(workdir / "media"),
        "CQS_AUDIT_ANCHOR_FILE": str(workdir / "audit-anchors.log"),
        "CQS_EXCHANGE_TIMEOUT": "15",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CQS_OFFICIAL_TOTP_REQUIRED": "false",  # B's clerk signs in with a password in the browser journey
    }
    env.pop("DATABASE_TEST_NAME", None)
    peer = Peer(url=f"http://127.0.0.1:{port}", env=env, root_pem=workdir / "peer-root.pem", workdir=workdir)
    peer.manage(
        "exchange_demo_peer",
        f"--organ-id={PEER_ID}",
        f"--name={PEER_NAME}",
        f"--clerk={PEER_CLERK}",
        f"--password={PEER_PASSWORD}",
        "--peer-organ-id=000.00.00.H40",
        "--peer-name=UBND tỉnh Nghệ An",
        f"--peer-endpoint={live_server_url}/lien-thong/edxml/",
        f"--export-ca={peer.root_pem}",
    )
    log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn)
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--threads=4",
            "--timeout=120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker_log = (workdir / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency=1"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(peer.endpoint, timeout=20).status_code == 405:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"agency B did not start:\n{(workdir / 'gunicorn.log').read_text()}")
            time.sleep(0.3)
        yield peer
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=30)
        log.close()
        worker_log.close()
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def eventually(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the expected state was not reached in time")
        time.sleep(0.2)
