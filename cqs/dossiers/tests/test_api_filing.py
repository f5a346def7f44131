"""Filing through the API: online by the account holder or at the counter, one dossier per Idempotency-Key,
the declaration made for you, and submissions that must not break it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from cqs.dossiers import services
from cqs.dossiers.models import DeclarationConfirmation, Dossier
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.factories_api import API, NUL, Caller, filing_payload, png
from cqs.dossiers.tests.factories_filing import at_once, with_copy_fee, with_declaration, with_second_document

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


# ---------------------------------------------------------------- filing


def test_online_submission_with_two_attachments(w: World, people: dict[str, Caller]) -> None:
    response = people["citizen"].multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["national_status"] == 1
    assert body["status_label"] == "Mới đăng ký"
    assert body["code"].startswith(f"{w.agency.electronic_code}-")
    assert body["links"]["self"] == f"{API}/dossiers/{body['code']}"
    assert body["links"]["lookup"] == f"{API}/dossiers/lookup/{body['code']}"
    dossier = Dossier.objects.get(code=body["code"])
    assert dossier.applicant == w.citizen and dossier.channel == 2
    assert dossier.applicant_name == w.citizen.full_name and dossier.applicant_id_number == w.citizen.citizen_id
    files = list(dossier.files.order_by("id"))
    assert [(f.name, f.kind, f.source) for f in files] == [
        ("Tờ khai đăng ký khai sinh", "pdf", "upload"),
        ("Giấy chứng sinh", "png", "upload"),
    ]


def test_submission_reuses_a_stored_paper(w: World, people: dict[str, Caller]) -> None:
    paper = services.stored_paper_add(owner=w.citizen, name="Tờ khai cũ", upload=pdf())
    document = w.version.documents.first()
    assert document is not None
    payload = filing_payload(w, attachments=[{"required_document_id": document.pk, "stored_paper_id": paper.pk}])
    response = people["citizen"].multipart("/dossiers", payload)
    assert response.status_code == 201, response.content
    assert Dossier.objects.get(code=response.json()["code"]).files.get().source == "reused"
    # Someone else's stored paper is not found.
    response = people["stranger"].multipart("/dossiers", payload)
    assert response.status_code == 422
    assert response.json()["message"] == "Không tìm thấy giấy tờ trong kho dữ liệu của bạn."


def test_officials_cannot_file_online_and_citizens_cannot_receive_at_the_counter(
    w: World, people: dict[str, Caller]
) -> None:
    response = people["officer"].multipart("/dossiers", filing_payload(w), [pdf(), pdf()])
    assert response.status_code == 404
    counter = filing_payload(w, applicant_name="Lê Văn Tám", applicant_id_number="040090011111")
    for who in ("citizen", "specialist", "outsider"):
        response = people[who].multipart("/counter/dossiers", counter, [pdf(), pdf()])
        assert response.status_code == 404, who
    assert Dossier.objects.count() == 0


def test_counter_reception_by_the_one_stop_officer(w: World, people: dict[str, Caller]) -> None:
    payload = filing_payload(
        w, applicant_name="Lê Văn Tám", applicant_id_number="040090011111", channel=3, sets_count=2
    )
    response = people["officer"].multipart("/counter/dossiers", payload, [pdf(), pdf()])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "processing" and body["current_role"] == "specialist"
    assert body["due_at"].endswith("+07:00")
    dossier = Dossier.objects.get(code=body["code"])
    assert (dossier.channel, dossier.sets_count, dossier.applicant, dossier.received_by) == (3, 2, None, w.officer)
    assert set(dossier.files.values_list("source", flat=True)) == {"scan"}
    response = people["officer"].multipart("/counter/dossiers", {**payload, "channel": 2}, [pdf(), pdf()])
    assert response.status_code == 422


def test_self_filing_under_another_persons_name_and_cccd_is_refused(w: World, people: dict[str, Caller]) -> None:
    payload = filing_payload(w, filing_mode="self", applicant_name="Trần Văn Hùng", applicant_id_number="040085654321")
    response = people["citizen"].multipart("/dossiers", payload, [pdf(), png()])
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"] == "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu."
    assert body["detail"]["errors"]["applicant"].startswith(
        "Người nộp hồ sơ trực tuyến là chủ tài khoản (Nguyễn Thị Lan, 040190012345)."
    )
    assert not Dossier.objects.exists()


def test_filing_for_another_person_goes_through_the_proxy_mode(w: World, people: dict[str, Caller]) -> None:
    payload = filing_payload(
        w,
        filing_mode="on_behalf",
        principal_name="Trần Văn Hùng",
        principal_id_number="040085654321",
        authorisation_note="Giấy ủy quyền số 12/UQ",
    )
    response = people["citizen"].multipart("/dossiers", payload, [pdf(), png()])
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert (dossier.applicant, dossier.applicant_name, dossier.applicant_id_number) == (
        w.citizen,
        "Nguyễn Thị Lan",
        "040190012345",
    )
    assert dossier.principal_id_number == "040085654321"
    # The principal sees nothing of it through their own account: it is not their dossier.
    assert people["stranger"].get(f"/dossiers/{dossier.code}").status_code == 404


# ---------------------------------------------------------------- Idempotency-Key


def _with_key(caller: Caller, key: str) -> Caller:
    caller.headers = {**caller.headers, "HTTP_IDEMPOTENCY_KEY": key}
    return caller


def test_a_retry_with_the_same_key_replays_the_dossier(w: World, people: dict[str, Caller]) -> None:
    citizen = _with_key(people["citizen"], "0f8fad5b-d9cb-469f-a165-70867728950e")
    first = citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Dossier.objects.count() == 1


def test_the_same_key_with_another_body_is_422(w: World, people: dict[str, Caller]) -> None:
    citizen = _with_key(people["citizen"], "lan-2025-1")
    assert citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()]).status_code == 201
    changed = filing_payload(w, delivery="post")
    response = citizen.multipart("/dossiers", changed, [pdf(), png()])
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Dossier.objects.count() == 1


def test_without_a_key_each_request_files(w: World, people: dict[str, Caller]) -> None:
    for _ in range(2):
        assert people["citizen"].multipart("/dossiers", filing_payload(w), [pdf(), png()]).status_code == 201
    assert Dossier.objects.count() == 2


def test_a_malformed_key_is_422(w: World, people: dict[str, Caller]) -> None:
    citizen = _with_key(people["citizen"], "x" * 101)
    response = citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"
    assert not Dossier.objects.exists()


def test_another_citizen_reusing_a_key_files_their_own_dossier(w: World, people: dict[str, Caller]) -> None:
    key = "chung-mot-khoa"
    mine = _with_key(people["citizen"], key).multipart("/dossiers", filing_payload(w), [pdf(), png()]).json()
    theirs = _with_key(people["stranger"], key).multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["code"] != mine["code"]
    assert Dossier.objects.get(code=theirs.json()["code"]).applicant == w.stranger


def test_an_official_on_the_citizen_endpoint_is_404_even_with_a_key(w: World, people: dict[str, Caller]) -> None:
    response = _with_key(people["officer"], "k1").multipart("/dossiers", filing_payload(w), [pdf(), png()])
    assert response.status_code == 404
    assert not Dossier.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_the_same_moment_with_one_key_file_one_dossier(w: World) -> None:
    citizen = _with_key(Caller(w.citizen), "cung-luc")
    outcomes = at_once(*(lambda: citizen.multipart("/dossiers", filing_payload(w), [pdf(), png()]) for _ in range(2)))
    assert [o.status_code for o in outcomes] == [201, 201], outcomes
    assert outcomes[0].json()["code"] == outcomes[1].json()["code"]
    assert sorted(o.get("Idempotent-Replayed", "") for o in outcomes) == ["", "true"]
    assert Dossier.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_counter_receptions_at_the_same_moment_with_one_key_receive_one_dossier(w: World) -> None:
    officer = _with_key(Caller(w.officer), "quay-cung-luc")
    payload = filing_payload(w, applicant_name="Lê Văn Tám", applicant_id_number="040090011111")
    outcomes = at_once(*(lambda: officer.multipart("/counter/dossiers", payload, [pdf(), pdf()]) for _ in range(2)))
    assert [o.status_code for o in outcomes] == [201, 201], outcomes
    assert Dossier.objects.count() == 1


# ---------------------------------------------------------------- the declaration is made from form_data


def test_the_api_makes_the_declaration_and_refuses_a_file_for_it(w: World, people: dict[str, Caller]) -> None:
    declaration = with_declaration(w.version)
    birth = with_second_document(w.version)
    sent = filing_payload(w, attachments=[{"required_document_id": declaration.pk}, {"required_document_id": birth.pk}])
    refused = people["citizen"].multipart("/dossiers", sent, [pdf(), pdf()])
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"]["declaration"] == (
        "“Tờ khai đăng ký khai sinh” được lập từ tờ khai điện tử khi nộp hồ sơ; không gửi tệp cho giấy tờ này."
    )
    response = people["citizen"].multipart(
        "/dossiers", filing_payload(w, attachments=[{"required_document_id": birth.pk}]), [pdf()]
    )
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    confirmation = DeclarationConfirmation.objects.get(dossier=dossier)
    assert (confirmation.method, confirmation.confirmed_by) == ("api_token", w.citizen)
    detail = people["citizen"].get(f"/dossiers/{dossier.code}").json()
    assert {f["source"] for f in detail["files"]} == {"declaration", "upload"}


def test_a_browser_session_on_the_api_records_a_password_login(client: Any, w: World) -> None:
    with_declaration(w.version)
    client.force_login(w.citizen)
    response = client.post("/api/v1/dossiers", {"payload": json.dumps(filing_payload(w, attachments=[]))})
    assert response.status_code == 201, response.content
    assert DeclarationConfirmation.objects.get().method == "password"


def test_the_procedure_api_says_which_document_is_the_declaration(client: Any, w: World) -> None:
    with_declaration(w.version)
    with_copy_fee(w.version)
    body = client.get(f"/api/v1/procedures/{w.procedure.code}").json()
    assert [d["declaration"] for d in body["documents"]] == [True]
    assert [(f["amount"], f["quantity_field"]) for f in body["fees"]] == [(0, ""), (8000, "ban_sao")]


# ---------------------------------------------------------------- malformed submissions never answer 500


@pytest.mark.parametrize(
    ("payload", "files", "field"),
    [
        (None, 2, "payload"),
        ("{hỏng", 2, None),
        ("[]", 2, None),
        ({"procedure": "9.999999"}, 2, "procedure"),
        ({"deciding_agency": "KHONG-CO"}, 2, "deciding_agency"),
        ({"receiving_agency": "KHONG-CO"}, 2, "receiving_agency"),
        ({"form_data": {"ho_ten_tre": NUL}}, 2, "form_data.ho_ten_tre"),
        ({"form_data": {"ho_ten_tre": ["a"]}}, 2, "form_data.ho_ten_tre.str"),
        ({"form_data": "chuỗi"}, 2, "form_data"),
        ({"form_data": {"ngay_sinh": "31/02/2026"}}, 2, None),
        ({"attachments": [{"required_document_id": "x"}]}, 1, "attachments.0.required_document_id"),
        ({"attachments": [{"required_document_id": 10**30}]}, 1, "attachments.0.required_document_id"),
        ({"attachments": [{"stored_paper_id": 999999}]}, 0, None),
        ({"attachments": [{}] * 51}, 0, "attachments"),
        ({}, 1, "files"),
        ({}, 3, "files"),
        ({"filing_mode": "bay"}, 2, None),
        ({"filing_mode": "on_behalf"}, 2, None),
        ({"delivery": "bay"}, 2, None),
        ({"applicant_name": "x" * 5000}, 2, "applicant_name"),
        ({"bi_mat": True}, 2, "bi_mat"),
        ({"attachments": []}, 0, None),
    ],
)
def test_malformed_submissions_are_4xx_and_file_nothing(
    w: World, people: dict[str, Caller], payload: Any, files: int, field: str | None
) -> None:
    data: dict[str, Any] = {}
    if isinstance(payload, dict):
        data["payload"] = json.dumps({**filing_payload(w), **payload})
    elif isinstance(payload, str):
        data["payload"] = payload
    if files:
        data["files"] = [pdf() for _ in range(files)]
    caller = people["citizen"]
    response = caller.client.post(f"{API}/dossiers", data=data, **caller.headers)
    assert response.status_code == 422, response.content
    body = response.json()
    assert not body["message"].isascii()
    if field is not None:
        assert field in [e["field"] for e in body["detail"]["errors"]], body
    assert Dossier.objects.count() == 0


def test_files_that_are_not_papers_are_refused(w: World, people: dict[str, Caller]) -> None:
    text = io.BytesIO(b"<script>alert(1)</script>")
    text.name = "giay-to.pdf"
    response = people["citizen"].multipart("/dossiers", filing_payload(w), [pdf(), text])
    assert response.status_code == 422 and not response.json()["message"].isascii()
    empty = io.BytesIO(b"")
    empty.name = "rong.pdf"
    response = people["citizen"].multipart("/dossiers", filing_payload(w), [pdf(), empty])
    assert response.status_code == 422
    assert Dossier.objects.count() == 0


def test_json_or_broken_multipart_instead_of_multipart(w: World, people: dict[str, Caller]) -> None:
    caller = people["citizen"]
    response = caller.post("/dossiers", filing_payload(w))
    assert response.status_code == 422 and response.json()["detail"]["errors"][0]["field"] == "payload"
    broken = caller.client.post(
        f"{API}/dossiers",
        data=b'--abc\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{}',
        content_type="multipart/form-data; boundary=abc",
        **caller.headers,
    )
    assert broken.status_code in (400, 422)
    no_boundary = caller.client.post(
        f"{API}/dossiers", data=b"xyz", content_type="multipart/form-data", **caller.headers
    )
    assert no_boundary.status_code in (400, 422)
