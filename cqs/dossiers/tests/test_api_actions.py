"""The dossier REST API, actions: every portal and desk action, who may call it, out of order,
and bodies that must not break it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from cqs.core.calendar import WorkingCalendar
from cqs.dossiers.models import Dossier, DossierEvent, DossierFile
from cqs.dossiers.tests.factories import World, pdf
from cqs.dossiers.tests.factories_api import ACTIONS, NUL, Caller, at_state, filing_payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


def new_due_date(dossier: Dossier) -> dt.date:
    calendar = WorkingCalendar()
    assert dossier.due_at is not None
    day = timezone.localtime(dossier.due_at).date() + dt.timedelta(days=3)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def status_of(dossier: Dossier) -> str:
    return Dossier.objects.get(pk=dossier.pk).status


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


def test_oversized_body_is_413(w: World, people: dict[str, Caller], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    dossier = at_state(w, "submitted")
    response = people["officer"].post(f"/dossiers/{dossier.code}/refuse", {"reason": "x" * 1500})
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_huge_and_odd_codes_in_the_path_are_404(w: World, people: dict[str, Caller]) -> None:
    for code in ("x" * 5000, "%E2%80%8B", "..", "%20"):
        assert people["citizen"].get(f"/dossiers/{code}").status_code == 404
        assert people["officer"].post(f"/dossiers/{code}/accept").status_code == 404
