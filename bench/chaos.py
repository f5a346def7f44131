"""``make chaos`` (``python -m bench.chaos``): nothing answered is lost when web servers and the worker are killed.

Real processes on a database of their own (``cqs_chaos`` on the platform's PostgreSQL server, migrated
and loaded with the demo's units, catalogue, accounts and certificates): two gunicorn servers and one
Procrastinate worker. Several client threads run ``--ops`` API operations — online submissions
(``POST /api/v1/dossiers``), accepts (``POST /api/v1/dossiers/{code}/accept``) and document issues
(``POST /api/v1/documents/outgoing/{id}/issue``, each sent over edXML to a partner this program plays) —
each with an ``Idempotency-Key`` of its own, retried with the same key on a lost connection or a 5xx
until it is answered. Meanwhile a killer ``kill -9``\\s a web server (master and workers) or the worker
at random, starts it again and waits until it is up before the next kill. At the end everything is
killed once more and started again, the queue is drained (the jobs of the killed worker recovered as
``core.jobs_stalled_retry`` does), and ``bench.chaos_checks`` checks the invariants (docs/chaos.md).
Exit status 1 on any violation.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from bench.dossiers import multipart
from bench.processes import (
    ROOT,
    free_port,
    gunicorn_start,
    kill_group,
    stop_group,
    wait_healthy,
    worker_start,
)

CHAOS_DB = "cqs_chaos"
ANSWER_DEADLINE = 600.0  # seconds an operation may stay unanswered through kills before it counts as lost
DRAIN_DEADLINE = 300.0
START_DEADLINE = 300.0  # a process started again on a loaded machine takes tens of seconds to load Django
KINDS = ("submit", "accept", "issue")


@dataclass
class Op:
    """One logical API operation: its key, what it acts on, its final answer and how many tries it took."""

    kind: str
    key: str
    target: str = ""
    status: int = 0
    answer: dict[str, Any] = field(default_factory=dict)
    tries: int = 0


@dataclass
class Plan:
    """What the clients send: the tokens, the submission's parts, the documents ready to issue."""

    citizen_token: str
    officer_token: str
    clerk_token: str
    submission: dict[str, Any]
    pdfs: list[bytes]
    documents: list[int]


