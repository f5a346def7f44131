"""The incoming-documents REST API: reading, registering, every slip action, and who may not use them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cqs.accounts.models import User
from cqs.accounts.services import api_token_issue
from cqs.documents.incoming import services
from cqs.documents.models import IncomingDocument, IncomingStatus
from cqs.documents.tests import factories
from cqs.documents.tests.exchange_support import signed_pdf
from cqs.documents.tests.factories import PDF_BYTES, PNG_BYTES, DocumentsWorld, incoming, official, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/documents/incoming"
S = IncomingStatus


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def w(db: Any) -> DocumentsWorld:
    return factories.documents_world()


class Caller:
    def __init__(self, user: Any) -> None:
        _token, raw = api_token_issue(user=user, name="kiểm thử", actor=user)
        self.headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.client = Client()

    def get(self, path: str = "", **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params, **self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"{API}{path}", data=data, content_type="application/json", **self.headers)

    def register(self, payload: Any, **files: Any) -> Any:
        data: dict[str, Any] = {"payload": payload if isinstance(payload, str) else json.dumps(payload), **files}
        return self.client.post(API, data=data, **self.headers)


def citizen() -> User:
    return User.objects.create_user(
        username="040095001234",
        full_name="Nguyễn Văn An",
        citizen_id="040095001234",
        identity_verified_at=timezone.now(),  # a verified account may hold an API token
        identity_proof="counter",
    )


def payload(w: DocumentsWorld, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "agency": w.agency.electronic_code,
        "channel": "electronic",
        "sender_name": "Sở Kế hoạch và Đầu tư",
        "code_number": "45",
        "code_notation": "SKHĐT-TH",
        "document_date": "2026-01-05",
        "document_type": w.doc_type_decision.pk,
        "subject": "Về việc giao kế hoạch vốn",
        "urgency": "very_urgent",
    }
    values.update(overrides)
    return values


def test_credentials_are_required(w: DocumentsWorld) -> None:
    assert Client().get(API).status_code == 401
    assert Client().post(f"{API}/1/direct", data="{}", content_type="application/json").status_code == 401


def test_the_clerk_registers_through_the_api(w: DocumentsWorld, org_cert: Any) -> None:
    response = Caller(w.clerk).register(
        payload(w), main=upload(signed_pdf(org_cert), "qd-45.pdf"), attachments=[upload(PNG_BYTES, "so-do.png")]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], body["urgency"], body["code"]) == (
        1,
        "registered",
        "very_urgent",
        "45/SKHĐT-TH",
    )
    assert sorted((f["kind"], f["name"]) for f in body["files"]) == [("attachment", "so-do.png"), ("main", "qd-45.pdf")]
    assert body["actions"] == ["return"]


@pytest.mark.parametrize("who", ["leader", "vp_specialist", "outsider", "citizen"])
def test_non_clerks_cannot_register(w: DocumentsWorld, who: str) -> None:
    user = citizen() if who == "citizen" else getattr(w, who)
    response = Caller(user).register(payload(w), main=upload(PDF_BYTES, "qd.pdf"))
    assert response.status_code == 404
    assert response.json()["message"] == "Không tìm thấy sổ văn bản đến của cơ quan này."
    assert IncomingDocument.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "files", "status", "message"),
    [
        ("{bad", {}, 422, "Dữ liệu gửi lên không phải JSON hợp lệ."),
        ("[]", {}, 422, "Dữ liệu gửi lên phải là một đối tượng JSON."),
        ("SUBJECT", {}, 422, "Dữ liệu gửi lên không hợp lệ."),
        ("PNG", {"main": "png"}, 422, "Tệp “anh.png” không đúng loại: văn bản điện tử chỉ nhận PDF."),
        ("NOFILE", {}, 422, "Văn bản điện tử phải có tệp PDF của văn bản chính."),
        ("TYPE", {}, 422, "Không có loại văn bản này."),
    ],
)
def test_bad_registrations_are_refused_in_vietnamese(
    w: DocumentsWorld, body: str, files: dict[str, str], status: int, message: str, org_cert: Any
) -> None:
    raw: Any = {
        "SUBJECT": payload(w, subject=None),
        "PNG": payload(w),
        "NOFILE": payload(w),
        "TYPE": payload(w, document_type=999999),
    }.get(body, body)
    parts = {"main": upload(PNG_BYTES, "anh.png")} if files else {}
    response = Caller(w.clerk).register(raw, **parts)
    assert response.status_code == status
    assert response.json()["message"] == message
    assert IncomingDocument.objects.count() == 0
    assert Caller(w.clerk).register(payload(w), main=upload(signed_pdf(org_cert), "qd.pdf")).json()["number"] == 1
    unsigned = Caller(w.clerk).register(payload(w), main=upload(PDF_BYTES, "khong-ky.pdf"))
    assert (unsigned.status_code, unsigned.json()["message"]) == (422, "Văn bản chính «khong-ky.pdf» chưa được ký số.")


def test_a_missing_payload_and_a_subject_error_name_the_field(w: DocumentsWorld) -> None:
    caller = Caller(w.clerk)
    response = caller.client.post(API, data={"main": upload()}, **caller.headers)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [{"field": "payload", "message": "Thiếu trường bắt buộc."}]
    response = caller.register(payload(w, subject="x" * 1001), main=upload())
    assert response.json()["detail"]["errors"] == [{"field": "subject", "message": "Dài quá 1000 ký tự."}]


def test_the_whole_slip_through_the_api(w: DocumentsWorld) -> None:
    document = incoming(w)
    path = f"/{document.pk}"
    deadline = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    response = Caller(w.leader).post(
        f"{path}/direct",
        {
            "instruction": "KT chủ trì",
            "lead_department": w.kt.pk,
            "coordinating_departments": [w.vp.pk],
            "deadline": deadline,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assigned"
    assert [d["abbreviation"] for d in response.json()["coordinating_departments"]] == ["VP"]
    response = Caller(w.kt_head).post(f"{path}/assign-handler", {"handler": w.kt_specialist.pk, "note": "Gấp"})
    assert response.json()["handler"] == {"id": w.kt_specialist.pk, "full_name": w.kt_specialist.full_name}
    assert Caller(w.vp_specialist).post(f"{path}/comment", {"text": "Góp ý"}).status_code == 200
    specialist = Caller(w.kt_specialist)
    assert specialist.post(f"{path}/propose", {"proposal": "Dự thảo trả lời"}).json()["status"] == "in_progress"
    done = specialist.post(f"{path}/complete", {"note": "Đã xong"}).json()
    assert done["status"] == "completed" and done["actions"] == []
    assert [c["text"] for c in done["comments"]] == ["Góp ý", "Đã xong"]


def test_list_boxes_filters_and_paging(w: DocumentsWorld) -> None:
    incoming(w, subject="Thường")
    urgent = incoming(w, subject="Khẩn", urgency="urgent")
    leader = Caller(w.leader)
    body = leader.get(box="to_direct").json()
    assert body["results"][0]["id"] == urgent.pk
    assert body["counts"]["to_direct"] == 2 and body["count"] == 2
    assert leader.get(q="khan").json()["count"] == 1
    assert leader.get(status="completed").json()["count"] == 0
    paged = leader.get(page=2, page_size=1).json()
    assert (paged["count"], len(paged["results"])) == (2, 1)
    for params in ({"box": "x"}, {"status": "x"}, {"page": 0}, {"page_size": 1000}):
        assert leader.get(**params).status_code == 422
    assert Caller(w.outsider).get().json()["count"] == 0
    assert Caller(citizen()).get().json()["count"] == 0
    assert Caller(w.kt_specialist).get().json()["count"] == 0


@pytest.mark.parametrize("who", ["citizen", "outsider", "kt_specialist"])
def test_reads_by_those_who_may_not_see_are_404(w: DocumentsWorld, who: str) -> None:
    document = incoming(w)
    stored = document.files.get()
    caller = Caller(citizen() if who == "citizen" else getattr(w, who))
    assert caller.get(f"/{document.pk}").status_code == 404
    assert caller.get(f"/{document.pk}/files/{stored.pk}").status_code == 404


def test_file_download_and_absurd_ids(w: DocumentsWorld) -> None:
    document = incoming(w)
    stored = document.files.get()
    response = Caller(w.leader).get(f"/{document.pk}/files/{stored.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Caller(w.leader).get(f"/{2**40}").status_code == 404
    assert Caller(w.leader).get(f"/{document.pk}/files/{2**40}").status_code == 404


@pytest.mark.parametrize(
    ("action", "body", "allowed"),
    [
        ("direct", "DIRECT", "leader"),
        ("return", {"reason": "Gửi nhầm"}, "clerk"),
    ],
)
@pytest.mark.parametrize("who", ["citizen", "outsider", "kt_specialist", "vp_head", "other"])
def test_actions_on_a_registered_document_by_others_are_404(
    w: DocumentsWorld, action: str, body: Any, allowed: str, who: str
) -> None:
    document = incoming(w)
    users = {"citizen": citizen, "other": lambda: official("cv_khac", w.agency, "specialist")}
    user = users[who]() if who in users else getattr(w, who)
    data = {"instruction": "Giao", "lead_department": w.kt.pk} if body == "DIRECT" else body
    response = Caller(user).post(f"/{document.pk}/{action}", data)
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.status == S.REGISTERED


def test_slip_actions_by_the_wrong_people(w: DocumentsWorld) -> None:
    document = incoming(w)
    services.incoming_direct(incoming=document, actor=w.leader, instruction="Giao", lead_department=w.kt)
    services.incoming_assign_handler(incoming=document, actor=w.kt_head, handler=w.kt_specialist)
    path = f"/{document.pk}"
    checks = [
        (w.vp_specialist, "propose", {"proposal": "x"}),  # a coordinator, not the handler
        (w.vp_head, "assign-handler", {"handler": w.vp_specialist.pk}),
        (w.outsider, "comment", {"text": "x"}),
        (w.vp_specialist, "complete", {}),
        (w.clerk, "propose", {"proposal": "x"}),
    ]
    for user, action, body in checks:
        assert Caller(user).post(f"{path}/{action}", body).status_code == 404, (user, action)
    document.refresh_from_db()
    assert (document.status, document.proposal) == (S.ASSIGNED, "")


def test_out_of_order_is_409_naming_the_state_and_bad_bodies_422(w: DocumentsWorld) -> None:
    document = incoming(w)
    leader = Caller(w.leader)
    services.incoming_return(incoming=document, actor=w.clerk, reason="Gửi nhầm")
    response = leader.post(f"/{document.pk}/direct", {"instruction": "Giao", "lead_department": w.kt.pk})
    assert response.status_code == 409
    assert response.json()["message"] == (
        "Không thể cho ý kiến chỉ đạo: văn bản đến số 1 đang ở trạng thái «Đã trả lại nơi gửi»."
    )
    fresh = incoming(w)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    bad = leader.post(f"/{fresh.pk}/direct", {"instruction": "Giao", "lead_department": w.kt.pk, "deadline": past})
    assert (bad.status_code, bad.json()["message"]) == (422, "Hạn xử lý không được là ngày đã qua.")
    other = leader.post(f"/{fresh.pk}/direct", {"instruction": "Giao", "lead_department": 999999})
    assert (other.status_code, other.json()["message"]) == (422, "Không có đơn vị này trong cơ quan.")
    extra = leader.post(f"/{fresh.pk}/direct", {"instruction": "Giao", "lead_department": w.kt.pk, "x": 1})
    assert extra.json()["detail"]["errors"] == [{"field": "x", "message": "Trường này không được phép."}]
    assert leader.post(f"/{fresh.pk}/direct", raw="{").status_code == 422
    fresh.refresh_from_db()
    assert fresh.status == S.REGISTERED


def test_a_file_over_the_limit_is_422(w: DocumentsWorld, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 100)
    response = Caller(w.clerk).register(payload(w), attachments=[upload(PDF_BYTES, "phu-luc.pdf")])
    assert response.status_code == 422
    assert response.json()["message"] == "Tệp “phu-luc.pdf” lớn hơn giới hạn 100 byte."
    assert IncomingDocument.objects.count() == 0
