import io
import time
from typing import Any

import psycopg
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cqs.core.audit import GENESIS, audit_record, audit_verify, event_digest
from cqs.core.models import AuditEvent, AuditHead


def record(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="test.event", object_type="test", object_id=i, after={"i": i}) for i in range(n)
    ]


def owner_cursor() -> Any:
    """A connection of the tables' owner (a superuser with the embedded server and on CI): the attacker."""
    from django.conf import settings

    owner = settings.CQS_DATABASE_OWNER
    conn = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=owner["USER"] or None,
        password=owner["PASSWORD"] or None,
        host=owner["HOST"] or None,
        port=owner["PORT"] or None,
        autocommit=True,
    )
    return conn


def tamper(sql: str, params: list | None = None) -> None:
    """Bypass the append-only trigger the way the owner or a superuser could (the committed rows of the test)."""
    with owner_cursor() as conn:
        conn.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        try:
            conn.execute(sql, params)
        finally:
            conn.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


def verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_fails() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nhật ký kiểm toán KHÔNG toàn vẹn") as excinfo:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    return f"{excinfo.value}\n{err.getvalue()}"


@pytest.mark.django_db
def test_audit_record_chains_hashes():
    first, second, third = record(3)
    assert second.seq == first.seq + 1 and third.seq == second.seq + 1
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    if first.seq == 1:
        assert first.prev_hash == GENESIS
    assert first.actor_label == "hệ thống"
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (third.seq, third.hash)


@pytest.mark.django_db
def test_audit_verify_passes_on_an_intact_chain():
    record(3)
    assert list(audit_verify()) == []
    out, err = verify()
    assert f"Nhật ký kiểm toán toàn vẹn: {AuditEvent.objects.count()} bản ghi, 0 mốc neo trong " in out
    assert err == ""


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_changed_row():
    events = record(3)
    tamper("UPDATE core_auditevent SET after = %s WHERE seq = %s", ['{"i": 99}', events[1].seq])
    message = verify_fails()
    assert f"Bản ghi số {events[1].seq} đã bị sửa sau khi ghi." in message
    assert "1 lỗi" in message


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_deleted_middle_row():
    events = record(3)
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq])
    message = verify_fails()
    assert f"Thiếu bản ghi số {events[1].seq} (đã bị xoá)." in message
    assert f"Bản ghi số {events[2].seq} không nối với bản ghi trước nó." in message


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_deleted_last_row():
    events = record(3)
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq])
    message = verify_fails()
    assert f"Các bản ghi cuối chuỗi (đến số {events[2].seq}) đã bị xoá hoặc sửa." in message


@pytest.mark.django_db(transaction=True)
def test_audit_verify_reports_a_range_of_deleted_rows():
    events = record(4)
    tamper("DELETE FROM core_auditevent WHERE seq IN (%s, %s)", [events[1].seq, events[2].seq])
    assert f"Thiếu bản ghi số {events[1].seq}–{events[2].seq} (đã bị xoá)." in verify_fails()


@pytest.mark.django_db(transaction=True)
def test_the_trigger_refuses_a_plain_update_and_delete_even_by_the_owner():
    (event,) = record(1)
    with owner_cursor() as conn:
        for statement in (
            "UPDATE core_auditevent SET action = 'sua' WHERE seq = %s",
            "DELETE FROM core_auditevent WHERE seq = %s",
        ):
            with pytest.raises(psycopg.Error, match="chỉ được ghi thêm"):
                conn.execute(statement, [event.seq])
    event.refresh_from_db()
    assert event.action == "test.event"


