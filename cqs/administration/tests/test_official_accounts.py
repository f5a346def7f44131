"""The administrator's page of officials' accounts: activation and reset codes, shown once; who may not use it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.accounts import services
from cqs.accounts.models import AccountCode, Role
from cqs.units.models import AdministrativeUnit, Agency

pytestmark = [pytest.mark.django_db]

URL = reverse("administration:official_accounts")
CODE = re.compile(r'<code class="code-big">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>')


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_administrator_issues_an_activation_code_shown_once(administrator: Any, make_official: Any) -> None:
    official = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    client = _client(administrator)
    page = client.get(URL).content.decode()
    assert "Cán bộ motcua" in page and "Chưa cài" in page
    response = client.post(URL, {"user_id": str(official.pk), "action": "activation"})
    html = response.content.decode()
    found = CODE.search(html)
    assert response.status_code == 200 and found is not None
    assert "Mã kích hoạt xác thực hai lớp cho Cán bộ motcua (motcua):" in html
    assert response["Cache-Control"] == "private, no-store" or "no-store" in response["Cache-Control"]
    device = services.totp_enrol_start(user=official, activation_code=found.group(1))
    assert device.user == official
    listing = client.get(URL).content.decode()
    assert found.group(1) not in listing and "đã dùng lúc" in listing
    response = client.post(URL, {"user_id": str(official.pk), "action": "reset"})
    assert CODE.search(response.content.decode()) is not None
    assert "còn hiệu lực đến" in client.get(URL).content.decode()
    assert AccountCode.objects.filter(user=official, issued_by=administrator).count() == 2


def test_search_by_name_without_diacritics(administrator: Any, make_official: Any) -> None:
    make_official("motcua").__class__.objects.filter(username="motcua").update(full_name="Nguyễn Thị Hằng")
    make_official("chuyenvien")
    page = _client(administrator).get(URL, {"q": "nguyen thi hang"}).content.decode()
    assert "Nguyễn Thị Hằng" in page and "chuyenvien" not in page


def test_who_may_not_use_the_page(
    client: Client, administrator: Any, make_official: Any, citizen: Any, agency: Any
) -> None:
    official = make_official("motcua")
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))
    assert client.post(URL, {"user_id": str(official.pk), "action": "activation"})["Location"].startswith(
        reverse("accounts:login")
    )
    for outsider in (citizen, make_official("lanhdao", roles=(Role.LEADER,))):
        outsider_client = _client(outsider)
        assert outsider_client.get(URL).status_code == 404
        assert outsider_client.post(URL, {"user_id": str(official.pk), "action": "activation"}).status_code == 404
    # an administrator of another commune: the official is not theirs
    commune = AdministrativeUnit.objects.create(
        code="16999", name="Xã Khác", level="commune", division_type="xã", parent=agency.unit
    )
    elsewhere = Agency.objects.create(
        electronic_code="H40.9", name="UBND xã Khác", kind="commune_committee", unit=commune
    )
    other_admin = make_official("quantrikhac")
    other_admin.roles.create(role=Role.ADMINISTRATOR, agency=elsewhere)
    other_client = _client(other_admin)
    assert "Cán bộ motcua" not in other_client.get(URL).content.decode()
    assert other_client.post(URL, {"user_id": str(official.pk), "action": "activation"}).status_code == 404
    admin_client = _client(administrator)
    assert admin_client.post(URL, {"user_id": "x", "action": "activation"}).status_code == 404
    assert admin_client.post(URL, {"user_id": str(official.pk), "action": "xoa"}).status_code == 404
    assert admin_client.post(URL, {"user_id": str(citizen.pk), "action": "reset"}).status_code == 404
    assert not AccountCode.objects.exists()


def test_the_index_links_only_what_the_role_opens(administrator: Any, make_official: Any) -> None:
    admin_index = _client(administrator).get(reverse("administration:index")).content.decode()
    assert URL in admin_index and reverse("accounts:identity_counter") not in admin_index
    officer = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    officer_index = _client(officer).get(reverse("administration:index")).content.decode()
    assert URL not in officer_index
    desk = _client(officer).get(reverse("desk:worklist")).content.decode()  # identity checks are desk work
    assert f'href="{reverse("accounts:identity_counter")}"' in desk
