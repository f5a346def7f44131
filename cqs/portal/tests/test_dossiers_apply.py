"""Applying online: four steps kept in the session, one write at the end, precise refusals that change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.tests import factories
from cqs.dossiers.tests.factories_portalapply import client_for, exe, file_application, png_named_pdf, upload

pytestmark = pytest.mark.django_db

FORM = {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"}


def _url(name: str, w: factories.World) -> str:
    return reverse(name, args=[w.procedure.code])


def _step1(client: Any, w: factories.World, **extra: Any) -> Any:
    data = {
        "deciding_agency": w.agency.pk,
        "receiving_agency": w.agency.pk,
        "filing_mode": "self",
        "phone": "0912345678",
        "email": "lan@example.vn",
        "delivery": "online",
        **extra,
    }
    return client.post(_url("portal:apply", w), data)


def _document(w: factories.World) -> Any:
    return w.version.documents.get()


def _to_documents(client: Any, w: factories.World) -> None:
    assert _step1(client, w).status_code == 302
    assert client.post(_url("portal:apply_form", w), FORM).status_code == 302


def test_the_procedure_page_links_to_applying(w: factories.World) -> None:
    html = client_for(w.citizen).get(reverse("portal:procedure", args=[w.procedure.code])).content.decode()
    assert f'href="{_url("portal:apply", w)}" role="button"' in html
    assert "Sắp có" not in html


def test_anonymous_is_sent_to_login_and_officials_get_404(client: Any, w: factories.World) -> None:
    for name in ("portal:apply", "portal:apply_form", "portal:apply_documents", "portal:apply_check"):
        response = client.get(_url(name, w))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        assert client_for(w.officer).get(_url(name, w)).status_code == 404
    assert client.get(reverse("portal:dossiers")).status_code == 302


def test_a_procedure_without_online_service_cannot_be_applied_for(w: factories.World) -> None:
    w.version.online_level = "none"
    w.version.save(update_fields=["online_level"])
    assert client_for(w.citizen).get(_url("portal:apply", w)).status_code == 404
    assert client_for(w.citizen).get(reverse("portal:apply", args=["9.999999"])).status_code == 404


def test_the_whole_application_files_one_dossier(w: factories.World, settings: Any) -> None:
    client = client_for(w.citizen)
    page = client.get(_url("portal:apply", w)).content.decode()
    assert "UBND phường Trường Vinh" in page and 'name="receiving_agency"' in page
    assert _step1(client, w)["Location"] == _url("portal:apply_form", w)
    form_page = client.get(_url("portal:apply_form", w)).content.decode()
    assert "Họ, chữ đệm và tên của trẻ" in form_page
    assert client.post(_url("portal:apply_form", w), FORM)["Location"] == _url("portal:apply_documents", w)
    document = _document(w)
    response = client.post(_url("portal:apply_documents", w), {f"file_{document.pk}": upload()})
    assert response["Location"] == _url("portal:apply_check", w)
    assert Dossier.objects.count() == 0  # nothing filed before the last step

    check = client.get(_url("portal:apply_check", w)).content.decode()
    for text in ("Nguyễn Văn Bình", "02/03/2026", "UBND phường Trường Vinh", "Tự nộp", "giay-to.pdf", "8.000 đồng"):
        assert text in check, text
    assert check.count("Thay đổi") == 3
    assert f"{_url('portal:apply_documents', w)}?tiep=kiem-tra" in check
    temporary = list((Path(settings.MEDIA_ROOT) / "tmp" / "apply").rglob("*.pdf"))
    assert len(temporary) == 1

    response = file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("portal:apply_done", args=[dossier.code])
    assert dossier.applicant == w.citizen and dossier.form_data["ho_ten_tre"] == "Nguyễn Văn Bình"
    assert dossier.applicant_phone == "0912345678" and dossier.channel == 2
    assert list(dossier.files.values_list("source", "kind")) == [("upload", "pdf")]
    assert not temporary[0].exists()
    assert not any(key.startswith("cqs_apply:") for key, _value in client.session.items())

    done = client.get(response["Location"]).content.decode()
    assert dossier.code in done
    assert f"/ho-so/{dossier.code}/mau/01.pdf" not in done  # the receipt comes with acceptance
    assert reverse("portal:dossier", args=[dossier.code]) in done


def test_a_change_link_comes_back_to_the_check_page(w: factories.World) -> None:
    client = client_for(w.citizen)
    _to_documents(client, w)
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    response = client.post(
        _url("portal:apply", w) + "?tiep=kiem-tra",
        {
            "deciding_agency": w.agency.pk,
            "receiving_agency": w.agency.pk,
            "filing_mode": "assisted",
            "assisted_by": "Lê Văn Tổ",
            "delivery": "post",
        },
    )
    assert response["Location"] == _url("portal:apply_check", w)
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "Lê Văn Tổ" in check and "Nhận qua bưu chính" in check
    file_application(client, w.procedure.code)
    dossier = Dossier.objects.get()
    assert dossier.filing_mode == "assisted" and dossier.assisted_by == "Lê Văn Tổ" and dossier.delivery == "post"


def test_filing_on_behalf_needs_the_principal(w: factories.World) -> None:
    client = client_for(w.citizen)
    response = _step1(client, w, filing_mode="on_behalf")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nộp thay cần ghi họ tên người ủy quyền." in html
    assert "Nộp thay cần ghi giấy ủy quyền." in html
    assert client.get(_url("portal:apply_form", w))["Location"] == _url("portal:apply", w)


def test_a_bad_eform_shows_the_message_next_to_the_field(w: factories.World) -> None:
    client = client_for(w.citizen)
    _step1(client, w)
    response = client.post(_url("portal:apply_form", w), {"ho_ten_tre": "", "ngay_sinh": "31/02/2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ngày 31/02/2026 không có thật: tháng 2 năm 2026 chỉ có 28 ngày." in html
    assert "Trường này là bắt buộc." in html or "This field is required." in html
    assert client.get(_url("portal:apply_documents", w))["Location"] == _url("portal:apply_form", w)
    assert Dossier.objects.count() == 0


def test_a_missing_document_is_named(w: factories.World) -> None:
    client = client_for(w.citizen)
    _to_documents(client, w)
    response = client.post(_url("portal:apply_documents", w), {})
    assert response.status_code == 200
    assert "Vui lòng nộp giấy tờ bắt buộc “Tờ khai đăng ký khai sinh”." in response.content.decode()
    assert client.get(_url("portal:apply_check", w))["Location"] == _url("portal:apply_documents", w)


def test_a_png_named_pdf_is_taken_as_png_and_an_exe_is_refused(w: factories.World, settings: Any) -> None:
    client = client_for(w.citizen)
    _to_documents(client, w)
    document = _document(w)
    response = client.post(_url("portal:apply_documents", w), {f"file_{document.pk}": exe()})
    assert response.status_code == 200
    assert (
        "Tệp “chuong-trinh.exe” không đúng loại: Tờ khai đăng ký khai sinh chỉ nhận PDF, PNG, JPEG."
        in response.content.decode()
    )
    assert not (Path(settings.MEDIA_ROOT) / "tmp").exists()

    response = client.post(_url("portal:apply_documents", w), {f"file_{document.pk}": png_named_pdf()})
    assert response.status_code == 302
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "anh-chup.png" in check and "(PNG," in check
    file_application(client, w.procedure.code)
    assert list(DossierFile.objects.values_list("kind", flat=True)) == ["png"]


def test_a_stored_paper_is_reused_without_uploading(w: factories.World) -> None:
    paper = services.stored_paper_add(owner=w.citizen, name="Tờ khai đã ký", upload=upload())
    services.stored_paper_add(owner=w.stranger, name="Giấy của người khác", upload=upload())
    client = client_for(w.citizen)
    _to_documents(client, w)
    document = _document(w)
    page = client.get(_url("portal:apply_documents", w)).content.decode()
    assert "Tờ khai đã ký" in page and "Giấy của người khác" not in page
    both = client.post(
        _url("portal:apply_documents", w), {f"file_{document.pk}": upload(), f"paper_{document.pk}": paper.pk}
    )
    assert "Chọn một trong hai" in both.content.decode()
    client.post(_url("portal:apply_documents", w), {f"paper_{document.pk}": paper.pk})
    assert "Giấy tờ trong kho: Tờ khai đã ký" in client.get(_url("portal:apply_check", w)).content.decode()
    file_application(client, w.procedure.code)
    assert list(DossierFile.objects.values_list("source", "sha256")) == [("reused", paper.sha256)]


def test_a_stranger_paper_cannot_be_chosen(w: factories.World) -> None:
    services.stored_paper_add(owner=w.citizen, name="Giấy của tôi", upload=upload())
    other = services.stored_paper_add(owner=w.stranger, name="Giấy của người khác", upload=upload())
    client = client_for(w.citizen)
    _to_documents(client, w)
    response = client.post(_url("portal:apply_documents", w), {f"paper_{_document(w).pk}": other.pk})
    assert response.status_code == 200
    assert "Chọn một giấy tờ trong kho dữ liệu của bạn." in response.content.decode()
    assert client.get(_url("portal:apply_check", w))["Location"] == _url("portal:apply_documents", w)


def test_documents_replaced_by_national_data_need_nothing(w: factories.World) -> None:
    document = _document(w)
    document.replaceable_by = "population"
    document.save(update_fields=["replaceable_by"])
    client = client_for(w.citizen)
    _to_documents(client, w)
    assert client.get(_url("portal:apply_documents", w))["Location"] == _url("portal:apply_check", w)
    check = client.get(_url("portal:apply_check", w)).content.decode()
    assert "Dùng dữ liệu từ Cơ sở dữ liệu quốc gia về dân cư, không cần nộp." in check
    file_application(client, w.procedure.code)
    assert Dossier.objects.get().files.count() == 0


def test_a_refusal_of_the_service_shows_on_the_check_page_and_files_nothing(w: factories.World) -> None:
    client = client_for(w.citizen)
    _to_documents(client, w)
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    w.agency.is_active = False  # the agency closed in between (a merge of communes)
    w.agency.save(update_fields=["is_active"])
    response = file_application(client, w.procedure.code)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hồ sơ chưa hợp lệ, vui lòng sửa các mục được đánh dấu." in html
    assert "Cơ quan này không giải quyết thủ tục đã chọn." in html
    assert f"{_url('portal:apply', w)}?tiep=kiem-tra" in html
    assert Dossier.objects.count() == 0


def test_cancel_forgets_the_application_and_its_files(w: factories.World, settings: Any) -> None:
    client = client_for(w.citizen)
    _to_documents(client, w)
    client.post(_url("portal:apply_documents", w), {f"file_{_document(w).pk}": upload()})
    assert list((Path(settings.MEDIA_ROOT) / "tmp").rglob("*.pdf"))
    response = client.post(_url("portal:apply_cancel", w))
    assert response["Location"] == reverse("portal:procedure", args=[w.procedure.code])
    assert not list((Path(settings.MEDIA_ROOT) / "tmp").rglob("*.pdf"))
    assert client.get(_url("portal:apply_check", w))["Location"] == _url("portal:apply", w)


def test_step_one_lists_its_errors_at_the_top_linked_to_their_fields(w: factories.World) -> None:
    response = _step1(client_for(w.citizen), w, filing_mode="on_behalf")
    page = response.content.decode()
    assert response.status_code == 200 and "data-error-summary" in page
    summary = page[page.index("data-error-summary") : page.index("</div>", page.index("data-error-summary"))]
    assert 'href="#id_principal_name"' in summary and 'href="#id_authorisation_note"' in summary
    assert page.index("data-error-summary") < page.index('name="deciding_agency"')
