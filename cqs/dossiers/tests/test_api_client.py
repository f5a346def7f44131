"""A client program files a valid dossier knowing nothing but what the API tells it."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qsl

import pytest

from cqs.catalog.tests import factories as catalog_factories
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import PDF_BYTES, citizen, official
from cqs.dossiers.tests.factories_api import API, Caller
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db

SAMPLES = {
    "text": "Nguyễn Văn Bình",
    "textarea": "Đăng ký khai sinh cho con.",
    "date": "02/03/2026",
    "integer": 1,
    "email": "lan@example.vn",
    "phone": "0912345678",
    "citizen_id": "040190012345",
    "checkbox": True,
}


@pytest.fixture
def every_commune() -> dict[str, Any]:
    """A procedure done by every commune committee (``agency_kinds``), no agency linked by name."""
    manager = catalog_factories.official()
    communes = [
        catalog_factories.agency(kind=Agency.Kind.COMMUNE_COMMITTEE, name=f"UBND xã Thử {n}") for n in range(1, 26)
    ]
    centre = catalog_factories.agency(kind=Agency.Kind.PROVINCIAL_SERVICE_CENTRE, name="Trung tâm Phục vụ HCC tỉnh")
    catalog_factories.agency(kind=Agency.Kind.OTHER, name="Ban quản lý khu kinh tế")
    procedure = catalog_factories.published(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        actor=manager,
        agency_kinds=[Agency.Kind.COMMUNE_COMMITTEE],
    )
    return {"procedure": procedure, "communes": communes, "centre": centre}


def _all_pages(caller: Caller, link: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged list the API linked to (``/api/v1/…?role=…``)."""
    path, _sep, query = link.removeprefix(API).partition("?")
    params = {**dict(parse_qsl(query)), **params}
    rows, page = [], 1
    while True:
        body = caller.get(path, page=page, page_size=10, **params).json()
        rows += body["results"]
        if page * body["page_size"] >= body["count"]:
            return rows
        page += 1


def test_a_client_reads_only_the_api_and_files_a_valid_dossier(every_commune: dict[str, Any]) -> None:
    applicant = Caller(citizen("040190012345"))
    found = applicant.get("/procedures", q="khai sinh").json()["results"]
    code = found[0]["code"]
    detail = applicant.get(f"/procedures/{code}").json()

    # Who decides: every commune committee, listed (paged, filterable by administrative unit or name).
    deciding = _all_pages(applicant, detail["links"]["deciding_agencies"])
    assert len(deciding) == 25 == detail["deciding_agency_count"]
    assert {row["kind"] for row in deciding} == {"commune_committee"}
    mine = deciding[6]
    by_unit = applicant.get(f"/procedures/{code}/agencies", role="deciding", unit=mine["unit"]["code"]).json()
    assert [row["electronic_code"] for row in by_unit["results"]] == [mine["electronic_code"]]
    by_name = applicant.get(f"/procedures/{code}/agencies", role="deciding", q=mine["name"].lower()).json()
    assert mine["electronic_code"] in [row["electronic_code"] for row in by_name["results"]]
    # Where it may be handed in: any one-stop place of the province (the centre too, not the other board).
    receiving = _all_pages(applicant, detail["links"]["receiving_agencies"])
    assert every_commune["centre"].electronic_code in {row["electronic_code"] for row in receiving}
    assert "other" not in {row["kind"] for row in receiving}

    # What to send: the e-form's fields and the ids of the papers, each a file in order.
    form_data = {}
    for item in detail["form_fields"]:
        if item["required"]:
            form_data[item["key"]] = item["choices"][0] if item["type"] == "choice" else SAMPLES[item["type"]]
    needed = [d for d in detail["documents"] if not d["optional"] and not d["replaceable_by"]]
    assert needed and all(isinstance(d["id"], int) for d in needed)
    payload = {
        "procedure": code,
        "deciding_agency": mine["electronic_code"],
        "receiving_agency": receiving[0]["electronic_code"],
        "form_data": form_data,
        "filing_mode": "self",
        "delivery": "online",
        "attachments": [{"required_document_id": d["id"]} for d in needed],
    }
    response = applicant.multipart("/dossiers", payload, [_upload(f"giay-to-{n}.pdf") for n in range(len(needed))])
    assert response.status_code == 201, response.content.decode()
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.deciding_agency.electronic_code == mine["electronic_code"]
    assert dossier.files.count() == len(needed)


def _upload(name: str) -> io.BytesIO:
    handle = io.BytesIO(PDF_BYTES)
    handle.name = name
    return handle


def test_the_agency_list_refuses_bad_parameters_in_vietnamese(every_commune: dict[str, Any]) -> None:
    caller = Caller(official("x", every_commune["centre"]))
    for params, message in (
        ({"role": "approver"}, "Tham số role phải là một trong: deciding, receiving."),
        ({"page_size": 101}, "Tham số page_size phải là số nguyên từ 1 đến 100."),
        ({"q": "x" * 201}, "Từ khoá dài tối đa 200 ký tự."),
        ({"unit": "x" * 11}, "Mã đơn vị hành chính dài tối đa 10 ký tự."),
    ):
        response = caller.get("/procedures/1.001193/agencies", **params)
        assert response.status_code == 422 and response.json()["message"] == message, params
    assert caller.get("/procedures/9.999999/agencies").status_code == 404
