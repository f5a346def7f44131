"""The unit dashboard's digitisation figures: 766 criteria 4.1 and 4.2 and the outgoing-document shares."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cqs.documents.tests.test_dashboard_shares import small_world
from cqs.dossiers import services
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories import World, pdf
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_electronic_results_digitised_dossiers_and_documents(
    client: Any, w: World, demo_ca: Any, personal_cert: Any
) -> None:
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    # An electronic result (4.1 and 4.2).
    services.dossier_approve(
        dossier=make.awaiting_approval(w), actor=w.leader, note="Cấp giấy khai sinh", electronic_result=True
    )
    # A scanned paper result (4.2 only).
    services.dossier_approve(dossier=make.awaiting_approval(w), actor=w.leader, note="Đồng ý", result=pdf())
    # No result file (neither); and one still in progress (not finished, not counted).
    make.finished(w)
    make.processing(w)
    small_world(w.agency, w.other_agency, w.leader)

    client.force_login(w.leader)
    response = client.get(reverse("desk:dashboard"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures["finished"], figures["e_result"], figures["digitised"]) == (3, 1, 2)
    assert (figures["e_result_rate"], figures["digitised_rate"]) == (33.3, 66.7)
    rows = [(str(r["label"]), r["part"], r["whole"], r["rate"]) for r in response.context["shares"]]
    assert rows == [
        ("4.1 Hồ sơ có kết quả điện tử", 1, 3, 33.3),
        ("4.2 Hồ sơ được số hóa", 2, 3, 66.7),
        ("Văn bản đi gửi điện tử", 1, 2, 50.0),
        ("Văn bản đi ký số", 2, 3, 66.7),
    ]
    html = response.content.decode()
    assert 'aria-labelledby="shares-title shares-desc"' in html
    assert "Tỷ lệ số hóa hồ sơ và văn bản điện tử trong kỳ" in html
    assert "4.1 (Quyết định 766/QĐ-TTg)" in html
    # The bars are drawn to scale: 66.7 % of the 240-point track.
    assert 'width="160.1"' in html
    assert not re.search(r'(?:cy|width|x)="-?\d+,\d', html)  # SVG numbers never take the Vietnamese decimal comma

    year = timezone.localdate().year
    other = client.get(
        reverse("desk:dashboard"),
        {"co_quan": w.agency.pk, "tu_ngay": f"01/01/{year - 3}", "den_ngay": f"31/12/{year - 3}"},
    )
    assert other.status_code == 200 and [r["rate"] for r in other.context["shares"]] == [None, None, None, None]


def test_citizens_and_officials_without_a_unit_role_get_no_dashboard(client: Any, w: World) -> None:
    client.force_login(w.citizen)
    assert client.get(reverse("desk:dashboard")).status_code == 404
