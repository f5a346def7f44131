"""Outgoing documents: drafting, the review chain, the leader's signature, issuing with the system number."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import pytest
import time_machine
import weasyprint
from django.utils import timezone

from cqs.core.calendar import WorkingCalendar
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent, Sequence
from cqs.documents.exchange import edxml
from cqs.documents.exchange import outbox as exchange_outbox
from cqs.documents.models import (
    DocumentComment,
    DocumentFile,
    ExchangeMessage,
    ExchangePartner,
    OutgoingDocument,
    OutgoingStatus,
    Recipient,
    Register,
    ReviewStep,
    Secrecy,
)
from cqs.documents.numbering import number_scope
from cqs.documents.outgoing import selectors as sel
from cqs.documents.outgoing import services as svc
from cqs.documents.outgoing import transitions
from cqs.documents.outgoing.services import RecipientSpec
from cqs.documents.permissions import outgoing_visible_to
from cqs.documents.tests.factories import PNG_BYTES
from cqs.documents.tests.test_outgoing_support import (
    awaiting_signature,
    build_world,
    create,
    drafted,
    incoming,
    issued,
    paper,
    pdf,
    signed,
    upload,
    world,
)
from cqs.signing.models import VerifiableDocument
from cqs.signing.pdf import pdf_verify

__all__ = ["world"]

pytestmark = pytest.mark.django_db
S = OutgoingStatus
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def fresh(outgoing):
    return OutgoingDocument.objects.get(pk=outgoing.pk)


def actions_logged(outgoing):
    return list(
        AuditEvent.objects.filter(object_type="documents.outgoingdocument", object_id=str(outgoing.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# ---------------------------------------------------------------- the whole way


def test_full_flow_from_draft_to_issued_with_two_signatures(world, run_jobs):
    w = world
    outgoing = create(w)
    assert outgoing.status == S.DRAFT and outgoing.drafter == w.vp_specialist
    assert [r.name for r in outgoing.recipients.all()] == ["Sở Tư pháp tỉnh Nghệ An", "Lưu: VT, VP"]

    v1 = svc.outgoing_draft_upload(outgoing=outgoing, actor=w.vp_specialist, upload=upload())
    assert (v1.kind, v1.version) == (DocumentFile.Kind.DRAFT, 1)
    assert v1.text_pending and v1.text == ""  # read by the worker
    run_jobs()
    v1.refresh_from_db()
    assert "chuyển đổi số" in v1.text
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=w.vp_specialist, reviewers=[w.vp_head, w.kt_head])
    assert fresh(outgoing).status == S.IN_REVIEW

    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_review(outgoing=outgoing, actor=w.kt_head, approve=True)
    assert error.value.message == "Chưa đến lượt bạn cho ý kiến: đang chờ ý kiến của Trần Văn Chánh."
    svc.outgoing_comment(outgoing=outgoing, actor=w.vp_head, text="Sửa căn cứ pháp lý ở đoạn 2.")
    svc.outgoing_review(outgoing=outgoing, actor=w.vp_head, approve=True, comment="Đồng ý.")
    assert fresh(outgoing).status == S.IN_REVIEW
    with pytest.raises(ValidationFailed) as error:
        svc.outgoing_review(outgoing=outgoing, actor=w.kt_head, approve=False)
    assert error.value.message == "Nhập lý do trả lại dự thảo."
    svc.outgoing_review(outgoing=outgoing, actor=w.kt_head, approve=False, comment="Bổ sung kinh phí.")
    assert fresh(outgoing).status == S.RETURNED

    two_pages = weasyprint.HTML(string="<p style='break-after: page'>Trang 1</p><p>Trang 2</p>").write_pdf()
    v2 = svc.outgoing_draft_upload(outgoing=outgoing, actor=w.vp_specialist, upload=upload(two_pages))
    assert v2.version == 2
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=w.vp_specialist, reviewers=[w.kt_head])
    assert transitions.current_step(fresh(outgoing)).round == 2
    svc.outgoing_review(outgoing=outgoing, actor=w.kt_head, approve=True)
    assert fresh(outgoing).status == S.AWAITING_SIGNATURE

    svc.outgoing_sign(outgoing=outgoing, actor=w.leader)
    after_sign = fresh(outgoing)
    assert after_sign.status == S.SIGNED and after_sign.signed_at is not None and after_sign.number is None
    assert after_sign.page_count == 2
    signed_file = sel.latest_file(after_sign, DocumentFile.Kind.SIGNED)
    assert signed_file.version == 2
    assert [r.signer_name for r in pdf_verify(pdf=signed_file.file.read())] == ["Nguyễn Văn Chủ Tịch"]

    done = svc.outgoing_issue(outgoing=outgoing, actor=w.clerk)
    done = fresh(done)
    assert done.status == S.ISSUED
    assert done.code == "01/QĐ-UBND"
    assert (done.year, done.register) == (timezone.localdate().year, Register.OUTGOING)
    assert done.issued_by == w.clerk and done.issued_at is not None
    main = sel.issued_file(done)
    assert main.kind == DocumentFile.Kind.SIGNED and main.pk != signed_file.pk
    reports = pdf_verify(pdf=main.file.read())
    assert [r.signer_name for r in reports] == ["Nguyễn Văn Chủ Tịch", "UBND tỉnh Nghệ An"]
    assert all(r.ok for r in reports)
    registered = VerifiableDocument.objects.get(code=done.verification_code)
    assert registered.source == VerifiableDocument.Source.OUTGOING_DOCUMENT
    assert registered.sha256 == main.sha256
    assert registered.title == "01/QĐ-UBND — Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026"

    comment = DocumentComment.objects.get(outgoing=outgoing)
    assert comment.draft_version == 1 and comment.author == w.vp_head
    steps = list(ReviewStep.objects.filter(outgoing=outgoing).values_list("round", "order", "decision"))
    assert steps == [(1, 1, "approved"), (1, 2, "returned"), (2, 1, "approved")]
    assert actions_logged(outgoing) == [
        "outgoing.create",
        "outgoing.upload_draft",
        "outgoing.submit",
        "outgoing.comment",
        "outgoing.review",
        "outgoing.review",
        "outgoing.upload_draft",
        "outgoing.submit",
        "outgoing.review",
        "outgoing.sign",
        "outgoing.issue",
    ]


def test_issue_dispatches_to_the_recipients(world):
    done = issued(world)
    internal_row = done.recipients.get(channel=Recipient.Channel.INTERNAL)
    paper_row = done.recipients.get(channel=Recipient.Channel.PAPER)
    assert internal_row.sent_at is not None and internal_row.status_code == "01"
    assert paper_row.sent_at is not None
    package = ExchangeMessage.objects.get(recipient=internal_row)
    assert (package.direction, package.to_organ_id) == (
        ExchangeMessage.Direction.IN,
        world.other_agency.electronic_code,
    )
    envelope = edxml.envelope_parse(package.payload.read())
    assert envelope.attachments[0].data == sel.issued_file(done).file.read()  # the copy with both signatures


def test_attachments_get_the_organisation_signature(world):
    outgoing = drafted(world)
    svc.outgoing_attachment_add(outgoing=outgoing, actor=world.vp_specialist, upload=upload(pdf("Phụ lục I")))
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[])
    svc.outgoing_sign(outgoing=outgoing, actor=world.leader)
    svc.outgoing_issue(outgoing=outgoing, actor=world.clerk)
    annex = fresh(outgoing).files.get(kind=DocumentFile.Kind.ATTACHMENT)
    reports = pdf_verify(pdf=annex.file.read())
    assert [(r.signer_name, r.ok) for r in reports] == [("UBND tỉnh Nghệ An", True)]


# ---------------------------------------------------------------- numbers and symbols


def test_numbers_have_a_leading_zero_and_letters_carry_the_department(world):
    first = issued(world)
    letter = issued(world, document_type=world.doc_type_letter, subject="Công văn về việc báo cáo chuyển đổi số")
    assert (first.code, letter.code) == ("01/QĐ-UBND", "02/UBND-VP")
    outgoing_numbers = Sequence.objects.filter(agency=world.agency, scope=number_scope(Register.OUTGOING))
    outgoing_numbers.update(last=4)
    assert issued(world).code == "05/QĐ-UBND"
    outgoing_numbers.update(last=122)
    assert issued(world, document_type=world.doc_type_letter).code == "123/UBND-VP"


def test_classified_documents_have_their_own_sequence(world):
    issued(world)
    issued(world)
    secret = issued(world, secrecy=Secrecy.CONFIDENTIAL, recipients=[paper("Ban Chỉ đạo 35 tỉnh")])
    assert (secret.register, secret.code) == (Register.OUTGOING_CLASSIFIED, "01/QĐ-UBND")
    assert issued(world).code == "03/QĐ-UBND"


def at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=HANOI)


def test_numbers_start_again_from_01_on_the_first_of_january(world):
    year = timezone.localdate().year
    with time_machine.travel(at(dt.date(year, 12, 31), 16), tick=True):
        issued(world)
        last_of_year = issued(world)
    with time_machine.travel(at(dt.date(year + 1, 1, 2), 8), tick=True):
        first_of_year = issued(world)
    assert (last_of_year.year, last_of_year.code) == (year, "02/QĐ-UBND")
    assert (first_of_year.year, first_of_year.code) == (year + 1, "01/QĐ-UBND")


def test_issuing_late_is_recorded_not_refused(world):
    calendar = WorkingCalendar()
    today = timezone.localdate()
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
    in_time = calendar.next_working_day(friday)
    too_late = calendar.next_working_day(in_time)
    with time_machine.travel(at(friday, 10), tick=True):
        outgoing = signed(world)
        late = signed(world)
    with time_machine.travel(at(in_time, 9), tick=True):
        assert not sel.issued_late(svc.outgoing_issue(outgoing=outgoing, actor=world.clerk))
    with time_machine.travel(at(too_late, 9), tick=True):
        late = svc.outgoing_issue(outgoing=late, actor=world.clerk)
    assert late.status == S.ISSUED and sel.issued_late(late)
    event = AuditEvent.objects.filter(action="outgoing.issue", object_id=str(late.pk)).get()
    assert event.after["late"] is True


# ---------------------------------------------------------------- refusals that change nothing


def test_issue_without_organisation_certificate_consumes_no_number(db):
    w = build_world(org_certificate=False)
    outgoing = signed(w)
    with pytest.raises(ValidationFailed) as error:
        svc.outgoing_issue(outgoing=outgoing, actor=w.clerk)
    assert error.value.message == "Cơ quan chưa có chứng thư số của tổ chức còn hiệu lực để ký phát hành văn bản."
    assert fresh(outgoing).status == S.SIGNED and fresh(outgoing).number is None
    assert not Sequence.objects.filter(agency=w.agency).exists()


def test_a_failure_after_numbering_gives_the_number_back(world, monkeypatch):
    outgoing = signed(world)

    def broken(**kwargs):
        raise ValidationFailed("Không gửi được.")

    monkeypatch.setattr(exchange_outbox, "recipients_dispatch", broken)
    with pytest.raises(ValidationFailed):
        svc.outgoing_issue(outgoing=outgoing, actor=world.clerk)
    after = fresh(outgoing)
    assert (after.status, after.number, after.verification_code) == (S.SIGNED, None, "")
    assert not VerifiableDocument.objects.exists()
    assert after.files.filter(kind=DocumentFile.Kind.SIGNED).count() == 1
    monkeypatch.undo()
    assert svc.outgoing_issue(outgoing=outgoing, actor=world.clerk).code == "01/QĐ-UBND"


def test_a_non_pdf_draft_is_refused(world):
    outgoing = create(world)
    with pytest.raises(ValidationFailed) as error:
        svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload(PNG_BYTES, "anh.pdf"))
    assert error.value.message == "Tệp “anh.pdf” không đúng loại: dự thảo văn bản chỉ nhận PDF."
    assert not outgoing.files.exists()


def test_sign_needs_a_personal_certificate(world):
    outgoing = awaiting_signature(world)
    world.leader_cert.revoked_at = timezone.now()
    world.leader_cert.save()
    with pytest.raises(ValidationFailed) as error:
        svc.outgoing_sign(outgoing=outgoing, actor=world.leader)
    assert error.value.message == "Bạn chưa có chứng thư số cá nhân còn hiệu lực để ký văn bản."
    assert fresh(outgoing).status == S.AWAITING_SIGNATURE


def test_submit_needs_a_draft_and_sane_reviewers(world):
    outgoing = create(world)
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[world.vp_head])
    assert error.value.message == "Chưa có dự thảo văn bản (PDF) để trình."
    svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload())
    refusals = {
        (world.vp_specialist,): "Người soạn thảo không tự cho ý kiến dự thảo của mình.",
        (world.vp_head, world.vp_head): "Trần Văn Chánh có tên hai lần trong danh sách cho ý kiến.",
        (world.outsider,): "Võ Văn Ngoài không phải cán bộ của cơ quan ban hành.",
    }
    for reviewers, message in refusals.items():
        with pytest.raises(ValidationFailed) as error:
            svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=list(reviewers))
        assert error.value.message == message
    assert fresh(outgoing).status == S.DRAFT and not ReviewStep.objects.exists()


def test_refusals_name_the_state(world):
    outgoing = drafted(world)
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_sign(outgoing=outgoing, actor=world.leader)
    assert error.value.message == "Không thể ký số: văn bản đang ở trạng thái «Đang soạn thảo»."
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_issue(outgoing=outgoing, actor=world.clerk)
    assert error.value.message == "Không thể phát hành: văn bản đang ở trạng thái «Đang soạn thảo»."
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[world.vp_head])
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_draft_upload(outgoing=outgoing, actor=world.vp_specialist, upload=upload())
    assert error.value.message == "Không thể tải lên dự thảo: văn bản đang ở trạng thái «Đang trình duyệt»."


def test_who_may_not_act(world):
    outgoing = awaiting_signature(world)
    with pytest.raises(NotFoundOrForbidden) as error:
        svc.outgoing_sign(outgoing=outgoing, actor=world.outsider)
    assert error.value.message == "Không tìm thấy văn bản."
    with pytest.raises(NotFoundOrForbidden) as error:
        svc.outgoing_sign(outgoing=outgoing, actor=world.clerk)
    assert error.value.message == "Bạn không có quyền ký số đối với văn bản này."
    with pytest.raises(NotFoundOrForbidden):
        svc.outgoing_sign(outgoing=outgoing, actor=world.kt_specialist)
    with pytest.raises(NotFoundOrForbidden) as error:
        svc.outgoing_issue(outgoing=svc.outgoing_sign(outgoing=outgoing, actor=world.leader), actor=world.vp_head)
    assert error.value.message == "Bạn không có quyền phát hành đối với văn bản này."


def test_the_signer_may_return_the_draft(world):
    outgoing = awaiting_signature(world)
    with pytest.raises(ValidationFailed):
        svc.outgoing_return(outgoing=outgoing, actor=world.leader, reason=" ")
    svc.outgoing_return(outgoing=outgoing, actor=world.leader, reason="Viết lại điều 2.")
    assert fresh(outgoing).status == S.RETURNED
    assert DocumentComment.objects.get(outgoing=outgoing).text == "Viết lại điều 2."


def test_cancel_by_the_drafter_or_a_leader_before_issue(world):
    outgoing = drafted(world)
    with pytest.raises(NotFoundOrForbidden):
        svc.outgoing_cancel(outgoing=outgoing, actor=world.vp_head, reason="Không cần nữa.")
    with pytest.raises(ValidationFailed) as error:
        svc.outgoing_cancel(outgoing=outgoing, actor=world.vp_specialist, reason="")
    assert error.value.message == "Nhập lý do hủy văn bản."
    svc.outgoing_cancel(outgoing=outgoing, actor=world.vp_specialist, reason="Trùng nội dung.")
    assert (fresh(outgoing).status, fresh(outgoing).note) == (S.CANCELLED, "Trùng nội dung.")
    done = issued(world)
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_cancel(outgoing=done, actor=world.leader, reason="Muộn rồi.")
    assert error.value.message == "Không thể hủy văn bản: văn bản đang ở trạng thái «Đã phát hành»."


# ---------------------------------------------------------------- creating and editing


def test_create_checks_the_drafter_and_the_metadata(world):
    with pytest.raises(NotFoundOrForbidden) as error:
        create(world, actor=world.clerk)
    assert error.value.message == "Bạn không có quyền soạn văn bản đi của cơ quan này."
    with pytest.raises(ValidationFailed) as error:
        create(world, actor=world.kt_specialist)
    assert error.value.message == "Bạn không phải thành viên của Văn phòng nên không soạn văn bản cho đơn vị này."
    cases = {
        "subject": ("  ", "Nhập trích yếu nội dung văn bản."),
        "signer": (world.vp_head, "Người ký phải là lãnh đạo của cơ quan ban hành."),
        "copies": (0, "Số lượng bản phải từ 1 đến 999."),
        "recipients": ([], "Chọn ít nhất một nơi nhận."),
        "signing_authority": ("XX.", "Thẩm quyền ký không hợp lệ."),
    }
    for field, (value, message) in cases.items():
        with pytest.raises(ValidationFailed) as error:
            create(world, **{field: value})
        assert error.value.message == message
    assert not OutgoingDocument.objects.exists()


def test_recipients_rules(world):
    ExchangePartner.objects.create(organ_id="000.00.00.G03", name="Bộ Nội vụ", endpoint="https://bnv.example/edxml")
    outgoing = create(world, recipients=[RecipientSpec(channel="edxml", organ_id="000.00.00.G03"), paper("Như trên")])
    assert list(outgoing.recipients.values_list("channel", "organ_id", "name")) == [
        ("edxml", "000.00.00.G03", "Bộ Nội vụ"),
        ("paper", "", "Như trên"),
    ]
    cases = [
        (
            {"recipients": [RecipientSpec(channel="edxml", organ_id="000.00.00.X99")]},
            "Không tìm thấy cơ quan liên thông có mã định danh «000.00.00.X99».",
        ),
        (
            {"recipients": [RecipientSpec(channel="internal", agency=world.agency)]},
            "Không gửi văn bản cho chính cơ quan ban hành.",
        ),
        ({"recipients": [paper("Như trên"), paper("như  trên")]}, "Nơi nhận «như trên» bị trùng."),
        (
            {"recipients": [RecipientSpec(channel="edxml", organ_id="000.00.00.G03")], "secrecy": Secrecy.SECRET},
            "Văn bản mật không được gửi qua trục liên thông điện tử.",
        ),
        (
            {"recipients": [RecipientSpec(channel="internal", agency=world.other_agency)], "secrecy": Secrecy.SECRET},
            "Văn bản mật không được gửi qua trục liên thông điện tử.",
        ),
        ({"recipients": [RecipientSpec(channel="fax", name="x")]}, "Hình thức gửi không hợp lệ."),
    ]
    for overrides, message in cases:
        with pytest.raises(ValidationFailed) as error:
            create(world, **overrides)
        assert error.value.message == message
    assert OutgoingDocument.objects.count() == 1


def test_update_while_draft_only(world):
    outgoing = drafted(world)
    svc.outgoing_update(
        outgoing=outgoing,
        actor=world.vp_specialist,
        drafting_department=world.vp,
        document_type=world.doc_type_letter,
        subject="Công văn đôn đốc báo cáo",
        signer=world.leader,
        recipients=[paper("UBND các xã")],
        copies=3,
    )
    after = fresh(outgoing)
    assert (after.subject, after.copies, after.document_type) == ("Công văn đôn đốc báo cáo", 3, world.doc_type_letter)
    assert list(after.recipients.values_list("name", flat=True)) == ["UBND các xã"]
    assert "cong van don doc" in after.search_text
    svc.outgoing_submit_for_review(outgoing=outgoing, actor=world.vp_specialist, reviewers=[])
    with pytest.raises(InvalidTransition) as error:
        svc.outgoing_update(
            outgoing=outgoing,
            actor=world.vp_specialist,
            drafting_department=world.vp,
            document_type=world.doc_type_letter,
            subject="Đổi",
            signer=world.leader,
            recipients=[paper()],
        )
    assert error.value.message == "Không thể sửa thông tin văn bản: văn bản đang ở trạng thái «Chờ lãnh đạo ký»."


def test_reply_to_an_incoming_document(world):
    received = incoming(world)
    reply = create(world, reply_to=received)
    assert reply.reply_to == received and list(received.replies.all()) == [reply]
    hidden = incoming(world, number=8, handler=None, lead_department=world.kt)
    with pytest.raises(NotFoundOrForbidden) as error:
        create(world, reply_to=hidden)
    assert error.value.message == "Không tìm thấy văn bản đến cần trả lời."


# ---------------------------------------------------------------- who sees what


def test_visibility_by_department_and_secrecy(world):
    normal = create(world)
    secret = create(world, secrecy=Secrecy.SECRET, recipients=[paper()])
    svc.outgoing_draft_upload(outgoing=secret, actor=world.vp_specialist, upload=upload())
    svc.outgoing_submit_for_review(outgoing=secret, actor=world.vp_specialist, reviewers=[world.kt_head])

    def sees(user):
        return set(outgoing_visible_to(user).values_list("pk", flat=True))

    assert sees(world.vp_specialist) == {normal.pk, secret.pk}  # the drafter
    assert sees(world.vp_head) == {normal.pk}  # a member of the drafting department, not named on the secret one
    assert sees(world.kt_head) == {secret.pk}  # named as a reviewer of the secret one only
    assert sees(world.kt_specialist) == set()
    assert sees(world.leader) == {normal.pk, secret.pk}
    assert sees(world.clerk) == {normal.pk, secret.pk}
    assert sees(world.outsider) == set()
    with pytest.raises(NotFoundOrForbidden):
        sel.outgoing_for(user=world.kt_specialist, pk=normal.pk)


def test_boxes(world):
    draft = drafted(world)
    in_review = drafted(world)
    svc.outgoing_submit_for_review(
        outgoing=in_review, actor=world.vp_specialist, reviewers=[world.vp_head, world.kt_head]
    )
    waiting = awaiting_signature(world)
    ready = signed(world)
    done = issued(world)
    assert sel.box_counts(user=world.vp_specialist)["drafting"] == 4
    assert list(sel.outgoing_list(user=world.vp_head, box="to_review")) == [in_review]
    assert list(sel.outgoing_list(user=world.kt_head, box="to_review")) == []
    assert list(sel.outgoing_list(user=world.leader, box="to_sign")) == [waiting]
    assert list(sel.outgoing_list(user=world.clerk, box="to_issue")) == [ready]
    assert list(sel.outgoing_list(user=world.clerk, box="issued")) == [done]
    assert list(sel.outgoing_list(user=world.clerk, box="issued", query="QD-UBND 01")) == [done]
    assert sel.box_counts(user=world.kt_specialist) == {"drafting": 0, "to_review": 0, "issued": 0}
    assert "to_issue" in sel.box_counts(user=world.clerk) and "to_sign" not in sel.box_counts(user=world.clerk)
    assert draft in sel.outgoing_list(user=world.vp_specialist, box="drafting")


def test_a_slow_remote_signer_leaves_nothing_half_signed(world, settings, client, run_jobs):
    """The leader's page answers within the signing timeout with a clear error; the draft is not signed, and an
    issue that times out gives its number back."""
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    settings.CQS_SIGNING_TIMEOUT = 1
    settings.CQS_SIGNER_BACKEND = "cqs.signing.tests.test_remote_signer.slow_signer"
    waiting = awaiting_signature(world)
    run_jobs()  # the worker has read the draft long before the leader signs
    client.force_login(world.leader)
    started = time.monotonic()
    response = client.post(f"/van-ban/di/{waiting.pk}/xu-ly/sign/", {})
    assert time.monotonic() - started < 6
    assert response.status_code == 400
    assert "Máy chủ ký số không trả lời trong 1 giây: văn bản chưa được ký." in response.content.decode()
    assert fresh(waiting).status == S.AWAITING_SIGNATURE
    assert not waiting.files.filter(kind=DocumentFile.Kind.SIGNED).exists()
    assert not AuditEvent.objects.filter(action="outgoing.sign", object_id=str(waiting.pk)).exists()
    settings.CQS_SIGNER_BACKEND = "cqs.signing.signers.stored_key_signer"
    ready = svc.outgoing_sign(outgoing=waiting, actor=world.leader)
    settings.CQS_SIGNER_BACKEND = "cqs.signing.tests.test_remote_signer.slow_signer"
    with pytest.raises(ValidationFailed):
        svc.outgoing_issue(outgoing=ready, actor=world.clerk)
    assert (fresh(ready).status, fresh(ready).number) == (S.SIGNED, None)
    settings.CQS_SIGNER_BACKEND = "cqs.signing.signers.stored_key_signer"
    assert svc.outgoing_issue(outgoing=ready, actor=world.clerk).number == 1  # the number was given back
