"""An official's own signature image: uploaded, previewed, reset; nobody else may change it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cqs.core.errors import NotFoundOrForbidden
from cqs.core.models import AuditEvent
from cqs.signing import services

pytestmark = pytest.mark.django_db
PAGE = reverse("signing:my_signature")
IMAGE = reverse("signing:my_signature_image")


def _png(mode: str = "RGBA", size: tuple[int, int] = (60, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (0, 0, 200, 0) if mode == "RGBA" else "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def leader(make_official: Any, personal_cert: Any, settings: Any) -> Any:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False
    user = make_official("lanhdao", roles=("leader",))
    user.certificate = personal_cert(user)
    return user


def test_the_leader_uploads_previews_and_resets_the_signature_image(client: Any, leader: Any) -> None:
    client.force_login(leader)
    assert PAGE in client.get(reverse("administration:index")).content.decode()
    page = client.get(PAGE).content.decode()
    assert leader.certificate.serial in page and "ảnh vẽ sẵn" in page
    drawn = client.get(IMAGE)
    assert drawn["Content-Type"] == "image/png" and drawn.content.startswith(b"\x89PNG")

    upload = SimpleUploadedFile("chu-ky.png", _png(), content_type="image/png")
    assert client.post(PAGE, {"action": "upload", "image": upload}).status_code == 302
    assert client.get(IMAGE).content == _png()
    assert AuditEvent.objects.filter(action="signing.certificate_appearance_set", actor=leader).count() == 1

    assert client.post(PAGE, {"action": "reset"}).status_code == 302
    assert client.get(IMAGE).content != _png()


def test_a_file_that_is_not_a_transparent_png_is_refused_and_changes_nothing(client: Any, leader: Any) -> None:
    client.force_login(leader)
    opaque = SimpleUploadedFile("chu-ky.png", _png("RGB"), content_type="image/png")
    response = client.post(PAGE, {"action": "upload", "image": opaque})
    assert response.status_code == 400
    assert "Ảnh chữ ký, con dấu phải là ảnh PNG nền trong suốt." in response.content.decode()
    fake = SimpleUploadedFile("chu-ky.png", b"%PDF-1.7 not an image", content_type="image/png")
    assert client.post(PAGE, {"action": "upload", "image": fake}).status_code == 400
    leader.certificate.refresh_from_db()
    assert bytes(leader.certificate.appearance_image) == b""


def test_nobody_else_changes_a_certificate_image(
    client: Any, leader: Any, make_official: Any, citizen: Any, org_cert: Any
) -> None:
    other = make_official("chuyenvien", roles=("specialist",))
    with pytest.raises(NotFoundOrForbidden):
        services.certificate_appearance_set(certificate=leader.certificate, image=_png(), actor=other)
    with pytest.raises(NotFoundOrForbidden):
        services.certificate_appearance_set(certificate=org_cert, image=_png(), actor=leader)
    client.force_login(other)
    page = client.get(PAGE)
    assert page.status_code == 200 and "chưa có chứng thư số cá nhân" in page.content.decode()
    client.post(PAGE, {"action": "upload", "image": SimpleUploadedFile("x.png", _png(), content_type="image/png")})
    leader.certificate.refresh_from_db()
    assert bytes(leader.certificate.appearance_image) == b""
    client.force_login(citizen)
    assert client.get(PAGE).status_code == 404 and client.get(IMAGE).status_code == 404
    client.logout()
    assert client.get(PAGE).status_code == 302 and client.get(IMAGE).status_code == 302
