"""Filing through the API: the account holder files, one dossier per Idempotency-Key, the declaration made for you."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cqs.dossiers.models import DeclarationConfirmation, Dossier
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.factories_filing import at_once, with_copy_fee, with_declaration, with_second_document
from cqs.dossiers.tests.test_api import Caller, _officials_without_totp, filing_payload, people, png

pytestmark = pytest.mark.django_db
__all__ = ["_officials_without_totp", "people"]  # fixtures shared with the main API tests


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
