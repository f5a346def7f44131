import re

import pytest
from django.core import mail

from cqs.core.errors import InvalidTransition, NotFoundOrForbidden
from cqs.core.models import AuditEvent
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierEvent, Status
from cqs.dossiers.tests.factories import filing

pytestmark = pytest.mark.django_db(transaction=True)


def test_online_dossier_from_submission_to_rating(w, run_jobs):
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    assert re.fullmatch(rf"{re.escape(w.agency.electronic_code)}-\d{{6}}-0001", dossier.code)
    assert dossier.status == Status.SUBMITTED and dossier.channel == 2
    assert dossier.files.count() == 1

    dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
    assert dossier.status == Status.PROCESSING and dossier.current_role == "specialist"
    assert dossier.due_at is not None and dossier.received_at is not None

    dossier = services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")
    assert dossier.status == Status.AWAITING_APPROVAL and dossier.current_role == "leader"

    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý cấp giấy khai sinh")
    assert dossier.status == Status.FINISHED and dossier.current_role == "one_stop_officer"
    assert dossier.timing in ("early", "on_time")

    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")
    assert dossier.status == Status.RETURNED and dossier.register_row == 1

    dossier = services.dossier_rate(dossier=dossier, actor=w.citizen, rating=5, comment="Nhanh")
    assert dossier.rating == 5

    national = list(DossierEvent.objects.filter(dossier=dossier).values_list("action", "national_status"))
    assert national == [
        ("submit", 1),
        ("accept", 2),
        ("forward", 4),
        ("approve", 9),
        ("return_result", 10),
        ("rate", 10),
    ]
    steps = list(dossier.steps.values_list("position", "timing"))
    assert [p for p, _ in steps] == [1, 2, 3, 4] and all(t for _, t in steps)
    assert AuditEvent.objects.filter(action__startswith="dossier.", object_id=str(dossier.pk)).count() == 6
    run_jobs()
    assert any(dossier.code in m.subject for m in mail.outbox)


def test_out_of_order_and_forbidden_actions_change_nothing(w):
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    with pytest.raises(InvalidTransition, match="đang ở trạng thái «Mới đăng ký»"):
        services.dossier_return_result(dossier=dossier, actor=w.officer)
    with pytest.raises(NotFoundOrForbidden):
        services.dossier_accept(dossier=dossier, actor=w.specialist)
    with pytest.raises(NotFoundOrForbidden):
        services.dossier_withdraw(dossier=dossier, actor=w.stranger, reason="x")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1
