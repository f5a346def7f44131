"""Browser journey of an electronic result: drafted on a phone, signed by the leader, verified by its code."""

from __future__ import annotations

from typing import Any

import pytest

from cqs.desk.tests.test_journeys import action_box, desk_act, desk_page, notice, official_opens  # noqa: F401
from cqs.dossiers.models import DossierFile, Status
from cqs.dossiers.tests import factories
from cqs.dossiers.tests import factories_desk as make
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_electronic_result_drafted_signed_and_verified(
    live_server: Any,
    phone_page: Any,
    desk_page: Any,  # noqa: F811 (fixture)
    w: factories.World,
    demo_ca: Any,
    personal_cert: Any,
) -> None:
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    dossier = make.processing(w)
    base = live_server.url

    # The specialist drafts the result on a phone and opens the draft PDF.
    page = phone_page
    official_opens(page, base, w.specialist, dossier, box="Đang xử lý")
    desk_act(page, "Soạn dự thảo kết quả điện tử", fields={"Nội dung kết quả giải quyết": "Cấp Giấy khai sinh."})
    assert "Đã lưu dự thảo kết quả" in notice(page)
    preview = page.get_by_role("link", name="Xem bản in thử kết quả (PDF)")
    response = page.request.get(base + str(preview.get_attribute("href")))
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    desk_act(page, "Chuyển bước tiếp theo")

    # The leader approves with the electronic result: signed, sealed, with its code.
    leader = desk_page()
    official_opens(leader, base, w.leader, dossier, box="Chờ phê duyệt")
    box = action_box(leader, "Phê duyệt")
    box.get_by_label("Ký số và cấp kết quả điện tử").check()
    with leader.expect_navigation():
        box.locator("form").get_by_role("button", name="Phê duyệt", exact=True).click()
    assert "Đã phê duyệt hồ sơ." in notice(leader)
    dossier.refresh_from_db()
    assert dossier.status == Status.FINISHED
    code = DossierFile.objects.get(dossier=dossier, source=DossierFile.Source.RESULT).verification_code

    # Anyone opens the verification page from the code.
    leader.get_by_role("link", name=code).click()
    leader.wait_for_url(f"**/xac-thuc/{code}/")
    assert dossier.code in leader.content()
