"""Two running instances of the platform exchange a document over HTTP, end to end (edXML, QCVN 102:2016).

Agency A (UBND tỉnh Nghệ An) is this test process, served by pytest-django's ``live_server``.
Agency B (UBND tỉnh Hà Tĩnh) is a second instance: gunicorn in a subprocess, with its own
database on the same PostgreSQL server, migrated once per session (a template database that
each session's copy is cloned from), seeded by ``manage.py exchange_demo_peer``. Each side
trusts the other's root CA (``exchange_trust_ca``) and knows the other's endpoint.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction

from cqs.documents import exchange_outbox
from cqs.documents.models import ExchangeMessage, ExchangePartner, Recipient
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import issued_outgoing

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[3]
PEER_ID, PEER_NAME = "000.00.00.H42", "UBND tỉnh Hà Tĩnh"
PEER_CLERK = "vanthu_hatinh"
TAMPERED_REASON = "Chữ ký số của gói tin edXML không hợp lệ: nội dung đã bị thay đổi sau khi ký."


def _db() -> dict[str, str]:
    return {key: str(django_settings.DATABASES["default"][key] or "") for key in ("HOST", "PORT", "USER", "PASSWORD")}


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


@pytest.fixture(scope="session")
def peer(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    """Agency B: a second instance of the platform, running, seeded, knowing agency A (the live server)."""
    base = django_settings.DATABASES["default"]["NAME"]
    name = _database_prepare(str(base))
    workdir = tmp_path_factory.mktemp("peer")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _url(name),
        "MEDIA_ROOT": str(workdir / "media"),
        "CQS_EXCHANGE_TIMEOUT": "15",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_TEST_NAME", None)
    peer = Peer(url=f"http://127.0.0.1:{port}", env=env, root_pem=workdir / "peer-root.pem", workdir=workdir)
    peer.manage(
        "exchange_demo_peer",
        f"--organ-id={PEER_ID}",
        f"--name={PEER_NAME}",
        f"--clerk={PEER_CLERK}",
        "--peer-organ-id=000.00.00.H40",
        "--peer-name=UBND tỉnh Nghệ An",
        f"--peer-endpoint={live_server.url}/lien-thong/edxml/",
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
        server.terminate()
        server.wait(timeout=30)
        log.close()
        with _connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _eventually(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the expected state was not reached in time")
        time.sleep(0.2)


@pytest.fixture
def agency_a(agency: Any, org_cert: Any, demo_ca: Any, peer: Peer, tmp_path: Path) -> factories.DocumentsWorld:
    """Agency A, knowing B's endpoint and trusting B's root CA; B trusting A's root CA."""
    w = factories.documents_world()
    ExchangePartner.objects.create(organ_id=PEER_ID, name=PEER_NAME, endpoint=peer.endpoint)
    call_command("exchange_trust_ca", str(peer.root_pem))
    own_root = tmp_path / "a-root.pem"
    own_root.write_text(demo_ca[0].certificate_pem)
    peer.manage("exchange_trust_ca", str(own_root))
    return w


def _send(w: factories.DocumentsWorld, certificate: Any, *, number: int) -> Any:
    return issued_outgoing(
        w,
        certificate=certificate,
        number=number,
        recipients=[{"channel": Recipient.Channel.EDXML, "organ_id": PEER_ID, "name": PEER_NAME}],
    )


def _recipient(outgoing: Any) -> Recipient:
    return Recipient.objects.get(outgoing=outgoing)


def test_a_document_goes_to_the_second_instance_and_its_statuses_come_back(
    agency_a: factories.DocumentsWorld, org_cert: Any, peer: Peer
) -> None:
    outgoing = _send(agency_a, org_cert, number=7)
    with transaction.atomic():
        exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=agency_a.clerk)
    # Relayed after commit: B answered 200 and sent back 01 (arrived) while taking it.
    sent = ExchangeMessage.objects.get(direction="out", kind="document")
    assert (sent.state, sent.attempts) == ("sent", 1)
    _eventually(lambda: _recipient(outgoing).status_code == "01")
    assert _recipient(outgoing).sent_at is not None

    # B's clerk accepts it into B's incoming register; 03 comes back to A.
    out = peer.manage("exchange_accept", sent.document_id, f"--clerk={PEER_CLERK}")
    assert out.startswith("Đã tiếp nhận, số đến 1/")
    _eventually(lambda: _recipient(outgoing).status_code == "03")
    statuses = ExchangeMessage.objects.filter(direction="in", kind="status").order_by("pk")
    assert [s.status_code for s in statuses] == ["01", "03"]
    assert {s.from_organ_id for s in statuses} == {PEER_ID}


def test_a_tampered_package_is_refused_by_the_second_instance_with_02_and_the_reason(
    agency_a: factories.DocumentsWorld, org_cert: Any, settings: Any
) -> None:
    settings.CQS_EXCHANGE_RELAY_ON_COMMIT = False
    outgoing = _send(agency_a, org_cert, number=8)
    exchange_outbox.recipients_dispatch(outgoing=outgoing, actor=agency_a.clerk)
    message = ExchangeMessage.objects.get(direction="out", kind="document")
    data = message.payload.read()
    message.payload.close()
    tampered = data.replace("chuyển đổi số".encode(), b"chuyen doi so")
    assert tampered != data
    with message.payload.open("wb") as handle:
        handle.write(tampered)

    assert exchange_outbox.outbox_relay() == 0
    message.refresh_from_db()
    assert (message.state, message.last_error, message.next_attempt_at) == ("refused", TAMPERED_REASON, None)
    recipient = _recipient(outgoing)
    assert (recipient.status_code, recipient.status_note) == ("02", TAMPERED_REASON)
    # B's signed status 02 with the same reason reached A as well.
    _eventually(lambda: ExchangeMessage.objects.filter(direction="in", kind="status", status_code="02").exists())
