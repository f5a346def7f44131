"""Step 1 proposes the offices of the citizen's own commune, asked once when the account does not say it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cqs.core.models import AuditEvent
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_filing import Province, province
from cqs.dossiers.tests.factories_portalapply import client_for
from cqs.portal.models import CitizenCommune
from cqs.portal.selectors_place import citizen_home
from cqs.portal.tests.test_dossiers_apply import _url

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(w: factories.World) -> Province:
    return province(w)


def _proposed(client: Client, w: factories.World) -> tuple[Any, Any, str]:
    response = client.get(_url("portal:apply", w))
    assert response.status_code == 200
    form = response.context["form"]
    return form["deciding_agency"].value(), form["receiving_agency"].value(), response.content.decode()


def _living_in(w: factories.World, address: str) -> None:
    w.citizen.address = address
    w.citizen.save(update_fields=["address"])


def test_a_citizen_of_a_far_commune_is_offered_their_own_offices(w: factories.World, p: Province) -> None:
    _living_in(w, "Bản Xiềng, xã Con Cuông, tỉnh Nghệ An")
    deciding, receiving, html = _proposed(client_for(w.citizen), w)
    assert (deciding, receiving) == (p.con_cuong_committee.pk, p.con_cuong_committee.pk)
    assert "Đề xuất nơi nộp gần bạn (Xã Con Cuông, theo địa chỉ trong tài khoản)." in html


def test_where_the_commune_has_a_service_centre_it_receives(w: factories.World, p: Province) -> None:
    _living_in(w, "Số 12 đường Lê Lợi, PHƯỜNG TRUONG VINH, Nghệ An")
    deciding, receiving, _html = _proposed(client_for(w.citizen), w)
    assert (deciding, receiving) == (w.agency.pk, p.truong_vinh_centre.pk)


def test_a_procedure_of_one_department_is_decided_there_and_received_at_home(w: factories.World, p: Province) -> None:
    w.version.agency_kinds = []
    w.version.save(update_fields=["agency_kinds"])
    w.version.agencies.set([w.other_agency])  # Sở Tư pháp
    _living_in(w, "Bản Xiềng, xã Con Cuông, tỉnh Nghệ An")
    deciding, receiving, _html = _proposed(client_for(w.citizen), w)
    assert (deciding, receiving) == (w.other_agency.pk, p.con_cuong_committee.pk)


def test_without_a_commune_the_citizen_is_asked_once_and_nothing_far_is_preselected(
    w: factories.World, p: Province
) -> None:
    client = client_for(w.citizen)
    deciding, receiving, html = _proposed(client, w)
    assert (deciding, receiving) == (None, None)
    assert "Bạn đang cư trú ở xã, phường nào?" in html
    assert "— Chọn cơ quan giải quyết —" in html and "— Chọn nơi tiếp nhận —" in html
    response = client.post(reverse("portal:commune"), {"xa": p.con_cuong.pk, "next": _url("portal:apply", w)})
    assert response["Location"] == _url("portal:apply", w)
    assert CitizenCommune.objects.get(user=w.citizen).unit == p.con_cuong
    assert AuditEvent.objects.filter(action="citizen_commune.set").count() == 1
    deciding, receiving, html = _proposed(client, w)
    assert (deciding, receiving) == (p.con_cuong_committee.pk, p.con_cuong_committee.pk)
    assert "Bạn đang cư trú ở xã, phường nào?" not in html
    assert "Đề xuất nơi nộp gần bạn (Xã Con Cuông, theo xã, phường bạn đã chọn)." in html


def test_the_chosen_commune_wins_over_the_address(w: factories.World, p: Province) -> None:
    _living_in(w, "Khối 3, phường Trường Vinh, tỉnh Nghệ An")
    client_for(w.citizen).post(reverse("portal:commune"), {"xa": p.con_cuong.pk})
    home = citizen_home(user=w.citizen)
    assert home is not None and (home.unit, home.chosen) == (p.con_cuong, True)


def test_a_commune_outside_the_list_or_a_foreign_next_is_refused(w: factories.World, p: Province) -> None:
    client = client_for(w.citizen)
    response = client.post(reverse("portal:commune"), {"xa": p.unit.pk})  # the province itself
    assert response.status_code == 400
    assert "Chọn xã, phường, đặc khu trong danh sách." in response.content.decode()
    assert not CitizenCommune.objects.exists()
    response = client.post(reverse("portal:commune"), {"xa": p.truong_vinh.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:dossiers")


def test_only_citizens_set_their_commune(client: Client, w: factories.World, p: Province) -> None:
    response = client.post(reverse("portal:commune"), {"xa": p.con_cuong.pk})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client_for(w.officer).post(reverse("portal:commune"), {"xa": p.con_cuong.pk}).status_code == 404
    assert not CitizenCommune.objects.exists()


def test_an_address_naming_no_commune_or_two_leaves_it_open(w: factories.World, p: Province) -> None:
    _living_in(w, "Hà Nội")
    assert citizen_home(user=w.citizen) is None
    _living_in(w, "xã Con Cuông hoặc xã Môn Sơn")
    assert citizen_home(user=w.citizen) is None


def test_the_pickers_are_searchable_selects_with_a_static_script(w: factories.World, p: Province) -> None:
    _deciding, _receiving, html = _proposed(client_for(w.citizen), w)
    assert 'data-picker-label="Tìm nơi tiếp nhận theo tên"' in html
    assert 'data-picker-label="Tìm xã, phường theo tên"' in html
    assert "cqs/picker.js" in html and "<script>" not in html
