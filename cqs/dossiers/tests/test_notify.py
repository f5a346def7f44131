"""The applicant hears about citizen-facing events (in-app and by email), only after the change commits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.db import transaction

from cqs.dossiers import services
from cqs.dossiers.tests.factories import World, filing
from cqs.dossiers.tests.factories_dsvc import VN, accepted, submitted
from cqs.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_submission_notifies_in_app_and_by_email(w: World, run_jobs: Callable[[], int]) -> None:
    dossier = submitted(w)
    assert run_jobs() == 1
    notice = Notification.objects.get(user=w.citizen)
    assert notice.title == f"Hồ sơ {dossier.code}: Mới đăng ký"
    assert notice.body == "Đã nhận hồ sơ nộp trực tuyến, chờ Bộ phận Một cửa tiếp nhận."
    assert dossier.code in notice.url
    assert notice.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == notice.title and mail.outbox[0].to == [w.citizen.email]


def test_acceptance_tells_the_appointed_time(w: World) -> None:
    dossier = accepted(w)
    notice = Notification.objects.filter(user=w.citizen).order_by("-id").first()
    assert notice is not None and notice.title == f"Hồ sơ {dossier.code}: Đang xử lý"
    assert dossier.due_at is not None
    due = dossier.due_at.astimezone(VN)
    assert notice.body == (f"Hồ sơ đã được tiếp nhận và đang được giải quyết.\nHẹn trả kết quả: {due:%H:%M %d/%m/%Y}")


def test_hand_overs_between_officials_are_not_sent(w: World) -> None:
    dossier = accepted(w)
    count, emails = Notification.objects.count(), len(mail.outbox)
    dossier = services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")
    dossier = services.dossier_send_back(dossier=dossier, actor=w.leader, reason="Xem lại")
    dossier = services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note="Xác minh")
    assert Notification.objects.count() == count and len(mail.outbox) == emails


def test_result_supplement_and_return_are_sent_with_the_note(w: World) -> None:
    dossier = services.dossier_request_supplement(
        dossier=accepted(w),
        actor=w.specialist,
        items=["Giấy chứng sinh"],
        reason="Thiếu giấy chứng sinh",
        contact="Hoa",
    )
    notice = Notification.objects.order_by("-id").first()
    assert notice is not None and notice.title == f"Hồ sơ {dossier.code}: Yêu cầu bổ sung hồ sơ"
    assert notice.body.startswith(
        "Cơ quan giải quyết yêu cầu bổ sung, hoàn thiện hồ sơ.\nNội dung: Thiếu giấy chứng sinh\n"
    )


def test_the_approve_event_notifies_only_when_it_finishes_the_dossier(w: World) -> None:
    dossier = accepted(w)
    dossier = services.dossier_forward(dossier=dossier, actor=w.specialist)
    before = Notification.objects.count()
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
    notice = Notification.objects.order_by("-id").first()
    assert Notification.objects.count() == before + 1
    assert notice is not None and notice.title == f"Hồ sơ {dossier.code}: Đã có kết quả, chờ trả"


def test_nothing_is_sent_when_the_change_is_rolled_back(w: World, run_jobs: Callable[[], int]) -> None:
    dossier = submitted(w)
    run_jobs()
    count, emails = Notification.objects.count(), len(mail.outbox)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_accept(dossier=dossier, actor=w.officer)
        assert Notification.objects.count() == count  # not before commit
        raise RuntimeError("rollback")
    assert run_jobs() == 0  # the e-mail's job rolled back with the change
    assert Notification.objects.count() == count and len(mail.outbox) == emails


def test_a_counter_dossier_without_an_account_notifies_nobody(w: World) -> None:
    services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    assert not Notification.objects.exists() and mail.outbox == []


def test_an_applicant_without_email_gets_the_in_app_notice_only(w: World) -> None:
    w.citizen.email = ""
    w.citizen.save(update_fields=["email"])
    submitted(w)
    assert Notification.objects.filter(user=w.citizen).count() == 1 and mail.outbox == []
