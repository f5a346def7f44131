"""Handling (``services.handling``): transfers to a partner agency, sending back, approval, fees;
what each does, and that every refusal changes nothing."""

from __future__ import annotations

from cqs.accounts.models import Role
from cqs.catalog.models import Agency
from cqs.catalog.tests import factories as catalog_factories
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.dossiers import services
from cqs.dossiers.models import DossierEvent, DossierFile, Status
from cqs.dossiers.tests.factories import World, official, pdf
from cqs.dossiers.tests.factories_dsvc import NOT_FOUND, accepted, awaiting_approval, invalid, refused, submitted

# ---------------------------------------------------------------- processing


def test_transfer_and_back(w: World) -> None:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    dossier = accepted(w)
    refused(
        ValidationFailed,
        "Chọn một cơ quan phối hợp khác cơ quan đang giữ hồ sơ.",
        lambda: services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.agency, note="x"),
        dossier,
    )
    refused(
        ValidationFailed,
        "Ghi nội dung đề nghị cơ quan phối hợp thực hiện.",
        lambda: services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note=""),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_transfer(dossier=dossier, actor=w.officer, to_agency=w.other_agency, note="x"),
        dossier,
    )
    dossier = services.dossier_transfer(
        dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note="Đề nghị xác minh"
    )
    assert (dossier.status, dossier.current_agency, dossier.current_role) == (
        Status.TRANSFERRED,
        w.other_agency,
        Role.SPECIALIST,
    )
    event = DossierEvent.objects.get(dossier=dossier, action="transfer")
    assert event.national_status == 4 and event.data == {"to_agency": w.other_agency.electronic_code}
    refused(
        InvalidTransition,
        "Hồ sơ đang ở cơ quan phối hợp; chờ cơ quan đó trả lại.",
        lambda: services.dossier_forward(dossier=dossier, actor=partner),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_transfer_return(dossier=dossier, actor=w.specialist, note="x"),
        dossier,
    )
    refused(
        ValidationFailed,
        "Ghi kết quả phối hợp trước khi trả hồ sơ.",
        lambda: services.dossier_transfer_return(dossier=dossier, actor=partner, note=" "),
        dossier,
    )
    dossier = services.dossier_transfer_return(dossier=dossier, actor=partner, note="Đã xác minh, đúng")
    assert (dossier.status, dossier.current_agency, dossier.current_step) == (Status.PROCESSING, w.agency, 2)
    outcomes = list(dossier.steps.order_by("id").values_list("position", "outcome", "agency_id"))
    assert outcomes == [
        (1, "accepted", w.agency.pk),
        (2, "transferred", w.agency.pk),
        (2, "returned", w.other_agency.pk),
        (2, "", w.agency.pk),
    ]
    refused(
        InvalidTransition,
        invalid("trả hồ sơ liên thông", dossier, "Đang xử lý"),
        lambda: services.dossier_transfer_return(dossier=dossier, actor=w.specialist, note="x"),
        dossier,
    )


def test_a_transfer_to_the_receiving_centre_is_still_a_transfer_after_a_pause(w: World) -> None:
    centre = catalog_factories.agency(kind=Agency.Kind.COMMUNE_SERVICE_CENTRE, name="Trung tâm phục vụ hành chính công")
    desk = official("motcua_tt", centre, Role.ONE_STOP_OFFICER, Role.SPECIALIST)
    dossier = services.dossier_accept(dossier=submitted(w, receiving_agency=centre), actor=desk)
    assert dossier.current_agency == w.agency  # the specialist step is at the deciding agency
    dossier = services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=centre, note="Đối chiếu bản gốc")
    dossier = services.dossier_request_payment(dossier=dossier, actor=desk, amount=8000)
    dossier = services.dossier_record_payment(dossier=dossier, actor=desk, receipt="BL 7")
    assert dossier.status == Status.TRANSFERRED
    dossier = services.dossier_transfer_return(dossier=dossier, actor=desk, note="Đã đối chiếu")
    assert dossier.status == Status.PROCESSING and dossier.current_agency == w.agency


def test_the_leader_sends_back_to_the_specialist(w: World) -> None:
    dossier = awaiting_approval(w)
    refused(
        ValidationFailed,
        "Phải ghi lý do trả lại.",
        lambda: services.dossier_send_back(dossier=dossier, actor=w.leader, reason=""),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_send_back(dossier=dossier, actor=w.specialist, reason="x"),
        dossier,
    )
    dossier = services.dossier_send_back(dossier=dossier, actor=w.leader, reason="Sai tên cha")
    assert (dossier.status, dossier.current_step, dossier.current_role) == (Status.PROCESSING, 2, Role.SPECIALIST)
    assert dossier.steps.get(position=3).outcome == "sent_back"
    refused(
        InvalidTransition,
        invalid("trả lại bước trước", dossier, "Đang xử lý"),
        lambda: services.dossier_send_back(dossier=dossier, actor=w.leader, reason="x"),
        dossier,
    )


def test_the_leader_finishes_with_the_result_file_only_at_the_last_step(w: World) -> None:
    dossier = awaiting_approval(w)
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý", result=pdf("ket-qua.pdf"))
    assert dossier.status == Status.FINISHED and dossier.files.filter(source=DossierFile.Source.RESULT).count() == 1
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online")
    assert dossier.status == Status.RETURNED


def test_payment_refusals(w: World) -> None:
    dossier = accepted(w)
    refused(
        ValidationFailed,
        "Số tiền phải lớn hơn 0 đồng.",
        lambda: services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=0),
        dossier,
    )
    dossier = services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=8000)
    assert DossierEvent.objects.get(dossier=dossier, action="request_payment").national_status == 6
    refused(
        ValidationFailed,
        "Ghi số biên lai thu phí, lệ phí.",
        lambda: services.dossier_record_payment(dossier=dossier, actor=w.officer, receipt=""),
        dossier,
    )
    refused(
        NotFoundOrForbidden,
        NOT_FOUND,
        lambda: services.dossier_record_payment(dossier=dossier, actor=w.specialist, receipt="BL"),
        dossier,
    )
