"""The dossier REST API, reading: credentials, a dossier's detail and files, the lists, the public lookup;
who may read what, and parameters that must not break it."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import PDF_BYTES, World, filing
from cqs.dossiers.tests.factories_api import API, Caller, at_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/dossiers"),
        ("get", "/dossiers/X-1"),
        ("get", "/dossiers/X-1/files/1"),
        ("post", "/dossiers"),
        ("post", "/counter/dossiers"),
        ("post", "/dossiers/X-1/accept"),
        ("post", "/dossiers/X-1/rate"),
        ("post", "/dossiers/X-1/finish"),
    ],
)
def test_credentials_are_required(client: Any, w: World, method: str, path: str) -> None:
    response = getattr(client, method)(f"{API}{path}")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "Cần đăng nhập hoặc mã truy cập hợp lệ."}


def test_a_wrong_token_is_401_and_a_browser_session_works(client: Any, w: World) -> None:
    response = client.get(f"{API}/dossiers", HTTP_AUTHORIZATION="Bearer khong-phai-ma-that")
    assert response.status_code == 401
    at_state(w, "submitted")
    client.force_login(w.citizen)
    response = client.get(f"{API}/dossiers")
    assert response.status_code == 200 and response.json()["count"] == 1


# ---------------------------------------------------------------- reading


def test_detail_for_the_applicant_and_the_desk(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    body = people["citizen"].get(f"/dossiers/{dossier.code}").json()
    assert body["status"] == "processing" and body["national_status"] == 4
    assert body["channel"] == 2 and body["channel_label"] == "Trực tuyến"
    assert body["receiving_agency"]["electronic_code"] == w.agency.electronic_code
    assert body["procedure"] == {"code": w.procedure.code, "name": w.version.name, "version": w.version.number}
    for key in ("submitted_at", "received_at", "due_at"):
        assert body[key].endswith("+07:00"), key
    assert body["applicant"]["id_number"] == "040190012345"
    assert body["form_data"]["ho_ten_tre"] == "Nguyễn Văn Bình"
    assert [e["action"] for e in body["events"]] == ["submit", "accept"]
    assert body["events"][1]["national_status"] == 2 and body["events"][1]["action_label"] == "tiếp nhận hồ sơ"
    assert [s["position"] for s in body["steps"]] == [1, 2]
    assert body["steps"][0]["timing"] and body["steps"][1]["finished_at"] is None
    assert len(body["files"]) == 1
    assert body["files"][0]["url"] == f"{API}/dossiers/{dossier.code}/files/{body['files'][0]['id']}"
    assert body["actions"] == ["withdraw", "delivery"]

    desk = people["specialist"].get(f"/dossiers/{dossier.code}").json()
    assert desk["applicant"]["name"] == "Nguyễn Thị Lan"
    assert set(desk["actions"]) == {"request-supplement", "forward", "transfer", "request-payment", "draft-result"}
    assert people["leader"].get(f"/dossiers/{dossier.code}").json()["actions"] == ["apologise", "stop"]


def test_an_official_without_a_dossier_role_sees_nothing(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    file_id = dossier.files.get().pk
    assert people["clerk"].get(f"/dossiers/{dossier.code}").status_code == 404
    assert people["clerk"].get(f"/dossiers/{dossier.code}/files/{file_id}").status_code == 404
    assert people["clerk"].get("/dossiers").json()["count"] == 0


@pytest.mark.parametrize("who", ["stranger", "outsider"])
def test_others_get_404_on_reads(w: World, people: dict[str, Caller], who: str) -> None:
    dossier = at_state(w, "processing")
    file_id = dossier.files.get().pk
    for path in (f"/dossiers/{dossier.code}", f"/dossiers/{dossier.code}/files/{file_id}"):
        response = people[who].get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert people[who].get("/dossiers").json()["count"] == 0
    missing = people["citizen"].get("/dossiers/KHONG-CO-123")
    assert missing.status_code == 404 and missing.json() == people[who].get(f"/dossiers/{dossier.code}").json()


def test_file_download(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    item = dossier.files.get()
    for who in ("citizen", "officer", "specialist", "leader"):
        response = people[who].get(f"/dossiers/{dossier.code}/files/{item.pk}")
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
    citizen = people["citizen"]
    assert citizen.get(f"/dossiers/{dossier.code}/files/{item.pk + 1000}").status_code == 404
    assert citizen.get(f"/dossiers/{dossier.code}/files/99999999999999999999").status_code in (404, 422)
    assert citizen.get(f"/dossiers/{dossier.code}/files/abc").status_code == 422
    other = at_state(w, "submitted")
    assert citizen.get(f"/dossiers/{other.code}/files/{item.pk}").status_code == 404


def test_list_filters_and_boxes(w: World, people: dict[str, Caller]) -> None:
    submitted = at_state(w, "submitted")
    processing = at_state(w, "processing")
    services.dossier_submit_online(
        applicant=w.stranger,
        filing=filing(w, applicant_name="Trần Văn Hùng", applicant_id_number="040085654321"),
    )
    mine = people["citizen"].get("/dossiers").json()
    assert mine["count"] == 2 and {r["code"] for r in mine["results"]} == {submitted.code, processing.code}
    assert all(r["applicant_name"] == "Nguyễn Thị Lan" for r in mine["results"])
    assert people["citizen"].get("/dossiers", status="submitted").json()["count"] == 1
    assert people["citizen"].get("/dossiers", box="open").json()["count"] == 2
    assert people["citizen"].get("/dossiers", box="closed").json()["count"] == 0
    assert people["citizen"].get("/dossiers", q=submitted.code).json()["count"] == 1
    page = people["citizen"].get("/dossiers", page_size=1, page=2).json()
    assert (page["count"], page["page"], len(page["results"])) == (2, 2, 1)

    desk = people["officer"].get("/dossiers").json()
    assert desk["count"] == 3
    to_receive = people["officer"].get("/dossiers", box="to_receive").json()
    assert {r["code"] for r in to_receive["results"]} == {submitted.code} | {
        d.code for d in Dossier.objects.filter(applicant=w.stranger)
    }
    to_process = people["specialist"].get("/dossiers", box="to_process").json()
    assert [r["code"] for r in to_process["results"]] == [processing.code]
    assert people["specialist"].get("/dossiers", q="nguyen thi lan").json()["count"] == 2
    assert people["outsider"].get("/dossiers").json()["count"] == 0
    assert all(r["applicant_name"] for r in desk["results"])


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "abc"},
        {"page_size": "101"},
        {"page_size": "-1"},
        {"page": "9" * 40},
        {"status": "khong-co"},
        {"box": "hop-la"},
        {"q": "x" * 201},
    ],
)
def test_list_rejects_bad_parameters(w: World, people: dict[str, Caller], params: dict[str, str]) -> None:
    response = people["officer"].get("/dossiers", **params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed" and response.json()["message"]


def test_public_lookup_has_no_personal_data(client: Any, w: World) -> None:
    dossier = at_state(w, "processing")
    response = client.get(f"{API}/dossiers/lookup/{dossier.code}")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == dossier.code and body["status"] == "processing" and body["national_status"] == 4
    assert body["deciding_agency"] == w.agency.name and body["due_at"].endswith("+07:00")
    text = response.content.decode()
    for secret in ("Nguyễn Thị Lan", "040190012345", "0912345678", "lan@example.vn", "Nguyễn Văn Bình"):
        assert secret not in text
    assert not {"applicant", "form_data", "files", "events"} & set(body)
    assert client.get(f"{API}/dossiers/lookup/KHONG-CO").status_code == 404
