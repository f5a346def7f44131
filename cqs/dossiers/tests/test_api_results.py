"""The API of electronic results: drafting, signing at approval, the code in the detail, and who may not."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.dossiers.models import Status
from cqs.dossiers.tests.factories import World
from cqs.dossiers.tests.factories_api import Caller, at_state
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("officials_without_totp")]


def test_draft_then_sign_the_electronic_result_through_the_api(
    w: World,
    people: dict[str, Caller],
    demo_ca: Any,
    personal_cert: Any,
) -> None:
    dossier = at_state(w, "processing")
    path = f"/dossiers/{dossier.code}/draft-result"
    for who in ("officer", "leader", "partner", "citizen", "stranger"):
        assert people[who].post(path, {"content": "Khác"}).status_code == 404
    response = people["specialist"].post(path, {"content": "Cấp Giấy khai sinh cho cháu Bình."})
    assert response.status_code == 200, response.content
    assert people["specialist"].post(path, {"content": ""}).json()["message"] == "Ghi nội dung kết quả giải quyết."
    people["specialist"].post(f"/dossiers/{dossier.code}/forward", {})
    approve = f"/dossiers/{dossier.code}/approve"
    refused = people["leader"].post(approve, {"electronic_result": True})
    assert refused.status_code == 422
    assert refused.json()["message"] == "Bạn chưa có chứng thư số cá nhân còn hiệu lực; không thể ký kết quả điện tử."
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    assert people["specialist"].post(approve, {"electronic_result": True}).status_code == 404
    response = people["leader"].post(approve, {"note": "Đồng ý", "electronic_result": True})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.FINISHED
    files = people["citizen"].get(f"/dossiers/{dossier.code}").json()["files"]
    codes = [f["verification_code"] for f in files if f["source"] == "result"]
    assert len(codes) == 1 and len(codes[0]) == 14
    assert all(f["verification_code"] == "" for f in files if f["source"] != "result")
