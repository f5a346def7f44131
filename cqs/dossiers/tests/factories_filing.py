"""Helpers for the filing tests: running the same request from several threads at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from cqs.catalog.models import ProcedureVersion
from cqs.core.text import fold
from cqs.units.models import AdministrativeUnit, Agency


def at_once(*calls: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Start every call in its own thread (own database connection) at the same moment; their results or errors."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as error:  # the test asserts on what came back, errors included
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a request never came back"
    return outcomes


def with_copy_fee(version: ProcedureVersion, *, amount: int = 8000) -> None:
    """The birth registration's real fees: free registration, 8.000 đồng per copy of the certificate asked."""
    last = version.form_fields.order_by("-position").first()
    version.form_fields.create(
        position=(last.position if last else 0) + 1,
        key="ban_sao",
        label="Số bản sao Giấy khai sinh đề nghị cấp",
        type="integer",
        required=False,
    )
    version.fees.all().delete()
    version.fees.create(position=1, name="Lệ phí đăng ký khai sinh", amount=0, note="Miễn lệ phí")
    version.fees.create(
        position=2, name="Phí cấp bản sao Giấy khai sinh", amount=amount, quantity_field="ban_sao", note="/bản sao"
    )


def with_declaration(version: ProcedureVersion) -> Any:
    """Mark the version's first document (the birth registration's "Tờ khai") as made from the e-form."""
    document = version.documents.order_by("position").first()
    assert document is not None
    document.is_declaration = True
    document.save(update_fields=["is_declaration"])
    return document


def pdf_text(content: bytes) -> str:
    """The text of a PDF, every page, with its spaces collapsed (pypdf)."""
    import io

    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages).split())


def with_second_document(version: ProcedureVersion, name: str = "Giấy chứng sinh", *, optional: bool = False) -> Any:
    """Another paper the citizen uploads (the first being the declaration)."""
    last = version.documents.order_by("-position").first()
    return version.documents.create(
        position=(last.position if last else 0) + 1, name=name, originals=1, is_optional=optional
    )


@dataclass
class Province:
    """Nghệ An with two communes far apart, their offices, and a procedure done by every commune committee."""

    unit: AdministrativeUnit
    truong_vinh: AdministrativeUnit
    con_cuong: AdministrativeUnit
    truong_vinh_centre: Agency
    con_cuong_committee: Agency


def _unit(code: str, name: str, level: str, parent: AdministrativeUnit | None = None) -> AdministrativeUnit:
    unit, _created = AdministrativeUnit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "division_type": name.split()[0].lower(),
            "search_name": fold(name),
            "parent": parent,
        },
    )
    return unit


def province(w: Any) -> Province:
    """The world's commune committee placed in Phường Trường Vinh, a far commune (Xã Con Cuông) added."""
    nghe_an = _unit("40", "Tỉnh Nghệ An", "province")
    truong_vinh = _unit("16681", "Phường Trường Vinh", "commune", nghe_an)
    con_cuong = _unit("17011", "Xã Con Cuông", "commune", nghe_an)
    _unit("17014", "Xã Môn Sơn", "commune", nghe_an)
    Agency.objects.filter(pk=w.agency.pk).update(unit=truong_vinh)
    w.agency.refresh_from_db()
    centre = Agency.objects.create(
        electronic_code="001.40.01.H40",
        name="Trung tâm Phục vụ hành chính công phường Trường Vinh",
        kind=Agency.Kind.COMMUNE_SERVICE_CENTRE,
        unit=truong_vinh,
        search_name=fold("Trung tâm Phục vụ hành chính công phường Trường Vinh"),
    )
    far = Agency.objects.create(
        electronic_code="000.40.50.H40",
        name="UBND xã Con Cuông",
        kind=Agency.Kind.COMMUNE_COMMITTEE,
        unit=con_cuong,
        search_name=fold("UBND xã Con Cuông"),
    )
    w.version.agency_kinds = [Agency.Kind.COMMUNE_COMMITTEE]
    w.version.save(update_fields=["agency_kinds"])
    w.version.agencies.clear()
    return Province(nghe_an, truong_vinh, con_cuong, centre, far)
