"""The outgoing documents REST API: every action, and who may not use each endpoint."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from cqs.accounts.services import api_token_issue
from cqs.documents.models import OutgoingDocument, OutgoingStatus
from cqs.documents.tests.factories import PNG_BYTES
from cqs.documents.tests.test_outgoing_support import awaiting_signature, create, drafted, pdf, signed, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db
API = "/api/v1/documents/outgoing"
S = OutgoingStatus


@pytest.fixture(autouse=True)
def _officials_without_totp(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


class Caller:
    def __init__(self, user: Any) -> None:
        _token, raw = api_token_issue(user=user, name="kiểm thử", actor=user)
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path: str = "", **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params, **self.headers)

    def post(self, path: str = "", body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body or {})
        return self.client.post(f"{API}{path}", data=data, content_type="application/json", **self.headers)

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(f"{API}{path}", data=json.dumps(body), content_type="application/json", **self.headers)

    def upload(self, path: str, data: bytes, name: str = "du-thao.pdf") -> Any:
        handle = io.BytesIO(data)
        handle.name = name
        return self.client.post(f"{API}{path}", data={"file": handle}, **self.headers)


def body(w: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "drafting_department": w.vp.pk,
        "document_type": w.doc_type_decision.pk,
        "subject": "Quyết định ban hành quy chế làm việc",
        "signer": w.leader.pk,
        "signing_authority": "TM.",
        "signer_position": "CHỦ TỊCH",
        "recipients": [
            {"channel": "internal", "agency": w.other_agency.electronic_code},
            {"channel": "paper", "name": "Lưu: VT"},
        ],
    }
    data.update(overrides)
    return data


def test_the_whole_flow_over_the_api(world):
    drafter, head, leader, clerk = (Caller(u) for u in (world.vp_specialist, world.vp_head, world.leader, world.clerk))
    created = drafter.post("", body(world))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["actions"][:3] == ["update", "upload_draft", "attach"]
    bad = drafter.upload(f"/{pk}/drafts", PNG_BYTES, "anh.pdf")
    assert bad.status_code == 422
    assert bad.json()["message"] == "Tệp “anh.pdf” không đúng loại: dự thảo văn bản chỉ nhận PDF."
    assert drafter.upload(f"/{pk}/drafts", pdf()).status_code == 201
    assert drafter.upload(f"/{pk}/attachments", pdf("Phụ lục")).status_code == 201
    assert drafter.post(f"/{pk}/submit", {"reviewers": [world.vp_head.pk]}).json()["status"] == "in_review"
    assert head.post(f"/{pk}/comments", {"text": "Rà soát lại căn cứ."}).status_code == 200
    assert head.post(f"/{pk}/review", {"approve": True}).json()["status"] == "awaiting_signature"
    assert leader.post(f"/{pk}/sign").json()["status"] == "signed"
    issued = clerk.post(f"/{pk}/issue")
    assert issued.status_code == 200
    detail = issued.json()
    assert (detail["status"], detail["code"], detail["number"]) == ("issued", "01/QĐ-UBND", 1)
    assert detail["verification_code"] and detail["comments"][0]["draft_version"] == 1
    main = next(f for f in detail["files"] if f["id"] == detail["issued_file"])
    download = clerk.client.get(main["url"], **clerk.headers)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    again = clerk.post(f"/{pk}/issue")
    assert again.status_code == 409
    assert again.json()["message"] == "Không thể phát hành: văn bản đang ở trạng thái «Đã phát hành»."
    listed = clerk.get("", box="issued", q="quy che")
    assert [row["id"] for row in listed.json()["results"]] == [pk]
    # The recipient on the platform has it: the clerk asks for it back, once.
    assert detail["actions"] == ["recall"]
    recalled = clerk.post(f"/{pk}/recall", {"reason": "Ban hành nhầm đối tượng."})
    assert recalled.status_code == 200, recalled.content
    assert [r["status_code"] for r in recalled.json()["recipients"] if r["channel"] == "internal"] == ["13"]
    assert recalled.json()["actions"] == []
    again = clerk.post(f"/{pk}/recall", {"reason": "Lần nữa."})
    assert again.status_code == 409
    assert again.json()["message"] == "Không còn nơi nhận điện tử nào có thể lấy lại văn bản."


def test_the_drafter_removes_an_annex_over_the_api(world):
    drafter = Caller(world.vp_specialist)
    outgoing = drafted(world)
    added = drafter.upload(f"/{outgoing.pk}/attachments", pdf("Phụ lục"), "phu-luc.pdf").json()
    annex = next(f for f in added["files"] if f["kind"] == "attachment")
    assert "detach" in added["actions"]
    assert (
        Caller(world.vp_head)
        .client.delete(f"{API}/{outgoing.pk}/attachments/{annex['id']}", **Caller(world.vp_head).headers)
        .status_code
        == 404
    )
    removed = drafter.client.delete(f"{API}/{outgoing.pk}/attachments/{annex['id']}", **drafter.headers)
    assert removed.status_code == 200, removed.content
    assert [f["kind"] for f in removed.json()["files"]] == ["draft"] and "detach" not in removed.json()["actions"]
    gone = drafter.client.delete(f"{API}/{outgoing.pk}/attachments/{annex['id']}", **drafter.headers)
    assert gone.status_code == 409


def test_who_may_not_use_each_endpoint(world, citizen):
    draft = drafted(world)
    waiting = awaiting_signature(world)
    ready = signed(world)
    outsider, other_department, head, clerk = (
        Caller(u) for u in (world.outsider, world.kt_specialist, world.vp_head, world.clerk)
    )
    anonymous = Client()
    assert anonymous.get(API).status_code == 401
    assert anonymous.post(API, data="{}", content_type="application/json").status_code == 401
    for caller in (outsider, other_department):
        assert caller.get(f"/{draft.pk}").status_code == 404
        assert caller.get(f"/{draft.pk}/files/{draft.files.get().pk}").status_code == 404
        assert caller.upload(f"/{draft.pk}/drafts", pdf()).status_code == 404
        assert caller.post(f"/{draft.pk}/comments", {"text": "x"}).status_code == 404
        assert caller.post(f"/{waiting.pk}/sign").status_code == 404
        assert caller.post(f"/{ready.pk}/issue").status_code == 404
        assert caller.get("").json()["count"] == 0
    assert outsider.post("", body(world)).status_code == 404
    refused = other_department.post("", body(world))
    assert refused.status_code == 422
    assert refused.json()["message"] == "Bạn không phải thành viên của Văn phòng nên không soạn văn bản cho đơn vị này."
    assert clerk.post("", body(world)).json()["message"] == "Bạn không có quyền soạn văn bản đi của cơ quan này."
    # Sees the documents of their department, may not act on them.
    assert head.get(f"/{draft.pk}").status_code == 200
    assert head.upload(f"/{draft.pk}/drafts", pdf()).status_code == 404
    assert head.post(f"/{waiting.pk}/sign").json()["message"] == "Bạn không có quyền ký số đối với văn bản này."
    assert head.post(f"/{ready.pk}/issue").status_code == 404
    assert head.post(f"/{draft.pk}/cancel", {"reason": "Không cần."}).status_code == 404
    assert clerk.post(f"/{waiting.pk}/review", {"approve": True}).status_code == 404
    assert head.put(f"/{draft.pk}", body(world)).status_code == 404
    assert Caller(citizen).get("").json()["count"] == 0
    assert head.post(f"/{waiting.pk}/return", {"reason": "Viết lại."}).status_code == 404
    statuses = dict(OutgoingDocument.objects.values_list("pk", "status"))
    assert statuses == {draft.pk: S.DRAFT, waiting.pk: S.AWAITING_SIGNATURE, ready.pk: S.SIGNED}
    leader = Caller(world.leader)
    assert leader.post(f"/{waiting.pk}/return", {"reason": "Viết lại điều 2."}).json()["status"] == "returned"
    assert leader.post(f"/{draft.pk}/cancel", {"reason": "Trùng nội dung."}).json()["status"] == "cancelled"
    assert leader.post(f"/{draft.pk}/cancel", {"reason": "Lần nữa."}).status_code == 409


def test_bad_bodies_get_vietnamese_errors(world):
    drafter = Caller(world.vp_specialist)
    assert drafter.post("", raw="{không phải json").json()["message"] == "Dữ liệu gửi lên không phải JSON hợp lệ."
    wrong = drafter.post("", body(world, recipients=[{"channel": "fax"}]))
    assert wrong.status_code == 422 and wrong.json()["detail"]["errors"][0]["field"] == "recipients.0.channel"
    unknown = drafter.post("", body(world, recipients=[{"channel": "internal", "agency": "000.00.99.H40"}]))
    assert unknown.json()["message"] == "Không tìm thấy cơ quan có mã định danh “000.00.99.H40”."
    secret = drafter.post("", body(world, secrecy="secret"))
    assert secret.json()["message"] == "Văn bản mật không được gửi qua trục liên thông điện tử."
    outgoing = create(world)
    two = drafter.client.post(
        f"{API}/{outgoing.pk}/drafts", data={"file": [io.BytesIO(pdf()), io.BytesIO(pdf())]}, **drafter.headers
    )
    assert two.status_code == 422
    assert drafter.get("", box="khac").status_code == 422
    assert not OutgoingDocument.objects.exclude(pk=outgoing.pk).exists()
