"""The citizen downloads a template (mẫu đơn, tờ khai) of the procedure's current version, and nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from cqs.catalog.models import ProcedureVersion, RequiredDocument
from cqs.core.tests import samples
from cqs.portal.tests.factories import birth_registration, field_create, procedure_create

pytestmark = pytest.mark.django_db

FILENAME = "Tờ khai đăng ký khai sinh.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False


def _give_template(document: RequiredDocument, content: bytes = b"", *, kind: str = "docx") -> RequiredDocument:
    content = content or samples.docx()
    name = default_storage.save(f"catalog/templates/abc/{document.pk}-to-khai.{kind}", ContentFile(content))
    document.template_file.name = name
    document.template_filename = FILENAME if kind == "docx" else f"Mẫu.{kind}"
    document.template_kind = kind
    document.template_size = len(content)
    document.template_sha256 = "0" * 64
    document.save()
    return document


@pytest.fixture
def birth() -> Any:
    procedure = birth_registration(field=field_create("HT", "Hộ tịch"))
    document = RequiredDocument.objects.get(version=procedure.current_version, position=1)
    return procedure, _give_template(document)


def _url(code: str, document: RequiredDocument) -> str:
    return reverse("portal:document_template", args=[code, document.pk])


def test_the_current_template_downloads_with_safe_headers(birth: Any) -> None:
    procedure, document = birth
    url = _url(procedure.code, document)
    assert url == f"/thu-tuc/1.001193/mau/{document.pk}/"
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="to-khai-dang-ky-khai-sinh.docx"; '
        "filename*=UTF-8''T%E1%BB%9D%20khai%20%C4%91%C4%83ng%20k%C3%BD%20khai%20sinh.docx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(samples.docx()))
    assert b"".join(response.streaming_content) == samples.docx()  # type: ignore[attr-defined]
    assert Client().head(url).status_code == 200


def test_a_pdf_template_is_served_as_pdf(birth: Any) -> None:
    procedure, _document = birth
    other = RequiredDocument.objects.get(version=procedure.current_version, position=2)
    _give_template(other, samples.PDF, kind="pdf")
    response = Client().get(_url(procedure.code, other))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        "attachment; filename=\"mau.pdf\"; filename*=UTF-8''M%E1%BA%ABu.pdf"
    )


def test_the_detail_page_links_the_download(birth: Any) -> None:
    procedure, document = birth
    page = Client().get(reverse("portal:procedure", args=[procedure.code])).content.decode()
    assert f'<a href="{_url(procedure.code, document)}" download>Mẫu TK-KS</a>' in page
    assert "/media/" not in page


def test_only_the_current_published_version_is_served(birth: Any) -> None:
    procedure, document = birth
    client = Client()
    # A document without a template, a made-up id, another procedure's code.
    plain = RequiredDocument.objects.get(version=procedure.current_version, position=2)
    assert client.get(_url(procedure.code, plain)).status_code == 404
    assert client.get(reverse("portal:document_template", args=[procedure.code, 999_999])).status_code == 404
    other = procedure_create("1.000656", "Thủ tục đăng ký khai tử", field=procedure.field)
    assert client.get(_url(other.code, document)).status_code == 404

    # A draft of the same procedure: its template is not public.
    current = procedure.current_version
    draft = ProcedureVersion.objects.create(
        procedure=procedure,
        number=2,
        name=current.name,
        field=current.field,
        level=current.level,
        online_level=current.online_level,
    )
    draft_document = _give_template(RequiredDocument.objects.create(version=draft, position=1, name="Tờ khai mới"))
    assert client.get(_url(procedure.code, draft_document)).status_code == 404

    # Once the new version is in force, the old one's template is gone from the portal.
    draft.status = ProcedureVersion.Status.PUBLISHED
    draft.effective_from = dt.date(2025, 8, 1)
    draft.save()
    current.status = ProcedureVersion.Status.SUPERSEDED
    current.save()
    procedure.current_version = draft
    procedure.save()
    assert client.get(_url(procedure.code, draft_document)).status_code == 200
    assert client.get(_url(procedure.code, document)).status_code == 404

    # A procedure withdrawn from the portal serves nothing.
    procedure.is_published = False
    procedure.save()
    assert client.get(_url(procedure.code, draft_document)).status_code == 404


def test_a_missing_stored_file_is_a_404(birth: Any, tmp_path: Path) -> None:
    procedure, document = birth
    (tmp_path / document.template_file.name).unlink()
    assert Client().get(_url(procedure.code, document)).status_code == 404
