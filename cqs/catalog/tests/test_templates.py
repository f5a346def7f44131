"""Document templates (mẫu đơn, tờ khai): attach, remove, carry to a new draft, and the manager's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cqs.catalog import services
from cqs.catalog.models import ProcedureVersion, RequiredDocument
from cqs.catalog.tests import factories
from cqs.core.errors import InvalidTransition, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.core.tests import samples

pytestmark = pytest.mark.django_db

NAME = "Tờ khai đăng ký khai sinh.docx"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    settings.CQS_UPLOAD_SCANNER = ""
    return tmp_path


def _upload(name: str = NAME, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.docx() if content is None else content, content_type="application/pdf")


def _draft(manager: Any) -> ProcedureVersion:
    _procedure, version = services.procedure_create(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=factories.field(),
        level="commune",
        online_level="full",
        actor=manager,
    )
    return factories.fill(version, manager)


def _document(version: ProcedureVersion) -> RequiredDocument:
    return RequiredDocument.objects.get(version=version, position=1)


def test_attach_stores_the_checked_file(manager: Any, tmp_path: Path) -> None:
    version = _draft(manager)
    document = services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    document.refresh_from_db()
    content = samples.docx()
    assert document.template_filename == NAME
    assert document.template_kind == "docx"
    assert document.template_size == len(content)
    assert len(document.template_sha256) == 64
    assert document.template_file.name == (
        f"catalog/templates/{document.template_sha256[:16]}/to-khai-dang-ky-khai-sinh.docx"
    )
    assert (tmp_path / document.template_file.name).read_bytes() == content
    event = AuditEvent.objects.filter(action="required_document.template_attach").get()
    assert event.object_id == str(document.pk)
    assert event.after["filename"] == NAME and event.before["file"] == ""


def test_the_same_content_is_stored_once(manager: Any, tmp_path: Path) -> None:
    version = _draft(manager)
    services.version_set_documents(
        version=version,
        actor=manager,
        items=[{"name": "Tờ khai", "originals": 1}, {"name": "Tờ khai bổ sung", "originals": 1}],
    )
    first, second = RequiredDocument.objects.filter(version=version).order_by("position")
    services.document_template_attach(document=first, file=_upload(), actor=manager)
    services.document_template_attach(document=second, file=_upload(), actor=manager)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.template_file.name == second.template_file.name
    assert len(list((tmp_path / "catalog" / "templates").iterdir())) == 1


def test_a_checked_version_goes_back_to_draft(manager: Any) -> None:
    version = _draft(manager)
    services.version_check(version=version, actor=manager)
    services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    version.refresh_from_db()
    assert version.status == ProcedureVersion.Status.DRAFT


def test_attach_refuses_a_file_that_is_not_a_template(manager: Any) -> None:
    version = _draft(manager)
    with pytest.raises(ValidationFailed) as caught:
        services.document_template_attach(
            document=_document(version), file=_upload("to-khai.pdf", samples.PNG), actor=manager
        )
    assert caught.value.message == "Tệp “to-khai.pdf” không đúng loại: mẫu đơn, tờ khai chỉ nhận PDF, DOCX, ODT, DOC."
    assert not _document(version).template_file


def test_attach_refuses_a_file_over_the_limit(manager: Any, settings: Any) -> None:
    settings.CQS_TEMPLATE_MAX_BYTES = 1024
    version = _draft(manager)
    with pytest.raises(ValidationFailed) as caught:
        services.document_template_attach(
            document=_document(version), file=_upload("lon.pdf", samples.PDF + b"%" * 2000), actor=manager
        )
    assert caught.value.message == "Tệp “lon.pdf” lớn hơn giới hạn 1 KB."


def test_remove_clears_the_template(manager: Any) -> None:
    version = _draft(manager)
    document = services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    stored = document.template_file.name
    services.document_template_remove(document=document, actor=manager)
    document.refresh_from_db()
    assert not document.template_file
    assert (document.template_filename, document.template_kind, document.template_size) == ("", "", None)
    assert default_storage.exists(stored)  # other versions may share it
    assert AuditEvent.objects.filter(action="required_document.template_remove").get().before["file"] == stored
    with pytest.raises(ValidationFailed) as caught:
        services.document_template_remove(document=document, actor=manager)
    assert caught.value.message == "Giấy tờ “Tờ khai đăng ký khai sinh” chưa có tệp mẫu."


def test_a_published_version_is_immutable(manager: Any) -> None:
    procedure = factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
    document = RequiredDocument.objects.get(version=procedure.current_version)
    expected = (
        "Chỉ thay đổi được tệp mẫu của phiên bản dự thảo hoặc đã kiểm tra; "
        "phiên bản này đang ở trạng thái “Đã công bố”."
    )
    with pytest.raises(InvalidTransition) as caught:
        services.document_template_attach(document=document, file=_upload(), actor=manager)
    assert caught.value.message == expected
    with pytest.raises(InvalidTransition) as caught:
        services.document_template_remove(document=document, actor=manager)
    assert caught.value.message == expected


def test_a_new_draft_carries_the_templates(manager: Any) -> None:
    version = _draft(manager)
    attached = services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    services.version_check(version=version, actor=manager)
    services.version_publish(
        version=version,
        actor=manager,
        decision_number="1/QĐ-UBND",
        decision_date="2025-07-01",
        effective_from="2025-07-01",
    )
    draft = services.version_create_draft(procedure=version.procedure, actor=manager)
    copied = _document(draft)
    assert copied.pk != attached.pk
    assert copied.template_file.name == attached.template_file.name
    assert (copied.template_filename, copied.template_kind, copied.template_size, copied.template_sha256) == (
        attached.template_filename,
        attached.template_kind,
        attached.template_size,
        attached.template_sha256,
    )


def test_editing_the_document_list_keeps_templates_by_name(manager: Any) -> None:
    version = _draft(manager)
    services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    services.version_set_documents(
        version=version,
        actor=manager,
        items=[
            {"name": "Giấy chứng sinh", "originals": 1},
            {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "note": "Bản chính"},
        ],
    )
    kept = RequiredDocument.objects.get(version=version, name="Tờ khai đăng ký khai sinh")
    assert kept.position == 2 and kept.template_filename == NAME
    assert not RequiredDocument.objects.get(version=version, name="Giấy chứng sinh").template_file


# ---------------------------------------------------------------- the manager's page


@pytest.fixture
def manager_client(manager: Any) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def _urls(version: ProcedureVersion, document: RequiredDocument) -> tuple[str, str, str]:
    args = [version.pk, document.pk]
    return (
        reverse("catalog:document_template_upload", args=args),
        reverse("catalog:document_template_remove", args=args),
        reverse("catalog:document_template_download", args=args),
    )


def test_the_manager_uploads_sees_downloads_and_removes(manager: Any, manager_client: Client) -> None:
    version = _draft(manager)
    document = _document(version)
    upload, remove, download = _urls(version, document)
    page = manager_client.get(reverse("catalog:version_detail", args=[version.pk])).content.decode()
    assert f'action="{upload}"' in page and 'enctype="multipart/form-data"' in page
    assert f'<label for="tpl-file-{document.pk}">Tệp mẫu cho giấy tờ 1</label>' in page
    assert "Tải mẫu lên" in page and "Xoá mẫu" not in page

    response = manager_client.post(upload, {"file": _upload()})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:version_detail", args=[version.pk]) + f"#giay-to-{document.pk}"
    page = manager_client.get(response["Location"]).content.decode()
    assert f'href="{download}">{NAME}</a>' in page
    assert "Xoá mẫu" in page

    got = manager_client.get(download)
    assert got.status_code == 200
    assert got["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert b"".join(got.streaming_content) == samples.docx()  # type: ignore[attr-defined]

    assert manager_client.post(remove).status_code == 302
    document.refresh_from_db()
    assert not document.template_file


def test_a_refused_upload_is_shown_next_to_its_row(manager: Any, manager_client: Client) -> None:
    version = _draft(manager)
    document = _document(version)
    upload, _remove, _download = _urls(version, document)
    response = manager_client.post(upload, {"file": _upload("anh.pdf", samples.PNG)})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f'<p class="errorlist" id="tpl-error-{document.pk}" role="alert">'
        "Tệp “anh.pdf” không đúng loại: mẫu đơn, tờ khai chỉ nhận PDF, DOCX, ODT, DOC.</p>"
    ) in page
    assert 'aria-invalid="true"' in page
    response = manager_client.post(upload, {})
    assert response.status_code == 400
    assert f'id="tpl-error-{document.pk}"' in response.content.decode()


def test_a_published_version_has_no_upload_control(manager: Any, manager_client: Client) -> None:
    procedure = factories.published(code="1.001193", name="Thủ tục đăng ký khai sinh", actor=manager)
    version = procedure.current_version
    assert version is not None
    page = manager_client.get(reverse("catalog:version_detail", args=[version.pk])).content.decode()
    assert "Tải mẫu lên" not in page
    upload, _remove, _download = _urls(version, _document(version))
    response = manager_client.post(upload, {"file": _upload()})
    assert response.status_code == 400
    assert "phiên bản này đang ở trạng thái “Đã công bố”" in response.content.decode()


def test_others_cannot_reach_the_template_pages(manager: Any) -> None:
    version = _draft(manager)
    document = services.document_template_attach(document=_document(version), file=_upload(), actor=manager)
    upload, remove, download = _urls(version, document)
    anonymous = Client()
    login = reverse("accounts:login")
    for response in (anonymous.post(upload, {"file": _upload()}), anonymous.post(remove), anonymous.get(download)):
        assert response.status_code == 302 and response["Location"].startswith(login)
    for user in (factories.citizen(), factories.official(role=None)):
        client = Client()
        client.force_login(user)
        assert client.post(upload, {"file": _upload("khac.pdf", samples.PDF)}).status_code == 404
        assert client.post(remove).status_code == 404
        assert client.get(download).status_code == 404
    document.refresh_from_db()
    assert document.template_filename == NAME


def test_a_document_of_another_version_is_not_found(manager: Any, manager_client: Client) -> None:
    version = _draft(manager)
    other = factories.published(code="1.000656", name="Thủ tục đăng ký khai tử", actor=manager)
    assert other.current_version is not None
    foreign = _document(other.current_version)
    response = manager_client.post(
        reverse("catalog:document_template_upload", args=[version.pk, foreign.pk]), {"file": _upload()}
    )
    assert response.status_code == 404
