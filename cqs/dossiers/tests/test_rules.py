"""Rules of REFERENCE on dossiers: scanned page counts, the full-online result, the apology's bounds."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from cqs.catalog.models import OnlineLevel
from cqs.core.errors import ValidationFailed
from cqs.core.models import AuditEvent
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.services import Attachment
from cqs.dossiers.tests.factories import PASSWORD, World, filing, pdf
from cqs.dossiers.tests.factories_api import Caller
from cqs.dossiers.tests.factories_dsvc import accepted, at, state
from cqs.dossiers.tests.test_results import pdf_text
from cqs.signing import services as signing
from cqs.signing.models import Certificate
from cqs.signing.pdf import pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


def pdf_of(pages: int, name: str = "scan.pdf") -> io.BytesIO:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_a_scan_received_at_the_counter_records_its_page_count_shown_on_the_desk(w: World, client: Client) -> None:
    document = w.version.documents.get()
    scans = [Attachment(required_document_id=document.pk, upload=pdf_of(3), source=DossierFile.Source.SCAN)]
    dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w, attachments=scans))
    scan = dossier.files.get()
    assert (scan.source, scan.page_count) == (DossierFile.Source.SCAN, 3)
    client.login(username=w.officer.username, password=PASSWORD)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "3 trang" in page


def test_an_online_upload_records_its_page_count_too(w: World) -> None:
    document = w.version.documents.get()
    papers = [Attachment(required_document_id=document.pk, upload=pdf_of(2))]
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w, attachments=papers))
    assert dossier.files.get().page_count == 2


# ---------------------------------------------------------------- the electronic receipt (form 01 sent electronically)


def _seal(w: World, demo_ca: Any) -> Certificate:
    return signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )


def _form_01(client: Client, dossier: Dossier) -> bytes:
    response = client.get(reverse("dossier_forms:form", args=[dossier.code, "01"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_receipt_of_an_online_dossier_is_signed_by_the_receiving_agency(
    w: World, client: Client, demo_ca: Any
) -> None:
    _seal(w, demo_ca)
    dossier = accepted(w)
    client.login(username=w.citizen.username, password=PASSWORD)
    sent = _form_01(client, dossier)
    reports = pdf_verify(pdf=sent)
    assert [(r.signer_name, r.ok) for r in reports] == [(w.agency.name, True)]
    assert f"có chữ ký số của {w.agency.name}" in pdf_text(sent)
    # Sent once, kept: the officer and the citizen read the very same signed receipt afterwards.
    client.logout()
    client.login(username=w.officer.username, password=PASSWORD)
    assert _form_01(client, dossier) == sent
    assert AuditEvent.objects.filter(action="dossier.receipt_sign", object_id=str(dossier.pk)).count() == 1


def test_without_an_agency_certificate_the_receipt_says_so_and_the_acceptance_stands(w: World, client: Client) -> None:
    dossier = accepted(w)
    assert dossier.status == "processing"
    client.login(username=w.citizen.username, password=PASSWORD)
    sent = _form_01(client, dossier)
    assert pdf_verify(pdf=sent) == []
    text = pdf_text(sent)
    assert "chưa có chữ ký số" in text and "chưa có chứng thư số" in text
    assert not Dossier.objects.get(pk=dossier.pk).receipt  # signed and kept once a certificate exists
    client.logout()
    client.login(username=w.officer.username, password=PASSWORD)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "chưa có chứng thư số của cơ quan" in page


def test_an_api_client_gets_the_same_signed_receipt(w: World, client: Client, demo_ca: Any) -> None:
    _seal(w, demo_ca)
    dossier = accepted(w)
    sent = Caller(w.citizen).get(f"/dossiers/{dossier.code}/receipt")
    assert sent.status_code == 200 and sent["Content-Type"] == "application/pdf"
    assert sent["Cache-Control"] == "private, no-store"
    assert [r.signer_name for r in pdf_verify(pdf=sent.content)] == [w.agency.name]
    client.login(username=w.citizen.username, password=PASSWORD)
    assert _form_01(client, dossier) == sent.content
    assert Caller(w.stranger).get(f"/dossiers/{dossier.code}/receipt").status_code == 404
    counter = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    assert Caller(w.officer).get(f"/dossiers/{counter.code}/receipt").status_code == 404


def test_a_counter_dossiers_receipt_is_the_paper_one_unsigned(w: World, client: Client, demo_ca: Any) -> None:
    _seal(w, demo_ca)
    dossier = services.dossier_receive_at_counter(officer=w.officer, filing=filing(w))
    client.login(username=w.officer.username, password=PASSWORD)
    assert pdf_verify(pdf=_form_01(client, dossier)) == []
    assert not Dossier.objects.get(pk=dossier.pk).receipt


# ---------------------------------------------------------------- a full-online procedure's result is electronic


def test_the_last_approval_of_a_full_online_procedure_cannot_end_with_paper(w: World) -> None:
    type(w.version).objects.filter(pk=w.version.pk).update(online_level=OnlineLevel.FULL)
    dossier = services.dossier_forward(dossier=accepted(w), actor=w.specialist, note="Đủ điều kiện")
    before = state(dossier)
    for result in (None, pdf()):
        with pytest.raises(ValidationFailed, match="dịch vụ công trực tuyến toàn trình"):
            services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý", result=result)
        assert state(dossier) == before


def test_a_partly_online_procedure_may_still_end_with_a_paper_result(w: World) -> None:
    assert w.version.online_level == OnlineLevel.PARTIAL
    dossier = services.dossier_forward(dossier=accepted(w), actor=w.specialist, note="Đủ điều kiện")
    assert services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý", result=pdf()).status == "finished"


# ---------------------------------------------------------------- the apology's new date is bounded


@pytest.mark.parametrize("new_date", [dt.date(9999, 12, 31), dt.date(2027, 3, 19), dt.date(2028, 1, 3)])
def test_an_absurd_new_return_date_is_refused_and_the_page_stays_fast(w: World, new_date: dt.date) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        dossier = accepted(w)  # 3 working days: due Thursday 04/03/2027 09:00; at most 10 working days more
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        before = state(dossier)
        with pytest.raises(ValidationFailed) as refused:
            services.dossier_apologise(dossier=dossier, actor=w.leader, reason="Chậm", new_due_date=new_date)
        assert refused.value.message == (
            "Ngày hẹn trả mới chậm nhất là 18/03/2027: không được gia hạn quá thời hạn giải quyết của thủ tục "
            "(ít nhất 10 ngày làm việc) tính từ ngày hẹn trả hiện tại."
        )
        assert state(dossier) == before
        done = services.dossier_apologise(
            dossier=dossier, actor=w.leader, reason="Chậm", new_due_date=dt.date(2027, 3, 18)
        )
    assert done.due_at == at(2027, 3, 18, 17, 30)


def test_the_api_refuses_year_9999_with_a_vietnamese_422(w: World, client: Client) -> None:
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        dossier = accepted(w)
    with time_machine.travel(at(2027, 3, 2, 10, 0), tick=False):
        leader = Caller(w.leader)
        client.login(username=w.leader.username, password=PASSWORD)
        response = leader.post(f"/dossiers/{dossier.code}/apologise", {"reason": "Chậm", "new_due_date": "31/12/9999"})
        assert response.status_code == 422
        assert response.json()["detail"]["errors"] == [
            {"field": "new_due_date", "message": "Ngày phải trong khoảng 01/01/1900–31/12/2100."}
        ]
        response = leader.post(f"/dossiers/{dossier.code}/apologise", {"reason": "Chậm", "new_due_date": "31/12/2099"})
        assert response.status_code == 422
        assert "chậm nhất là 18/03/2027" in response.json()["message"]
        page = client.get(reverse("desk:dossier", args=[dossier.code]))
    assert page.status_code == 200


# ---------------------------------------------------------------- absurd dates on the register and the dashboard


@pytest.mark.parametrize(
    "query",
    [
        "?tu=01/01/9999&den=31/12/9999",
        "?tu=01/12/9999",
        "?den=31/12/9999",
        "?tu=01/01/0001&den=31/01/0001",
        "?tu=01/01/1999&den=31/01/1999",
    ],
)
def test_the_register_refuses_absurd_years_with_a_clear_message(w: World, client: Client, query: str) -> None:
    client.login(username=w.officer.username, password=PASSWORD)
    response = client.get(f"/so-theo-doi/{w.agency.electronic_code}.pdf{query}")
    assert response.status_code == 400
    assert "Ngày phải trong khoảng 01/01/2000–31/12/" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"tu_ngay": "01/01/9999", "den_ngay": "31/12/9999"},
        {"tu_ngay": "30/12/9999"},
        {"den_ngay": "31/12/9999"},
        {"tu_ngay": "01/01/0001", "den_ngay": "02/01/0001"},
    ],
)
def test_the_dashboard_refuses_absurd_years_with_a_clear_message(
    w: World, client: Client, query: dict[str, str]
) -> None:
    client.login(username=w.officer.username, password=PASSWORD)
    response = client.get(reverse("desk:dashboard"), {"co_quan": w.agency.pk, **query})
    assert response.status_code == 400
    assert "Ngày phải trong khoảng 01/01/2000–31/12/" in response.content.decode()
