from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cqs.documents.models import Department, DepartmentMember, IssuingProfile

pytestmark = [pytest.mark.django_db]

URL = reverse("administration:documents_setup")


def test_administrator_sets_profile_departments_and_members(
    client: Any, administrator: Any, agency: Any, make_official: Any
) -> None:
    client.force_login(administrator)
    found = client.get(URL, {"q": "000.00.00"})
    assert agency.name in found.content.decode()
    page = f"{URL}?co_quan={agency.electronic_code}"
    assert "UBND" in client.get(page).content.decode()  # the committee default, before anything is saved

    assert client.post(page, {"form": "profile", "abbreviation": "UBND", "place_name": "Nghệ An"}).status_code == 302
    assert IssuingProfile.objects.get(agency=agency).place_name == "Nghệ An"
    assert client.post(page, {"form": "department", "name": "Văn phòng", "abbreviation": "VP"}).status_code == 302
    office = Department.objects.get(agency=agency, abbreviation="VP")
    head = make_official("chanhvanphong", roles=("specialist",))
    response = client.post(
        page,
        {
            "form": "member",
            "department": office.pk,
            "username": "chanhvanphong",
            "position": "Chánh VP",
            "is_head": "on",
        },
    )
    assert response.status_code == 302
    assert DepartmentMember.objects.get(department=office, user=head).is_head
    shown = client.get(page).content.decode()
    assert "Chánh VP" in shown
    assert "— Chọn đơn vị —" in shown and "---------" not in shown


def test_bad_input_is_explained_and_changes_nothing(client: Any, administrator: Any, agency: Any) -> None:
    client.force_login(administrator)
    page = f"{URL}?co_quan={agency.electronic_code}"
    response = client.post(page, {"form": "department", "name": "Văn phòng", "abbreviation": "v p"})
    assert response.status_code == 400
    assert "Chữ viết tắt gồm 1–20 chữ cái" in response.content.decode()
    client.post(page, {"form": "department", "name": "Văn phòng", "abbreviation": "VP"})
    response = client.post(page, {"form": "member", "department": Department.objects.get().pk, "username": "khongco"})
    assert response.status_code == 400
    assert "Không có cán bộ nào dùng tên đăng nhập này." in response.content.decode()
    assert Department.objects.count() == 1 and not DepartmentMember.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "clerk"])
def test_only_administrators(client: Any, who: str, citizen: Any, make_official: Any, agency: Any) -> None:
    if who == "citizen":
        client.force_login(citizen)
    elif who == "clerk":
        client.force_login(make_official("vanthu", roles=("clerk", "leader")))
    response = client.post(
        f"{URL}?co_quan={agency.electronic_code}", {"form": "department", "name": "X", "abbreviation": "X"}
    )
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert not Department.objects.exists()
    seal = reverse("administration:documents_seal_image") + f"?co_quan={agency.electronic_code}"
    assert client.get(seal).status_code == (302 if who == "anonymous" else 404)


def _png(mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (80, 80), (200, 0, 0, 0) if mode == "RGBA" else "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_administrator_uploads_the_agency_seal_image(
    client: Any, administrator: Any, agency: Any, org_cert: Any
) -> None:
    client.force_login(administrator)
    page = f"{URL}?co_quan={agency.electronic_code}"
    image = reverse("administration:documents_seal_image") + f"?co_quan={agency.electronic_code}"
    assert org_cert.serial in client.get(page).content.decode()
    drawn = client.get(image).content
    assert drawn.startswith(b"\x89PNG")
    opaque = client.post(page, {"form": "seal", "image": SimpleUploadedFile("dau.png", _png("RGB"))})
    assert opaque.status_code == 400
    assert "Ảnh chữ ký, con dấu phải là ảnh PNG nền trong suốt." in opaque.content.decode()
    assert client.get(image).content == drawn
    assert client.post(page, {"form": "seal", "image": SimpleUploadedFile("dau.png", _png("RGBA"))}).status_code == 302
    assert client.get(image).content == _png("RGBA")

    client.logout()
    assert client.get(image).status_code == 302


def test_without_an_organisation_certificate_the_seal_cannot_be_set(
    client: Any, administrator: Any, agency: Any
) -> None:
    client.force_login(administrator)
    page = f"{URL}?co_quan={agency.electronic_code}"
    assert "Cơ quan chưa có chứng thư số của cơ quan còn hiệu lực." in client.get(page).content.decode()
    response = client.post(page, {"form": "seal", "image": SimpleUploadedFile("dau.png", _png("RGBA"))})
    assert response.status_code == 400
