"""The dossier REST API: every portal and desk action, who may call it, and inputs that must not break it."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.utils import timezone

from cqs.accounts.models import Role
from cqs.core.calendar import WorkingCalendar
from cqs.core.tests.samples import PNG
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile
from cqs.dossiers.tests.factories import PDF_BYTES, World, filing, official, pdf
from cqs.dossiers.tests.factories_api import API, Caller

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def people(w: World) -> dict[str, Caller]:
    partner = official("phoihop", w.other_agency, Role.SPECIALIST)
    outsider = official("xakhac", w.other_agency, Role.ONE_STOP_OFFICER, Role.LEADER)
    clerk = official("vanthu", w.agency, Role.CLERK)
    return {
        "citizen": Caller(w.citizen),
        "stranger": Caller(w.stranger),
        "officer": Caller(w.officer),
        "specialist": Caller(w.specialist),
        "leader": Caller(w.leader),
        "partner": Caller(partner),
        "outsider": Caller(outsider),
        "clerk": Caller(clerk),
    }


def png(name: str = "anh.png") -> Any:
    upload = io.BytesIO(PNG)
    upload.name = name
    return upload


def filing_payload(w: World, **overrides: Any) -> dict[str, Any]:
    document = w.version.documents.first()
    assert document is not None
    payload: dict[str, Any] = {
        "procedure": w.procedure.code,
        "deciding_agency": w.agency.electronic_code,
        "receiving_agency": w.agency.electronic_code,
        "form_data": {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"},
        "filing_mode": "self",
        "delivery": "online",
        "applicant_phone": "0912345678",
        "attachments": [
            {"required_document_id": document.pk},
            {"required_document_id": None, "name": "Giấy chứng sinh"},
        ],
    }
    payload.update(overrides)
    return payload


def at_state(w: World, state: str) -> Dossier:
    """A dossier of the citizen brought to ``state`` through the services."""
    dossier = services.dossier_submit_online(applicant=w.citizen, filing=filing(w))
    if state == "submitted":
        return dossier
    if state == "withdrawn":
        return services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="Nộp nhầm")
    dossier = services.dossier_accept(dossier=dossier, actor=w.officer)
    if state == "processing":
        return dossier
    if state == "supplement_requested":
        return services.dossier_request_supplement(
            dossier=dossier, actor=w.specialist, items=["Bản sao giấy chứng sinh"], reason="Thiếu", contact="0912"
        )
    if state == "payment_requested":
        return services.dossier_request_payment(dossier=dossier, actor=w.specialist, amount=8000)
    if state == "withdrawal_requested":
        return services.dossier_withdraw(dossier=dossier, actor=w.citizen, reason="Không cần nữa")
    if state == "transferred":
        return services.dossier_transfer(dossier=dossier, actor=w.specialist, to_agency=w.other_agency, note="Xác minh")
    dossier = services.dossier_forward(dossier=dossier, actor=w.specialist, note="Đủ điều kiện")
    if state == "awaiting_approval":
        return dossier
    dossier = services.dossier_approve(dossier=dossier, actor=w.leader, note="Đồng ý")
    if state == "finished":
        return dossier
    dossier = services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="desk")
    assert state == "returned"
    return dossier


def new_due_date(dossier: Dossier) -> dt.date:
    calendar = WorkingCalendar()
    assert dossier.due_at is not None
    day = timezone.localtime(dossier.due_at).date() + dt.timedelta(days=3)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def status_of(dossier: Dossier) -> str:
    return Dossier.objects.get(pk=dossier.pk).status


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


# ---------------------------------------------------------------- actions: the happy paths


def test_the_whole_journey_through_the_api(w: World, people: dict[str, Caller]) -> None:
    citizen, officer, specialist, leader = (people[k] for k in ("citizen", "officer", "specialist", "leader"))
    code = citizen.multipart("/dossiers", filing_payload(w), [pdf(), pdf()]).json()["code"]

    def act(caller: Caller, action: str, body: Any = None, expect: str = "") -> dict[str, Any]:
        response = caller.post(f"/dossiers/{code}/{action}", body)
        assert response.status_code == 200, (action, response.content)
        state = response.json()
        if expect:
            assert state["status"] == expect, action
        return state

    state = act(officer, "accept", None, "processing")
    assert state["current_role"] == "specialist" and state["current_step"] == 2
    act(
        specialist,
        "request-supplement",
        {"items": ["Bản sao giấy chứng sinh"], "reason": "Thiếu giấy tờ", "contact": "Chị Hoa, 0912000111"},
        "supplement_requested",
    )
    response = citizen.multipart(
        f"/dossiers/{code}/supplement", {"note": "Đã bổ sung", "attachments": [{"name": "Giấy chứng sinh"}]}, [pdf()]
    )
    assert response.status_code == 200 and response.json()["status"] == "processing"
    state = act(specialist, "transfer", {"to_agency": w.other_agency.electronic_code, "note": "Xác minh"})
    assert (
        state["status"] == "transferred"
        and state["current_agency"]["electronic_code"] == w.other_agency.electronic_code
    )
    act(people["partner"], "transfer-return", {"note": "Đã xác minh"}, "processing")
    act(specialist, "request-payment", {"amount": 8000, "note": "Lệ phí"}, "payment_requested")
    act(officer, "record-payment", {"receipt": "BL-0001"}, "processing")
    dossier = Dossier.objects.get(code=code)
    day = new_due_date(dossier)
    state = act(leader, "apologise", {"reason": "Cần xác minh thêm", "new_due_date": day.strftime("%d/%m/%Y")})
    assert state["status"] == "processing" and state["due_at"].startswith(day.isoformat())
    act(specialist, "forward", {"note": "Đủ điều kiện"}, "awaiting_approval")
    act(leader, "send-back", {"reason": "Ghi rõ nơi sinh"}, "processing")
    act(specialist, "forward", None, "awaiting_approval")
    act(leader, "approve", {"note": "Đồng ý"}, "finished")
    act(citizen, "delivery", {"delivery": "desk"}, "finished")
    act(officer, "return", {}, "returned")
    act(citizen, "rate", {"rating": 5, "comment": "Nhanh, chu đáo"}, "returned")

    dossier = Dossier.objects.get(code=code)
    assert (dossier.delivery, dossier.rating, dossier.extension_count, dossier.fee_paid_at is not None) == (
        "desk",
        5,
        1,
        True,
    )
    detail = citizen.get(f"/dossiers/{code}").json()
    assert detail["notices"][0]["form"] == "04" and detail["supplement_requests"][0]["answered_at"]
    assert detail["returned_at"].endswith("+07:00") and detail["actions"] == []
    actions = list(DossierEvent.objects.filter(dossier=dossier).values_list("action", flat=True))
    assert actions == [
        "submit",
        "accept",
        "request_supplement",
        "answer_supplement",
        "transfer",
        "transfer_return",
        "request_payment",
        "record_payment",
        "apologise",
        "forward",
        "send_back",
        "forward",
        "approve",
        "choose_delivery",
        "return_result",
        "rate",
    ]


def test_finish_with_a_result_file(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "awaiting_approval")
    response = people["leader"].multipart(
        f"/dossiers/{dossier.code}/finish", {"summary": "Cấp giấy khai sinh"}, [pdf("ket-qua.pdf")], field="result"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "finished"
    result = DossierFile.objects.get(dossier=dossier, source="result")
    detail = people["citizen"].get(f"/dossiers/{dossier.code}").json()
    assert detail["result_summary"] == "Cấp giấy khai sinh"
    url = next(f["url"] for f in detail["files"] if f["source"] == "result")
    assert url.endswith(f"/files/{result.pk}")
    download = people["citizen"].client.get(url, **people["citizen"].headers)
    assert download.status_code == 200


def test_finish_without_a_file_and_with_two_files(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "awaiting_approval")
    two = people["leader"].multipart(f"/dossiers/{dossier.code}/finish", {"summary": "X"}, [pdf(), pdf()], "result")
    assert two.status_code == 422
    response = people["leader"].multipart(f"/dossiers/{dossier.code}/finish", {"summary": "Đã cấp"})
    assert response.status_code == 200 and response.json()["status"] == "finished"


def test_refuse_withdraw_confirm_and_stop(w: World, people: dict[str, Caller]) -> None:
    refused = at_state(w, "submitted")
    response = people["officer"].post(f"/dossiers/{refused.code}/refuse", {"reason": "Không thuộc thẩm quyền"})
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert response.json()["national_status"] == 3

    early = at_state(w, "submitted")
    response = people["citizen"].post(f"/dossiers/{early.code}/withdraw", {"reason": "Nộp nhầm"})
    assert response.json()["status"] == "withdrawn"

    late = at_state(w, "processing")
    response = people["citizen"].post(f"/dossiers/{late.code}/withdraw", {"reason": "Không cần nữa"})
    assert response.json()["status"] == "withdrawal_requested"
    response = people["officer"].post(f"/dossiers/{late.code}/confirm-withdrawal")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"

    stopped = at_state(w, "processing")
    response = people["leader"].post(f"/dossiers/{stopped.code}/stop", {"reason": "Có tranh chấp"})
    assert response.status_code == 200 and response.json()["status"] == "stopped"
    notices = people["citizen"].get(f"/dossiers/{stopped.code}").json()["notices"]
    assert [n["form"] for n in notices] == ["05"]


def test_apologise_accepts_an_iso_date(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    day = new_due_date(dossier)
    for far in ("31/12/9999", "9999-12-31", "31/12/1899"):  # a year 9999 made the dossier page spin, then fail
        refused = people["leader"].post(f"/dossiers/{dossier.code}/apologise", {"reason": "Chậm", "new_due_date": far})
        assert refused.status_code == 422 and refused.json()["detail"]["errors"] == [
            {"field": "new_due_date", "message": "Ngày phải trong khoảng 01/01/1900–31/12/2100."}
        ]
    body = {"reason": "Cần xác minh", "new_due_date": day.isoformat()}
    response = people["leader"].post(f"/dossiers/{dossier.code}/apologise", body)
    assert response.status_code == 200, response.content
    # The return date may be re-set only once.
    again = people["leader"].post(f"/dossiers/{dossier.code}/apologise", body)
    assert again.status_code == 409 and "không được hẹn lại lần nữa" in again.json()["message"]


# ---------------------------------------------------------------- actions: who may not

# (action, state the dossier is in, body, who may, a wrong role)
ACTIONS: list[tuple[str, str, Any, str, str]] = [
    ("accept", "submitted", {}, "officer", "specialist"),
    ("refuse", "submitted", {"reason": "Sai"}, "officer", "leader"),
    ("request-supplement", "processing", {"items": ["A"], "reason": "B", "contact": "C"}, "specialist", "leader"),
    ("forward", "processing", {}, "specialist", "officer"),
    ("approve", "awaiting_approval", {}, "leader", "specialist"),
    ("send-back", "awaiting_approval", {"reason": "Sửa"}, "leader", "specialist"),
    ("transfer", "processing", {"to_agency": "", "note": "N"}, "specialist", "leader"),
    ("transfer-return", "transferred", {"note": "Xong"}, "partner", "specialist"),
    ("request-payment", "processing", {"amount": 8000}, "specialist", "citizen"),
    ("record-payment", "payment_requested", {"receipt": "BL-1"}, "officer", "specialist"),
    ("apologise", "processing", {"reason": "Chậm", "new_due_date": "01/01/2099"}, "leader", "officer"),
    ("stop", "processing", {"reason": "Dừng"}, "leader", "specialist"),
    ("withdraw", "submitted", {"reason": "Rút"}, "citizen", "officer"),
    ("confirm-withdrawal", "withdrawal_requested", {}, "officer", "leader"),
    ("return", "finished", {}, "officer", "citizen"),
    ("delivery", "processing", {"delivery": "post"}, "citizen", "specialist"),
    ("rate", "returned", {"rating": 4}, "citizen", "officer"),
]


@pytest.mark.parametrize(("action", "state", "body", "right", "wrong"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_forbidden_callers_get_404_and_change_nothing(
    w: World, people: dict[str, Caller], action: str, state: str, body: Any, right: str, wrong: str
) -> None:
    dossier = at_state(w, state)
    if action == "transfer":
        body = {**body, "to_agency": w.other_agency.electronic_code}
    events = DossierEvent.objects.filter(dossier=dossier).count()
    expected = people["citizen"].get("/dossiers/KHONG-CO").json()
    for who in ("stranger", "outsider", wrong, "clerk"):
        if who == right:
            continue
        response = people[who].post(f"/dossiers/{dossier.code}/{action}", body)
        assert response.status_code == 404, (who, response.content)
        assert response.json()["code"] == "not_found"
        assert response.json() == expected or response.json()["message"] == "Không tìm thấy hồ sơ."
    assert status_of(dossier) == state
    assert DossierEvent.objects.filter(dossier=dossier).count() == events


@pytest.mark.parametrize("who", ["stranger", "officer", "outsider"])
def test_supplement_by_anyone_but_the_applicant_is_404(w: World, people: dict[str, Caller], who: str) -> None:
    dossier = at_state(w, "supplement_requested")
    response = people[who].multipart(f"/dossiers/{dossier.code}/supplement", {"attachments": [{}]}, [pdf()])
    assert response.status_code == 404
    assert status_of(dossier) == "supplement_requested"


@pytest.mark.parametrize("who", ["stranger", "officer", "specialist", "outsider", "citizen"])
def test_finish_by_anyone_but_the_current_handler_is_404(w: World, people: dict[str, Caller], who: str) -> None:
    dossier = at_state(w, "awaiting_approval")
    response = people[who].multipart(f"/dossiers/{dossier.code}/finish", {"summary": "X"}, [pdf()], "result")
    assert response.status_code == 404
    assert status_of(dossier) == "awaiting_approval"


# ---------------------------------------------------------------- actions: out of order


@pytest.mark.parametrize(
    ("who", "action", "state", "body", "label"),
    [
        ("officer", "return", "submitted", {}, "Mới đăng ký"),
        ("officer", "accept", "processing", {}, "Đang xử lý"),
        ("leader", "approve", "processing", {}, "Đang xử lý"),
        ("citizen", "rate", "processing", {"rating": 5}, "Đang xử lý"),
        ("citizen", "withdraw", "returned", {"reason": "Rút"}, "Đã trả kết quả"),
        ("officer", "record-payment", "processing", {"receipt": "BL"}, "Đang xử lý"),
        ("officer", "confirm-withdrawal", "submitted", {}, "Mới đăng ký"),
        ("leader", "stop", "finished", {"reason": "Dừng"}, "Đã có kết quả, chờ trả"),
    ],
)
def test_out_of_order_is_409_naming_the_state(
    w: World, people: dict[str, Caller], who: str, action: str, state: str, body: Any, label: str
) -> None:
    dossier = at_state(w, state)
    response = people[who].post(f"/dossiers/{dossier.code}/{action}", body)
    assert response.status_code == 409, response.content
    payload = response.json()
    assert payload["code"] == "invalid_transition"
    assert f"hồ sơ {dossier.code} đang ở trạng thái «{label}»" in payload["message"]
    assert status_of(dossier) == state


def test_supplement_out_of_order_and_finish_too_early_are_409(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    response = people["citizen"].multipart(f"/dossiers/{dossier.code}/supplement", {"attachments": [{}]}, [pdf()])
    assert response.status_code == 409 and "«Đang xử lý»" in response.json()["message"]
    response = people["specialist"].multipart(f"/dossiers/{dossier.code}/finish", {"summary": "X"})
    assert response.status_code == 409
    assert response.json()["message"] == "Hồ sơ còn bước xử lý chưa làm; hãy chuyển bước tiếp theo."


def test_a_second_rating_is_409(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "returned")
    assert people["citizen"].post(f"/dossiers/{dossier.code}/rate", {"rating": 5}).status_code == 200
    response = people["citizen"].post(f"/dossiers/{dossier.code}/rate", {"rating": 1})
    assert response.status_code == 409 and response.json()["message"] == f"Bạn đã đánh giá hồ sơ {dossier.code}."


# ---------------------------------------------------------------- malformed input never answers 500

NUL = "a\u0000b"


@pytest.mark.parametrize(
    ("action", "state", "raw", "field"),
    [
        ("refuse", "submitted", "{không phải json", None),
        ("refuse", "submitted", "[1, 2]", None),
        ("refuse", "submitted", '"chuỗi"', None),
        ("refuse", "submitted", "[" * 50000 + "]" * 50000, None),
        ("refuse", "submitted", b"\xff\xfe\x00", None),
        ("refuse", "submitted", json.dumps({}), "reason"),
        ("refuse", "submitted", json.dumps({"reason": 123}), "reason"),
        ("refuse", "submitted", json.dumps({"reason": None}), "reason"),
        ("refuse", "submitted", json.dumps({"reason": "x" * 100_000}), "reason"),
        ("refuse", "submitted", json.dumps({"reason": NUL}), "reason"),
        ("refuse", "submitted", json.dumps({"reason": "Sai", "them": 1}), "them"),
        ("refuse", "submitted", json.dumps({"reason": "   "}), None),
        ("accept", "submitted", json.dumps({"note": "x"}), "note"),
        ("request-supplement", "processing", json.dumps({"items": "A", "reason": "B", "contact": "C"}), "items"),
        ("request-supplement", "processing", json.dumps({"items": [], "reason": "B", "contact": "C"}), "items"),
        ("request-supplement", "processing", json.dumps({"items": [NUL], "reason": "B", "contact": "C"}), "items.0"),
        ("request-supplement", "processing", json.dumps({"items": ["A"] * 51, "reason": "B", "contact": "C"}), "items"),
        ("request-payment", "processing", json.dumps({"amount": -5}), "amount"),
        ("request-payment", "processing", json.dumps({"amount": "tám nghìn"}), "amount"),
        ("request-payment", "processing", json.dumps({"amount": 1e30}), "amount"),
        ("request-payment", "processing", json.dumps({"amount": 10**40}), "amount"),
        ("request-payment", "processing", json.dumps({"amount": 8000.5}), "amount"),
        ("apologise", "processing", json.dumps({"reason": "R", "new_due_date": "31/02/2026"}), "new_due_date"),
        ("apologise", "processing", json.dumps({"reason": "R", "new_due_date": "ngày mai"}), "new_due_date"),
        ("apologise", "processing", json.dumps({"reason": "R", "new_due_date": 20260101}), "new_due_date"),
        ("apologise", "processing", json.dumps({"reason": "R", "new_due_date": "2026-13-01"}), "new_due_date"),
        ("rate", "returned", json.dumps({"rating": 6}), "rating"),
        ("rate", "returned", json.dumps({"rating": "năm"}), "rating"),
        ("rate", "returned", json.dumps({"rating": 5, "comment": "x" * 1001}), "comment"),
        ("transfer", "processing", json.dumps({"to_agency": "KHONG-CO", "note": "N"}), "to_agency"),
        ("transfer", "processing", json.dumps({"to_agency": ["A"], "note": "N"}), "to_agency"),
        ("delivery", "processing", json.dumps({"delivery": "bay"}), None),
        ("delivery", "processing", json.dumps({"delivery": {"a": 1}}), "delivery"),
        ("return", "finished", json.dumps({"delivery": "bay"}), None),
    ],
)
def test_malformed_bodies_are_422_in_vietnamese(
    w: World, people: dict[str, Caller], action: str, state: str, raw: str | bytes, field: str | None
) -> None:
    dossier = at_state(w, state)
    who = {a: right for a, _s, _b, right, _w in ACTIONS}[action]
    response = people[who].post(f"/dossiers/{dossier.code}/{action}", raw=raw)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] in ("validation_failed", "invalid_json", "input_refused")
    assert body["message"] and body["message"].isascii() is False  # Vietnamese, with diacritics
    if field is not None:
        fields = [e["field"] for e in body["detail"]["errors"]]
        assert field in fields, fields
        assert all(not e["message"].isascii() for e in body["detail"]["errors"])
    assert status_of(dossier) == state


def test_bad_new_due_date_rules_come_from_the_service(w: World, people: dict[str, Caller]) -> None:
    dossier = at_state(w, "processing")
    assert dossier.due_at is not None
    too_early = timezone.localtime(dossier.due_at).date()
    response = people["leader"].post(
        f"/dossiers/{dossier.code}/apologise", {"reason": "R", "new_due_date": too_early.strftime("%d/%m/%Y")}
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("Ngày hẹn trả mới phải")


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


def test_oversized_body_is_413(w: World, people: dict[str, Caller], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    dossier = at_state(w, "submitted")
    response = people["officer"].post(f"/dossiers/{dossier.code}/refuse", {"reason": "x" * 1500})
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_huge_and_odd_codes_in_the_path_are_404(w: World, people: dict[str, Caller]) -> None:
    for code in ("x" * 5000, "%E2%80%8B", "..", "%20"):
        assert people["citizen"].get(f"/dossiers/{code}").status_code == 404
        assert people["officer"].post(f"/dossiers/{code}/accept").status_code == 404


# ---------------------------------------------------------------- the OpenAPI document


def test_openapi_schema_lists_every_endpoint_in_vietnamese(client: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        ("post", f"{API}/dossiers"),
        ("get", f"{API}/dossiers"),
        ("get", f"{API}/dossiers/{{code}}"),
        ("get", f"{API}/dossiers/{{code}}/files/{{file_id}}"),
        ("get", f"{API}/dossiers/lookup/{{code}}"),
        ("post", f"{API}/counter/dossiers"),
        ("post", f"{API}/dossiers/{{code}}/supplement"),
        ("post", f"{API}/dossiers/{{code}}/finish"),
    } | {("post", f"{API}/dossiers/{{code}}/{a[0]}") for a in ACTIONS}
    for method, path in expected:
        operation = paths[path][method]
        assert operation["tags"] == ["Hồ sơ"], path
        assert operation["summary"] and not operation["summary"].isascii(), path
        assert operation["description"], path
    apologise = paths[f"{API}/dossiers/{{code}}/apologise"]["post"]
    body = apologise["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"reason", "new_due_date"} and "dd/mm/yyyy" in str(body)
    submit = paths[f"{API}/dossiers"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(submit["properties"]) == {"payload", "files"} and "required_document_id" in str(submit)
    assert "409" in paths[f"{API}/dossiers/{{code}}/accept"]["post"]["responses"]
    assert client.get("/api/docs/").status_code == 200


def test_the_openapi_document_names_no_key_twice(client: Any) -> None:
    """A download's PDF answer was described twice (200 and "200"), which documentation viewers refuse."""
    repeated: list[list[str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            repeated.append(keys)
        return dict(items)

    json.loads(client.get("/api/schema/").content, object_pairs_hook=pairs)
    assert repeated == []
    receipt = client.get("/api/schema/").json()["paths"][f"{API}/dossiers/{{code}}/receipt"]["get"]
    assert "application/pdf" in receipt["responses"]["200"]["content"]