class Partner:
    """The agency at the other end of the exchange axis: records the SHA-256 of every package it is sent."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    received[hashlib.sha256(data).hexdigest()] += 1
                body = b'{"status": "OK"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/edxml"
        self.thread = threading.Thread(target=self.server.serve_forever, name="chaos-partner", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Fleet:
    """The web servers and the worker, each restartable after a ``kill -9``; their output in ``logs``."""

    def __init__(self, env: dict[str, str], logs: Path, *, webs: int) -> None:
        self.env, self.logs = env, logs
        self.ports = [free_port() for _ in range(webs)]
        self.webs: list[subprocess.Popen[bytes] | None] = [None] * webs
        self.worker: subprocess.Popen[bytes] | None = None
        self.kills: Counter[str] = Counter()
        self.lock = threading.Lock()

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def _log(self, name: str) -> Any:
        return (self.logs / f"{name}.log").open("ab")

    def start_web(self, index: int) -> None:
        with self._log(f"web{index}") as log:
            self.webs[index] = gunicorn_start(
                self.env, self.ports[index], workers=2, timeout=int(START_DEADLINE), log=log
            )

    def start_worker(self) -> None:
        with self._log("worker") as log:
            self.worker = worker_start(self.env, log=log, delete_jobs="never")

    def wait_web(self, index: int) -> None:
        server = self.webs[index]
        assert server is not None
        wait_healthy(server, self.urls()[index], timeout=START_DEADLINE, log=self.logs / f"web{index}.log")

    def wait_worker(self, since: dt.datetime) -> None:
        """Until a worker has beaten since ``since`` (the one started after the kill, the killed one being dead)."""
        from django.db import close_old_connections
        from procrastinate.contrib.django.models import ProcrastinateWorker

        deadline = time.monotonic() + START_DEADLINE
        while not ProcrastinateWorker.objects.filter(last_heartbeat__gt=since).exists():
            if time.monotonic() > deadline:
                raise AssertionError("the worker did not start again: " + (self.logs / "worker.log").read_text())
            time.sleep(0.5)
        close_old_connections()

    def start(self) -> None:
        since = dt.datetime.now(dt.UTC)
        for index in range(len(self.webs)):
            self.start_web(index)
        self.start_worker()
        for index in range(len(self.webs)):
            self.wait_web(index)
        self.wait_worker(since)

    def kill_one(self) -> None:
        """``kill -9`` the next of the web servers and the worker in turn, start it again, wait until it is up."""
        victim = sum(self.kills.values()) % (len(self.webs) + 1)
        with self.lock:
            since = dt.datetime.now(dt.UTC)
            if victim == len(self.webs):
                assert self.worker is not None
                kill_group(self.worker)
                self.start_worker()
                self.kills["worker"] += 1
            else:
                server = self.webs[victim]
                assert server is not None
                kill_group(server)
                self.start_web(victim)
                self.kills["web"] += 1
        if victim == len(self.webs):
            self.wait_worker(since)
        else:
            self.wait_web(victim)

    def kill_all(self) -> None:
        with self.lock:
            for process in [*self.webs, self.worker]:
                if process is not None:
                    kill_group(process)

    def stop(self) -> None:
        with self.lock:
            for process in [*self.webs, self.worker]:
                if process is not None:
                    stop_group(process)


def _send(session: requests.Session, urls: list[str], op: Op, plan: Plan, rng: random.Random) -> None:
    """The operation tried on any server with its one key until answered (2xx or 4xx); a 5xx or no answer: again."""
    if op.kind == "submit":
        token, path = plan.citizen_token, "/api/v1/dossiers"
        body, content_type = multipart(
            [("payload", "", json.dumps(plan.submission, ensure_ascii=False).encode(), "application/json")]
            + [("files", f"giay-to-{n + 1}.pdf", pdf, "application/pdf") for n, pdf in enumerate(plan.pdfs)]
        )
    elif op.kind == "accept":
        token, path, body, content_type = plan.officer_token, f"/api/v1/dossiers/{op.target}/accept", b"", ""
    else:
        token, path, body, content_type = plan.clerk_token, f"/api/v1/documents/outgoing/{op.target}/issue", b"", ""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": op.key}
    if content_type:
        headers["Content-Type"] = content_type
    deadline = time.monotonic() + ANSWER_DEADLINE
    while time.monotonic() < deadline:
        op.tries += 1
        try:
            response = session.post(rng.choice(urls) + path, data=body, headers=headers, timeout=60)
        except requests.RequestException:
            session.close()
            time.sleep(0.2)
            continue
        if response.status_code >= 500 or response.status_code == 429:
            time.sleep(0.2)
            continue
        op.status = response.status_code
        with contextlib.suppress(ValueError):
            op.answer = response.json()
        return


def _clients(fleet: Fleet, plan: Plan, *, ops: int, clients: int, seed: int) -> list[Op]:
    """``ops`` operations from ``clients`` threads: a third of each kind (an accept needs a submission answered)."""
    done: list[Op] = []
    submitted: queue.SimpleQueue[str] = queue.SimpleQueue()
    documents: queue.SimpleQueue[int] = queue.SimpleQueue()
    for pk in plan.documents:
        documents.put(pk)
    counter = iter(range(ops))
    lock = threading.Lock()
    started = time.monotonic()

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    def client(slot: int) -> None:
        rng = random.Random(seed * 1000 + slot)
        session = requests.Session()
        while (index := next_index()) is not None:
            kind = KINDS[index % 3]
            op = Op(kind=kind, key=f"chaos-{uuid.uuid4()}")
            if kind == "accept":
                try:
                    op.target = submitted.get_nowait()
                except queue.Empty:
                    op.kind = "submit"
            elif kind == "issue":
                op.target = str(documents.get_nowait())
            _send(session, fleet.urls(), op, plan, rng)
            if op.kind == "submit" and 200 <= op.status < 300:
                submitted.put(op.answer["code"])
            with lock:
                done.append(op)
                if len(done) % max(1, ops // 10) == 0:
                    print(f"    {len(done)}/{ops} thao tác ({time.monotonic() - started:.0f} s)", flush=True)

    threads = [
        threading.Thread(target=client, args=(slot,), name=f"chaos-client-{slot}", daemon=True)
        for slot in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


def _killer(fleet: Fleet, stop: threading.Event, *, seed: int, every: tuple[float, float]) -> threading.Thread:
    rng = random.Random(seed)

    def kill() -> None:
        from django.db import connection

        while not stop.wait(rng.uniform(*every)):
            fleet.kill_one()
        connection.close()

    thread = threading.Thread(target=kill, name="chaos-killer")
    thread.start()
    return thread


def _drain() -> None:
    """Wait until the queue is empty, the killed workers' jobs put back in it as ``core.jobs_stalled_retry`` does."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from cqs.core.jobs import jobs_stalled_retry

    deadline = time.monotonic() + DRAIN_DEADLINE
    while time.monotonic() < deadline:
        jobs_stalled_retry()
        if not ProcrastinateJob.objects.filter(status__in=["todo", "doing"]).exists():
            return
        time.sleep(0.5)


