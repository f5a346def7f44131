"""Helpers for the filing tests: running the same request from several threads at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from cqs.catalog.models import ProcedureVersion


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


def with_second_document(version: ProcedureVersion, name: str = "Giấy chứng sinh") -> Any:
    """A second required paper the citizen uploads (the first being the declaration)."""
    last = version.documents.order_by("-position").first()
    return version.documents.create(position=(last.position if last else 0) + 1, name=name, originals=1)
