"""Calling the API in tests: one account's bearer token, a client that speaks for it, what the dossier API is sent
(a filing's payload, each action with who may call it) and dossiers brought to a state for it."""

from __future__ import annotations

import io
import json
from typing import Any

from django.test import Client

from cqs.accounts.services import api_token_issue
from cqs.core.tests.samples import PNG
from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import World, filing

API = "/api/v1"
NUL = "a\u0000b"

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


def bearer(user: Any) -> dict[str, str]:
    _token, raw = api_token_issue(user=user, name="kiểm thử", actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class Caller:
    """A test client speaking for one account with its bearer token (anonymous with ``user=None``)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.client = Client()
        self.headers = bearer(user) if user is not None else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{API}{path}", params, **self.headers)

    def post(self, path: str, body: Any = None, *, raw: str | bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"{API}{path}", data=data, content_type="application/json", **self.headers)

    def multipart(self, path: str, payload: Any, files: list[Any] | None = None, field: str = "files") -> Any:
        data: dict[str, Any] = {"payload": payload if isinstance(payload, str) else json.dumps(payload)}
        if files:
            data[field] = files
        return self.client.post(f"{API}{path}", data=data, **self.headers)


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
