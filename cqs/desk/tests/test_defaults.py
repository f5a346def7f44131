"""No misleading defaults: dates as dd/mm/yyyy on the desk, named choices instead of "---------"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cqs.catalog import services as catalog_services
from cqs.catalog.tests import factories as catalog_factories
from cqs.documents.tests.factories import documents_world
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests import factories_desk as make

pytestmark = pytest.mark.django_db


def test_the_desk_shows_eform_dates_as_dd_mm_yyyy(client, w):
    dossier = make.processing(w)
    assert Dossier.objects.get(pk=dossier.pk).form_data["ngay_sinh"] == "2026-03-02"  # kept as ISO
    client.force_login(w.specialist)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "<dt>Ngày sinh</dt><dd>02/03/2026</dd>" in html
    assert "2026-03-02" not in html


def _pages(w):
    manager = catalog_factories.official(role="catalog_manager")
    documents = documents_world()
    from cqs.accounts.models import Role, RoleAssignment

    administrator = catalog_factories.official(role="administrator")
    RoleAssignment.objects.get_or_create(user=administrator, role=Role.ADMINISTRATOR, agency=documents.agency)
    processing = make.processing(w)
    _procedure, draft = catalog_services.procedure_create(
        code="1.999001",
        name="Thủ tục thử",
        field=catalog_factories.field(),
        level="commune",
        online_level="full",
        actor=manager,
    )
    return [
        (w.specialist, f"/mot-cua/ho-so/{processing.code}/"),
        (w.officer, f"/mot-cua/tiep-nhan/?thu_tuc={w.procedure.code}"),
        (w.officer, "/mot-cua/bao-cao/"),
        (manager, "/quan-tri/thu-tuc/them/"),
        (manager, f"/quan-tri/thu-tuc/phien-ban/{draft.pk}/sua/"),
        (administrator, f"/quan-tri/van-ban/?co_quan={documents.agency.electronic_code}"),
        (administrator, "/quan-tri/lich-lam-viec/"),
        (None, "/dang-ky/"),
    ]


def test_no_form_offers_a_row_of_dashes(w):
    for user, url in _pages(w):
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "---------" not in html, url
        assert "<select" in html or "/dang-ky/" in url or "lich-lam-viec" in url, url
    client = Client()
    client.force_login(w.specialist)
    html = client.get(f"/mot-cua/ho-so/{make.processing(w).code}/").content.decode()
    assert re.search(
        r'<select name="transfer-to_agency"[^>]*>\s*<option value="" selected>— Chọn cơ quan —</option>', html
    )
