import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cqs.core.audit import GENESIS, audit_record, audit_verify
from cqs.core.models import AuditEvent, AuditHead


def record(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="test.event", object_type="test", object_id=i, after={"i": i}) for i in range(n)
    ]


def tamper(sql: str, params: list) -> None:
    """Bypass the append-only trigger the way an attacker with superuser rights would."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


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
    assert f"Nhật ký kiểm toán toàn vẹn: {AuditEvent.objects.count()} bản ghi." in out
    assert err == ""


@pytest.mark.django_db
def test_audit_verify_detects_a_changed_row():
    events = record(3)
    tamper("UPDATE core_auditevent SET after = %s WHERE seq = %s", ['{"i": 99}', events[1].seq])
    message = verify_fails()
    assert f"Bản ghi số {events[1].seq} đã bị sửa sau khi ghi." in message
    assert "1 lỗi" in message


@pytest.mark.django_db
def test_audit_verify_detects_a_deleted_middle_row():
    events = record(3)
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq])
    message = verify_fails()
    assert f"Thiếu bản ghi số {events[1].seq} (đã bị xoá)." in message
    assert f"Bản ghi số {events[2].seq} không nối với bản ghi trước nó." in message


@pytest.mark.django_db
def test_audit_verify_detects_a_deleted_last_row():
    events = record(3)
    tamper("DELETE FROM core_auditevent WHERE seq = %s", [events[2].seq])
    message = verify_fails()
    assert f"Các bản ghi cuối chuỗi (đến số {events[2].seq}) đã bị xoá hoặc sửa." in message


@pytest.mark.django_db
def test_audit_verify_reports_a_range_of_deleted_rows():
    events = record(4)
    tamper("DELETE FROM core_auditevent WHERE seq IN (%s, %s)", [events[1].seq, events[2].seq])
    assert f"Thiếu bản ghi số {events[1].seq}–{events[2].seq} (đã bị xoá)." in verify_fails()


@pytest.mark.django_db
def test_the_trigger_refuses_a_plain_update_and_delete():
    (event,) = record(1)
    for statement in (
        "UPDATE core_auditevent SET action = 'sua' WHERE seq = %s",
        "DELETE FROM core_auditevent WHERE seq = %s",
    ):
        with pytest.raises(DatabaseError, match="chỉ được ghi thêm"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement, [event.seq])
    event.refresh_from_db()
    assert event.action == "test.event"
    with pytest.raises(DatabaseError, match="chỉ được ghi thêm"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="sua")