@contextlib.contextmanager
def _running(env: dict[str, str], logs: Path, *, webs: int) -> Iterator[Fleet]:
    fleet = Fleet(env, logs, webs=webs)
    try:
        fleet.start()
        yield fleet
    finally:
        fleet.stop()


def chaos_run(
    *,
    database_url: str,
    ops: int,
    clients: int = 4,
    webs: int = 2,
    every: tuple[float, float] = (1.0, 4.0),
    seed: int = 2026,
    media_root: Path,
    logs: Path,
    stalled_seconds: float = 3.0,
) -> list[str]:
    """Run the chaos on ``database_url`` (Django set up on it in this process, data loaded); the violations found."""
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from bench.chaos_checks import chaos_prepare, chaos_verify

    partner = Partner()
    try:
        print(f"==> Chuẩn bị: {ops // 3 + 1} văn bản đã ký chờ phát hành, mã truy cập, đối tác liên thông")
        with override_settings(MEDIA_ROOT=media_root):
            prepared = chaos_prepare(documents=ops // 3 + 1, partner_url=partner.url)
        plan = Plan(**prepared.plan)
        connection.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(media_root),
            "CQS_AUDIT_ANCHOR_FILE": str(settings.CQS_AUDIT_ANCHOR_FILE),
            "CQS_WORKER_HEARTBEAT_SECONDS": "1",
            "CQS_WORKER_STALLED_SECONDS": str(stalled_seconds),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "CQS_SMS_BACKEND": "cqs.notifications.sms.ConsoleBackend",
            "PYTHONPATH": str(ROOT),
        }
        for name in ("DATABASE_TEST_NAME", "DATABASE_OWNER_URL", "DATABASE_REPLICA_URL"):
            env.pop(name, None)
        print(f"==> {webs} máy chủ web (gunicorn) và 1 tiến trình nền; {clients} luồng gửi {ops} thao tác API")
        with _running(env, logs, webs=webs) as fleet:
            stop = threading.Event()
            killer = _killer(fleet, stop, seed=seed, every=every)
            try:
                done = _clients(fleet, plan, ops=ops, clients=clients, seed=seed)
            finally:
                stop.set()
                killer.join()
            print(f"==> Đã kill -9: {fleet.kills['web']} lần máy chủ web, {fleet.kills['worker']} lần tiến trình nền")
            print("==> kill -9 tất cả lần cuối, khởi động lại, chờ hàng đợi tác vụ chạy hết")
            fleet.kill_all()
            fleet.start()
            _drain()
        with override_settings(MEDIA_ROOT=media_root):
            return chaos_verify(done, prepared=prepared, received=partner.received, media_root=media_root)
    finally:
        partner.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000, help="số thao tác API (mặc định 10000)")
    parser.add_argument("--clients", type=int, default=4, help="số luồng gửi yêu cầu")
    parser.add_argument(
        "--kill-every",
        type=float,
        nargs=2,
        default=(1.0, 4.0),
        metavar=("MIN", "MAX"),
        help="khoảng giữa hai lần kill -9 (giây, ngẫu nhiên trong khoảng)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the processes started are stopped on the way out

    from cqs.demo.databases import drop_database, ensure_database, sibling_database_url

    url = sibling_database_url(CHAOS_DB)
    drop_database(url)
    ensure_database(url)
    with tempfile.TemporaryDirectory(prefix="cqs-chaos-") as work:
        media, logs = Path(work) / "media", Path(work) / "logs"
        media.mkdir()
        logs.mkdir()
        os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ["CQS_AUDIT_ANCHOR_FILE"] = str(Path(work) / "anchors.log")  # the anchors of this database only
        os.environ.setdefault("DEBUG", "false")
        import django

        django.setup()
        from django.core.management import call_command

        from bench.chaos_checks import chaos_data_load

        print(f"==> CSDL {CHAOS_DB}: cập nhật cấu trúc (migrate), nạp dữ liệu mẫu")
        call_command("migrate", interactive=False, verbosity=0)
        chaos_data_load()
        started = time.monotonic()
        violations = chaos_run(
            database_url=url,
            ops=args.ops,
            clients=args.clients,
            every=tuple(args.kill_every),
            seed=args.seed,
            media_root=media,
            logs=logs,
        )
        print(f"==> Thời gian: {time.monotonic() - started:.0f} s")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