# ---------------------------------------------------------------- the application's role


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'sua'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
        "TRUNCATE core_auditevent, core_audithead CASCADE",
        "DELETE FROM core_audithead",
        "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only",
        "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
        "SET session_replication_role = replica",
        "CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
        "LANGUAGE plpgsql",
    ],
)
def test_the_application_role_cannot_rewrite_or_empty_the_audit_log(statement: str) -> None:
    """The platform connects as a role that owns no table: the database refuses it, not only the trigger."""
    record(2)
    with (
        pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() >= 2 and list(audit_verify()) == []


@pytest.mark.django_db
def test_the_application_role_is_restricted_yet_may_write_the_platform_tables() -> None:
    from cqs.core.dbroles import role_is_restricted

    with connection.cursor() as cursor:
        assert role_is_restricted(cursor)
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
    from django.conf import settings

    assert user != settings.CQS_DATABASE_OWNER["USER"] and not superuser
    record(1)  # appends to the chain and moves its head


# ---------------------------------------------------------------- anchoring outside the database


def recompute_from(seq: int, **changes: Any) -> None:
    """What a superuser without the key does: change a row, recompute its hash and every later one, move the head."""
    with owner_cursor() as conn:
        conn.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        try:
            previous = conn.execute("SELECT hash FROM core_auditevent WHERE seq = %s", [seq - 1]).fetchone()
            prev_hash = previous[0] if previous else GENESIS
            events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
            for event in events:
                for field, value in (changes if event.seq == seq else {}).items():
                    setattr(event, field, value)
                event.prev_hash = prev_hash
                event.hash = event_digest(event)  # the hashing is public; only the MAC needs the key
                conn.execute(
                    "UPDATE core_auditevent SET action = %s, after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                    [event.action, psycopg.types.json.Jsonb(event.after), event.prev_hash, event.hash, event.seq],
                )
                prev_hash = event.hash
            conn.execute("UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1", [events[-1].seq, prev_hash])
        finally:
            conn.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_rewrite_with_every_later_hash_recomputed():
    events = record(4)
    assert list(audit_verify()) == []
    recompute_from(events[1].seq, after={"i": 99}, action="test.sua")
    message = verify_fails()
    assert f"Bản ghi số {events[1].seq} không mang mã xác thực (MAC) đúng: chuỗi đã bị viết lại từ đây." in message
    assert "đã bị sửa sau khi ghi" not in message and "không nối" not in message  # the hashes themselves agree


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_both_tables_emptied():
    from cqs.core.audit_anchor import anchor_write

    events = record(3)
    anchor = anchor_write()
    assert anchor is not None and anchor.seq == events[-1].seq
    assert list(audit_verify()) == []
    with owner_cursor() as conn:
        conn.execute("TRUNCATE core_auditevent, core_audithead")
    assert AuditEvent.objects.count() == 0
    message = verify_fails()
    assert (
        f"1 mốc neo (mốc cuối: bản ghi số {events[-1].seq}, lúc {anchor.at_text}) chỉ tới bản ghi không còn trong "
        "cơ sở dữ liệu: nhật ký đã bị cắt bớt hoặc xoá."
    ) in message


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_chain_rebuilt_after_emptying():
    """Emptied, then refilled with a chain of the same length: the anchors still hold the old hashes."""
    from cqs.core.audit_anchor import anchor_write

    events = record(2)
    anchor_write()
    with owner_cursor() as conn:
        conn.execute("TRUNCATE core_auditevent, core_audithead")
    record(2)
    message = verify_fails()
    assert f"Bản ghi số {events[-1].seq} khác với mốc neo lúc" in message


@pytest.mark.django_db
def test_a_forged_or_edited_anchor_line_is_reported(settings):
    from cqs.core.audit_anchor import anchor_write

    record(1)
    anchor = anchor_write()
    path = settings.CQS_AUDIT_ANCHOR_FILE
    line = path.read_text()
    path.write_text(line.replace(f'"seq":{anchor.seq}', f'"seq":{anchor.seq + 5}') + "không phải JSON\n")
    message = verify_fails()
    assert f"Dòng 1 của tệp mốc neo {path} bị sửa hoặc giả mạo (sai MAC)." in message
    assert f"Dòng 2 của tệp mốc neo {path} không đọc được (đã bị sửa)." in message


@pytest.mark.django_db(transaction=True)
def test_the_worker_anchors_the_chain_once_per_interval_and_no_request_waits_for_it(settings):
    from procrastinate.contrib.django.models import ProcrastinateJob

    from conftest import scheduler_tick, worker_run

    def anchor_jobs() -> list[dict]:
        return [job.args for job in ProcrastinateJob.objects.filter(task_name="core.audit_anchor")]

    _first, second = record(2)  # each in its own committed transaction, as two requests
    assert not settings.CQS_AUDIT_ANCHOR_FILE.exists()  # a committed change no longer anchors on its way out
    start = (time.time() // 300 + 1) * 300  # the schedule (CQS_AUDIT_ANCHOR_SECONDS = 300): */5 * * * *
    # The clock of every thread is moved, the worker's own scheduler (worker_run) included.
    with time_machine.travel(start + 1, tick=False):
        scheduler_tick(start + 1)  # two workers' schedulers tick at the same moment
        scheduler_tick(start + 1)
        assert anchor_jobs() == [{"timestamp": int(start)}]
        worker_run()
    (third,) = record(1)
    with time_machine.travel(start + 299, tick=False):
        scheduler_tick(start + 299)  # within the same interval: nothing more to defer
        assert anchor_jobs() == []
    with time_machine.travel(start + 301, tick=False):
        scheduler_tick(start + 301)  # the next interval, by both workers
        scheduler_tick(start + 301)
        assert anchor_jobs() == [{"timestamp": int(start) + 300}]
        worker_run()
    lines = settings.CQS_AUDIT_ANCHOR_FILE.read_text().splitlines()
    assert len(lines) == 2 and f'"seq":{second.seq}' in lines[0] and f'"seq":{third.seq}' in lines[1]
    assert list(audit_verify()) == []


def test_production_requires_an_audit_key_outside_the_database(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from config import env

    monkeypatch.delenv("CQS_AUDIT_KEY", raising=False)
    monkeypatch.delenv("CQS_AUDIT_KEY_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CQS_AUDIT_KEY"):
        env.audit_key(production=True, var_dir=tmp_path)
    key_file = tmp_path / "khoa"
    key_file.write_text("k" * 40 + "\n")
    monkeypatch.setenv("CQS_AUDIT_KEY_FILE", str(key_file))
    assert env.audit_key(production=True, var_dir=tmp_path) == "k" * 40
    monkeypatch.delenv("CQS_AUDIT_KEY_FILE")
    assert len(env.audit_key(production=False, var_dir=tmp_path)) >= 32  # development: one kept under var/
    assert (tmp_path / "audit_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_anchors_of_another_database_sharing_the_file_are_left_aside(settings, monkeypatch):
    """A second instance (a test peer, a measuring database) may write to the same anchor file."""
    from cqs.core import audit_anchor

    record(1)
    monkeypatch.setattr(audit_anchor, "_database", lambda: "cqs_other_instance")
    audit_anchor.anchor_write()
    monkeypatch.undo()
    assert audit_anchor.anchors_read() == ({}, [])
    assert list(audit_verify()) == []
