"""Incoming documents: the register's numbers, the handling slip's transitions, refusals and visibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent, Sequence
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.incoming import selectors, services, transitions
from cqs.documents.incoming.services import IncomingFile
from cqs.documents.models import (
    Department,
    DocumentComment,
    DocumentFile,
    ExchangeMessage,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    Recipient,
    Register,
)
from cqs.documents.permissions import incoming_visible_to
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import signed_pdf
from cqs.documents.tests.factories import PDF_BYTES, PNG_BYTES, DocumentsWorld, incoming, official
from cqs.notifications.models import Notification

pytestmark = pytest.mark.django_db

S = IncomingStatus


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


def directed(w: DocumentsWorld, **overrides: Any) -> IncomingDocument:
    document = incoming(w)
    values: dict[str, Any] = {
        "incoming": document,
        "actor": w.leader,
        "instruction": "Giao Phòng Kinh tế chủ trì, tham mưu văn bản trả lời.",
        "lead_department": w.kt,
        "coordinating_departments": [w.vp],
        "deadline": timezone.localdate() + dt.timedelta(days=5),
    }
    values.update(overrides)
    return services.incoming_direct(**values)


def handled(w: DocumentsWorld) -> IncomingDocument:
    document = directed(w)
    return services.incoming_assign_handler(incoming=document, actor=w.kt_head, handler=w.kt_specialist, note="Xử lý")


# ---------------------------------------------------------------- the register


def test_registering_numbers_from_one_and_stores_the_scan(w: DocumentsWorld) -> None:
    first = incoming(w, received_at=timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0)))
    second = incoming(w, received_at=timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0)))
    assert (first.number, first.year, first.register) == (1, 2026, Register.INCOMING)
    assert second.number == 2
    stored = first.files.get()
    assert (stored.kind, stored.name, stored.content_type) == ("scan", "cong-van.pdf", "application/pdf")
    assert stored.file.read() == PDF_BYTES
    assert first.status == S.REGISTERED and first.registered_by == w.clerk
    assert AuditEvent.objects.filter(action="incoming.register", object_id=str(first.pk)).exists()


def test_numbers_restart_each_year_and_classified_documents_have_their_own_register(w: DocumentsWorld) -> None:
    december = timezone.make_aware(dt.datetime(2025, 12, 31, 16, 0))
    january = timezone.make_aware(dt.datetime(2026, 1, 2, 8, 0))
    assert [incoming(w, received_at=december).number for _ in range(2)] == [1, 2]
    assert incoming(w, received_at=january).number == 1
    secret = incoming(w, received_at=january, secrecy="confidential")
    assert (secret.number, secret.register) == (1, Register.INCOMING_CLASSIFIED)
    assert incoming(w, received_at=january).number == 2


def test_each_agency_has_its_own_sequence(w: DocumentsWorld) -> None:
    other_clerk = official("vt_stp", w.other_agency, Role.CLERK)
    assert incoming(w).number == 1
    assert incoming(w, agency=w.other_agency, actor=other_clerk).number == 1
    assert incoming(w).number == 2


def test_a_failed_registration_leaves_no_gap(w: DocumentsWorld) -> None:
    assert incoming(w).number == 1
    with pytest.raises(ValidationFailed) as refused:
        incoming(w, channel="electronic", files=[IncomingFile(name="anh.png", data=PNG_BYTES, kind="main")])
    assert refused.value.message == "Tệp “anh.png” không đúng loại: văn bản điện tử chỉ nhận PDF."
    with pytest.raises(ValidationFailed):
        incoming(w, files=[IncomingFile(name="x.txt", data=b"hello", kind="scan")])
    assert incoming(w).number == 2
    assert IncomingDocument.objects.count() == 2


def test_a_failure_after_the_number_was_taken_gives_it_back(w: DocumentsWorld, monkeypatch: Any) -> None:
    def broken(document_id: int) -> None:
        raise RuntimeError("index down")

    monkeypatch.setattr(services.search, "incoming_index", broken)
    with pytest.raises(RuntimeError):
        incoming(w)
    monkeypatch.undo()
    assert IncomingDocument.objects.count() == 0
    assert DocumentFile.objects.count() == 0
    assert incoming(w).number == 1


def test_paper_accepts_images_and_electronic_needs_a_pdf(w: DocumentsWorld, org_cert: Any) -> None:
    scanned = incoming(w, files=[IncomingFile(name="trang-1.png", data=PNG_BYTES, kind="scan")])
    assert scanned.files.get().content_type == "image/png"
    with pytest.raises(ValidationFailed) as refused:
        incoming(w, channel="electronic", files=[])
    assert refused.value.message == "Văn bản điện tử phải có tệp PDF của văn bản chính."
    electronic = incoming(w, channel="electronic", files=[IncomingFile(name="qd.pdf", data=signed_pdf(org_cert))])
    assert electronic.files.get().kind == "main"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sender_name": "  "}, "Chưa nhập nơi gửi văn bản."),
        ({"subject": ""}, "Chưa nhập trích yếu nội dung văn bản."),
        ({"channel": "fax"}, "Hình thức nhận văn bản không hợp lệ."),
        ({"urgency": "rat-khan"}, "Độ khẩn không hợp lệ."),
        ({"secrecy": "x"}, "Độ mật không hợp lệ."),
        ({"code_notation": "X" * 61}, "Nội dung quá dài: tối đa 60 ký tự."),
        ({"document_date": timezone.localdate() + dt.timedelta(days=3)}, "Ngày văn bản không được sau ngày đến."),
        (
            {"document_date": dt.date(2026, 1, 10), "reply_due": dt.date(2026, 1, 5)},
            "Hạn trả lời không được trước ngày văn bản.",
        ),
        ({"files": [IncomingFile(name="a.pdf", data=PDF_BYTES, kind="draft")]}, "Loại tệp “draft” không hợp lệ."),
        ({"files": [IncomingFile(name="rong.pdf", data=b"", kind="scan")]}, "Tệp “rong.pdf” trống (0 byte)."),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_changes_nothing(
    w: DocumentsWorld, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        incoming(w, **overrides)
    assert refused.value.message == message
    assert IncomingDocument.objects.count() == 0
    assert not Sequence.objects.exists()


def test_the_same_document_is_not_registered_twice(w: DocumentsWorld) -> None:
    first = incoming(w, code_number="7", document_date=dt.date(2026, 1, 5))
    with pytest.raises(ValidationFailed) as refused:
        incoming(w, code_number="7", document_date=dt.date(2026, 1, 5))
    when = timezone.localtime(first.received_at).strftime("%d/%m/%Y")
    assert refused.value.message == f"Văn bản này đã được vào sổ đến số 1 ngày {when}."


@pytest.mark.parametrize("who", ["leader", "vp_specialist", "kt_head", "outsider"])
def test_only_a_clerk_of_the_agency_registers(w: DocumentsWorld, who: str) -> None:
    with pytest.raises(NotFoundOrForbidden) as refused:
        incoming(w, actor=getattr(w, who))
    assert refused.value.message == "Không tìm thấy sổ văn bản đến của cơ quan này."
    assert IncomingDocument.objects.count() == 0


def test_text_is_stored_nfc_and_the_leader_is_told(w: DocumentsWorld) -> None:
    decomposed = "Ve\u0302\u0300 vie\u0323\u0302c"  # "Về việc" written with combining marks
    document = incoming(w, subject=decomposed, urgency="flash")
    assert document.subject == "Về việc"
    notice = Notification.objects.get(user=w.leader)
    assert notice.title == "Văn bản đến khẩn chờ cho ý kiến"
    assert notice.url == f"/van-ban/den/{document.pk}/"


# ---------------------------------------------------------------- the handling slip


def test_the_whole_slip(w: DocumentsWorld) -> None:
    document = directed(w)
    assert document.status == S.ASSIGNED
    assert document.lead_department == w.kt and list(document.coordinating_departments.all()) == [w.vp]
    assert Notification.objects.filter(user=w.kt_head, title="Văn bản đến giao đơn vị chủ trì xử lý").exists()
    document = services.incoming_assign_handler(
        incoming=document, actor=w.kt_head, handler=w.kt_specialist, note="Đề nghị xử lý trước ngày 10."
    )
    assert (document.status, document.handler, document.assignment_note) == (
        S.ASSIGNED,
        w.kt_specialist,
        "Đề nghị xử lý trước ngày 10.",
    )
    services.incoming_comment(incoming=document, actor=w.vp_specialist, text="Văn phòng đã có số liệu quý II.")
    document = services.incoming_propose(incoming=document, actor=w.kt_specialist, proposal="Dự thảo công văn trả lời.")
    assert document.status == S.IN_PROGRESS
    document = services.incoming_complete(incoming=document, actor=w.kt_specialist, note="Đã trả lời.")
    assert document.status == S.COMPLETED and document.completed_at is not None
    assert list(DocumentComment.objects.filter(incoming=document).values_list("text", flat=True)) == [
        "Văn phòng đã có số liệu quý II.",
        "Đã trả lời.",
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(document.pk), action__startswith="incoming.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "incoming.register",
        "incoming.direct",
        "incoming.assign_handler",
        "incoming.comment",
        "incoming.propose",
        "incoming.complete",
    ]


def test_direction_checks_its_inputs(w: DocumentsWorld) -> None:
    document = incoming(w)
    other_department = Department.objects.create(agency=w.other_agency, name="Phòng khác", abbreviation="PK")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"instruction": " "}, "Chưa nhập ý kiến chỉ đạo."),
        ({"lead_department": other_department}, "Đơn vị chủ trì không thuộc cơ quan."),
        ({"coordinating_departments": [other_department]}, "Đơn vị phối hợp không thuộc cơ quan."),
        ({"coordinating_departments": [w.kt]}, "Đơn vị chủ trì không đồng thời là đơn vị phối hợp."),
        ({"deadline": yesterday}, "Hạn xử lý không được là ngày đã qua."),
    ]
    for overrides, message in cases:
        values: dict[str, Any] = {
            "incoming": document,
            "actor": w.leader,
            "instruction": "Giao Phòng Kinh tế.",
            "lead_department": w.kt,
            **overrides,
        }
        with pytest.raises(ValidationFailed) as refused:
            services.incoming_direct(**values)
        assert refused.value.message == message
    document.refresh_from_db()
    assert document.status == S.REGISTERED and document.lead_department is None


def test_the_handler_must_belong_to_the_lead_department(w: DocumentsWorld) -> None:
    document = directed(w)
    with pytest.raises(ValidationFailed) as refused:
        services.incoming_assign_handler(incoming=document, actor=w.kt_head, handler=w.vp_specialist)
    assert refused.value.message == "Người xử lý phải là thành viên của Phòng Kinh tế."


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("direct", "clerk"),
        ("direct", "kt_head"),
        ("return", "leader"),
        ("return", "vp_specialist"),
    ],
)
def test_actions_on_a_registered_document_by_the_wrong_person(w: DocumentsWorld, action: str, who: str) -> None:
    document = incoming(w)
    actor = getattr(w, who)
    with pytest.raises(NotFoundOrForbidden):
        if action == "direct":
            services.incoming_direct(incoming=document, actor=actor, instruction="x", lead_department=w.kt)
        else:
            services.incoming_return(incoming=document, actor=actor, reason="Gửi nhầm")
    document.refresh_from_db()
    assert document.status == S.REGISTERED


def test_wrong_people_on_the_slip(w: DocumentsWorld) -> None:
    document = handled(w)
    visible_not_allowed = "Bạn không có quyền ghi ý kiến đề xuất đối với văn bản đến số 1."
    with pytest.raises(NotFoundOrForbidden) as refused:
        services.incoming_propose(incoming=document, actor=w.kt_head, proposal="x")
    assert refused.value.message == visible_not_allowed
    with pytest.raises(NotFoundOrForbidden) as refused:
        services.incoming_assign_handler(incoming=document, actor=w.vp_head, handler=w.kt_specialist)
    assert refused.value.message == "Bạn không có quyền giao chuyên viên xử lý đối với văn bản đến số 1."
    for stranger in (w.outsider, official("cv_khac", w.agency, Role.SPECIALIST)):
        with pytest.raises(NotFoundOrForbidden) as refused:
            services.incoming_comment(incoming=document, actor=stranger, text="x")
        assert refused.value.message == "Không tìm thấy văn bản đến."
    with pytest.raises(NotFoundOrForbidden):
        services.incoming_complete(incoming=document, actor=w.vp_specialist)


def test_refusals_name_the_current_state(w: DocumentsWorld) -> None:
    document = handled(w)
    with pytest.raises(InvalidTransition) as refused:
        services.incoming_return(incoming=document, actor=w.clerk, reason="Gửi nhầm")
    assert (
        refused.value.message
        == "Không thể trả lại nơi gửi: văn bản đến số 1 đang ở trạng thái «Đã giao đơn vị chủ trì»."
    )
    with pytest.raises(InvalidTransition) as refused:
        services.incoming_direct(incoming=document, actor=w.leader, instruction="Lại", lead_department=w.vp)
    assert refused.value.message == (
        "Không thể cho ý kiến chỉ đạo: văn bản đến số 1 đang ở trạng thái «Đã giao đơn vị chủ trì»."
    )
    services.incoming_complete(incoming=document, actor=w.kt_head)
    with pytest.raises(InvalidTransition) as refused:
        services.incoming_propose(incoming=document, actor=w.kt_specialist, proposal="Muộn")
    assert refused.value.message == "Không thể ghi ý kiến đề xuất: văn bản đến số 1 đang ở trạng thái «Đã xử lý xong»."


def test_the_clerk_returns_before_direction(w: DocumentsWorld) -> None:
    document = incoming(w)
    with pytest.raises(ValidationFailed) as refused:
        services.incoming_return(incoming=document, actor=w.clerk, reason=" ")
    assert refused.value.message == "Chưa nhập lý do trả lại."
    document = services.incoming_return(incoming=document, actor=w.clerk, reason="Gửi nhầm cơ quan.")
    assert (document.status, document.return_reason) == (S.RETURNED, "Gửi nhầm cơ quan.")
    with pytest.raises(InvalidTransition) as again:
        services.incoming_direct(incoming=document, actor=w.leader, instruction="x", lead_department=w.kt)
    assert (
        again.value.message == "Không thể cho ý kiến chỉ đạo: văn bản đến số 1 đang ở trạng thái «Đã trả lại nơi gửi»."
    )


def test_available_actions_follow_rights_and_state(w: DocumentsWorld) -> None:
    document = incoming(w)
    assert transitions.available_actions(w.leader, document) == ["direct", "comment"]
    assert transitions.available_actions(w.clerk, document) == ["return"]
    assert transitions.available_actions(w.kt_specialist, document) == []
    document = handled(w)
    assert transitions.available_actions(w.kt_head, document) == ["assign_handler", "comment", "complete"]
    assert transitions.available_actions(w.kt_specialist, document) == ["comment", "propose", "complete"]
    assert transitions.available_actions(w.vp_specialist, document) == ["comment"]
    assert transitions.available_actions(w.outsider, document) == []


# ---------------------------------------------------------------- exchange status reports


def test_status_reports_go_back_only_for_documents_that_came_by_exchange(w: DocumentsWorld, monkeypatch: Any) -> None:
    reported: list[tuple[int, str, str]] = []
    monkeypatch.setattr(
        exchange_outbox,
        "status_report",
        lambda *, incoming, code, note="", actor: reported.append((incoming.pk, code, note)),
    )
    paper = handled(w)
    services.incoming_complete(incoming=paper, actor=w.kt_specialist)
    assert reported == []
    document = incoming(w)
    _arrived_by_exchange(w, document)
    services.incoming_direct(incoming=document, actor=w.leader, instruction="Xử lý", lead_department=w.kt)
    services.incoming_assign_handler(incoming=document, actor=w.kt_head, handler=w.kt_specialist)
    services.incoming_complete(incoming=document, actor=w.kt_specialist, note="Xong")
    returned = incoming(w)
    _arrived_by_exchange(w, returned)
    services.incoming_return(incoming=returned, actor=w.clerk, reason="Sai nơi nhận")
    assert reported == [
        (document.pk, "04", ""),
        (document.pk, "05", ""),
        (document.pk, "06", "Xong"),
        (returned.pk, "02", "Sai nơi nhận"),
    ]


def _arrived_by_exchange(w: DocumentsWorld, document: IncomingDocument) -> Recipient:
    """The document came from the other agency on this platform: its outgoing row, recipient and package."""
    department = Department.objects.get_or_create(
        agency=w.other_agency, abbreviation="VP", defaults={"name": "Văn phòng Sở"}
    )[0]
    sent = OutgoingDocument.objects.create(
        agency=w.other_agency,
        drafting_department=department,
        drafter=w.outsider,
        document_type=w.doc_type_letter,
        subject=document.subject,
        status="issued",
    )
    recipient = Recipient.objects.create(
        outgoing=sent, channel="internal", agency=w.agency, name=w.agency.name, status_code="03"
    )
    ExchangeMessage.objects.create(
        direction="in",
        kind="document",
        state="received",
        document_id=f"{w.other_agency.electronic_code},{document.pk}",
        from_organ_id=w.other_agency.electronic_code,
        to_organ_id=w.agency.electronic_code,
        sha256="0" * 64,
        recipient=recipient,
        incoming=document,
    )
    return recipient


def test_the_sender_on_this_platform_sees_each_step(w: DocumentsWorld) -> None:
    document = incoming(w)
    recipient = _arrived_by_exchange(w, document)
    services.incoming_direct(incoming=document, actor=w.leader, instruction="Xử lý", lead_department=w.kt)
    recipient.refresh_from_db()
    assert recipient.status_code == "04"
    services.incoming_assign_handler(incoming=document, actor=w.kt_head, handler=w.kt_specialist)
    recipient.refresh_from_db()
    assert recipient.status_code == "05"
    services.incoming_complete(incoming=document, actor=w.kt_specialist, note="Đã trả lời bằng công văn")
    recipient.refresh_from_db()
    assert (recipient.status_code, recipient.status_note) == ("06", "Đã trả lời bằng công văn")


def test_completing_links_the_reply(w: DocumentsWorld) -> None:
    document = handled(w)
    reply = OutgoingDocument.objects.create(
        agency=w.agency,
        drafting_department=w.kt,
        drafter=w.kt_specialist,
        document_type=w.doc_type_letter,
        subject="Trả lời Sở Tài chính",
    )
    foreign = OutgoingDocument.objects.create(
        agency=w.other_agency,
        drafting_department=Department.objects.create(agency=w.other_agency, name="Phòng A", abbreviation="A"),
        drafter=w.outsider,
        document_type=w.doc_type_letter,
        subject="Khác",
    )
    with pytest.raises(ValidationFailed) as refused:
        services.incoming_complete(incoming=document, actor=w.kt_specialist, reply=foreign)
    assert refused.value.message == "Văn bản trả lời không thuộc văn bản đến này."
    services.incoming_complete(incoming=document, actor=w.kt_specialist, reply=reply)
    assert list(document.replies.all()) == [reply]


# ---------------------------------------------------------------- visibility and work boxes


def test_a_classified_document_is_hidden_from_department_members_not_named_on_it(w: DocumentsWorld) -> None:
    secret = incoming(w, secrecy="secret")
    secret = services.incoming_direct(
        incoming=secret, actor=w.leader, instruction="Mật", lead_department=w.kt, coordinating_departments=[w.vp]
    )
    normal = directed(w)
    for who, sees_secret in [
        ("leader", True),
        ("clerk", True),
        ("kt_head", True),
        ("kt_specialist", False),
        ("vp_specialist", False),
        ("outsider", False),
    ]:
        visible = set(incoming_visible_to(getattr(w, who)).values_list("pk", flat=True))
        assert (secret.pk in visible) is sees_secret, who
        assert (normal.pk in visible) is (who != "outsider"), who
    services.incoming_assign_handler(incoming=secret, actor=w.kt_head, handler=w.kt_specialist)
    assert incoming_visible_to(w.kt_specialist).filter(pk=secret.pk).exists()


def test_work_boxes_and_counts(w: DocumentsWorld) -> None:
    today = timezone.localdate()
    waiting = incoming(w)
    urgent = incoming(w, urgency="urgent")
    mine = handled(w)
    soon = directed(w, deadline=today + dt.timedelta(days=2))
    late = directed(w, deadline=today + dt.timedelta(days=1))
    IncomingDocument.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=1))

    def box(user: Any, name: str) -> list[int]:
        return list(selectors.incoming_list(user=user, box=name).values_list("pk", flat=True))

    assert box(w.leader, "to_direct") == [urgent.pk, waiting.pk]
    assert set(box(w.kt_head, "lead")) == {mine.pk, soon.pk, late.pk}
    assert box(w.kt_specialist, "mine") == [mine.pk]
    assert set(box(w.vp_specialist, "coordinate")) == {mine.pk, soon.pk, late.pk}
    assert box(w.kt_head, "late") == [late.pk]
    assert box(w.kt_head, "due_soon") == [soon.pk]
    assert box(w.outsider, "all") == []
    counts = selectors.box_counts(user=w.leader)
    assert counts == {"to_direct": 2, "lead": 0, "mine": 0, "coordinate": 0, "due_soon": 1, "late": 1, "all": 5}
    assert list(selectors.urgent_waiting(user=w.leader)) == [urgent]
    late.refresh_from_db()
    assert selectors.deadline_badge(late) == "late"
    assert selectors.deadline_badge(soon) == "due_soon"
    assert selectors.deadline_badge(mine) == ""


def test_search_folds_diacritics_and_finds_by_number(w: DocumentsWorld) -> None:
    first = incoming(w, subject="Kế hoạch phòng chống lụt bão")
    second = incoming(w, subject="Báo cáo đầu tư công")
    assert list(selectors.incoming_list(user=w.leader, query="lut bao")) == [first]
    assert list(selectors.incoming_list(user=w.leader, query="ĐẦU TƯ")) == [second]
    assert list(selectors.incoming_list(user=w.leader, query=str(second.number))) == [second]
    assert list(selectors.incoming_list(user=w.outsider, query="lut bao")) == []


def test_the_text_of_a_pdf_is_extracted_and_indexed_by_the_worker(w: DocumentsWorld, run_jobs: Any) -> None:
    from django.contrib.postgres.search import SearchQuery

    document = incoming(
        w, files=[IncomingFile(name="bao-cao.pdf", data=factories.text_pdf("Phuong an phong chong han han"))]
    )
    assert document.files.get().text_pending  # registering did not wait for the reading
    found = IncomingDocument.objects.filter(search_vector=SearchQuery("chong & han", config="simple"))
    assert list(found) == []
    assert run_jobs() == 1
    assert document.files.get().text.strip() == "Phuong an phong chong han han"
    found = IncomingDocument.objects.filter(search_vector=SearchQuery("chong & han", config="simple"))
    assert list(found) == [document]


def test_an_external_sender_gets_a_signed_status_message_queued(w: DocumentsWorld, org_cert: Any) -> None:
    document = incoming(w)
    ExchangeMessage.objects.create(
        direction="in",
        kind="document",
        state="received",
        document_id="000.00.99.H01,2026/01/05,77",
        from_organ_id="000.00.99.H01",
        to_organ_id=w.agency.electronic_code,
        sha256="0" * 64,
        incoming=document,
    )
    services.incoming_direct(incoming=document, actor=w.leader, instruction="Xử lý", lead_department=w.kt)
    status = ExchangeMessage.objects.get(kind="status")
    assert (status.direction, status.state, status.status_code, status.to_organ_id) == (
        "out",
        "pending",
        "04",
        "000.00.99.H01",
    )
    assert status.incoming == document
