"""The desk's electronic result: drafting, the draft's PDF, signing at approval, and who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cqs.accounts.models import Role
from cqs.desk.tests.test_pages import act, status_of
from cqs.dossiers.models import DossierFile, Status
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories import World, official
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db
CONTENT = "Cấp Giấy khai sinh cho cháu Nguyễn Văn Bình."


def test_the_handler_drafts_and_previews_the_result_others_may_not(client: Any, w: World) -> None:
    dossier = make.processing(w)
    preview = reverse("desk:result_preview", args=[dossier.code])
    client.force_login(w.specialist)
    html = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "Soạn dự thảo kết quả điện tử" in html and preview in html
    response = act(client, dossier, "draft_result", content=CONTENT)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.result_draft == CONTENT
    response = client.get(preview)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert act(client, dossier, "draft_result", content="  ").status_code == 400
    for who in (w.officer, w.leader, official("khac", w.other_agency, Role.SPECIALIST), w.citizen):
        client.force_login(who)
        assert client.get(preview).status_code == 404
        assert act(client, dossier, "draft_result", content="Khác").status_code == 404
    dossier.refresh_from_db()
    assert dossier.result_draft == CONTENT
    client.logout()
    assert client.get(preview).status_code == 302


def test_the_leader_signs_the_electronic_result_at_approval(client: Any, w: World, demo_ca: Any) -> None:
    dossier = make.processing(w)
    client.force_login(w.specialist)
    act(client, dossier, "draft_result", content=CONTENT)
    act(client, dossier, "forward")
    assert status_of(dossier) == Status.AWAITING_APPROVAL
    client.force_login(w.leader)
    response = act(client, dossier, "approve", electronic_result="on")
    assert response.status_code == 400
    assert "Bạn chưa có chứng thư số cá nhân còn hiệu lực; không thể ký kết quả điện tử." in response.content.decode()
    assert status_of(dossier) == Status.AWAITING_APPROVAL
    for kind, extra in ((Certificate.Kind.PERSONAL, {"owner": w.leader}), (Certificate.Kind.ORGANISATION, {})):
        signing.certificate_issue(
            issuer=demo_ca[1],
            common_name=w.leader.full_name if extra else w.agency.name,
            kind=kind,
            agency=None if extra else w.agency,
            actor=None,
            **extra,
        )
    response = act(client, dossier, "approve", electronic_result="on")
    assert response.status_code == 302
    assert status_of(dossier) == Status.FINISHED
    item = DossierFile.objects.get(dossier=dossier, source=DossierFile.Source.RESULT)
    assert item.verification_code
    html = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert item.verification_code in html
