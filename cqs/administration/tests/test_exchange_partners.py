"""The administrator's page for the exchange axis: partner agencies and the root CAs trusted for their signatures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cqs.core.models import AuditEvent
from cqs.documents.models import ExchangePartner
from cqs.signing import ca
from cqs.signing.models import Certificate

pytestmark = [pytest.mark.django_db]

URL = reverse("administration:exchange_partners")
HA_TINH = {
    "form": "partner",
    "organ_id": "000.00.00.H42",
    "name": "UBND tỉnh Hà Tĩnh",
    "endpoint": "https://vanban.hatinh.gov.vn/lien-thong/edxml/",
    "is_active": "on",
}


def _root_pem(common_name: str = "CA gốc Hà Tĩnh", *, is_ca: bool = True) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    cert = ca.cert_build(
        subject=ca.subject_name(common_name=common_name, province="Hà Tĩnh"),
        public_key=key.public_key(),
        issuer=None,
        issuer_key=key,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=3650),
        ca=is_ca,
    )
    return ca.cert_pem(cert).encode()


def _pem(data: bytes, name: str = "ca-goc.pem") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/x-pem-file")


def test_administrator_adds_and_changes_a_partner(client: Any, administrator: Any) -> None:
    client.force_login(administrator)
    assert URL in client.get(reverse("administration:index")).content.decode()
    assert client.post(URL, HA_TINH).status_code == 302
    partner = ExchangePartner.objects.get()
    assert (partner.organ_id, partner.name, partner.is_active) == ("000.00.00.H42", "UBND tỉnh Hà Tĩnh", True)

    moved = {**HA_TINH, "organ_id": "000.00.00.h42", "endpoint": "https://lienthong.hatinh.gov.vn/edxml/"}
    del moved["is_active"]
    assert client.post(URL, moved).status_code == 302
    partner.refresh_from_db()
    assert ExchangePartner.objects.count() == 1
    assert (partner.endpoint, partner.is_active) == ("https://lienthong.hatinh.gov.vn/edxml/", False)
    page = client.get(URL).content.decode()
    assert "lienthong.hatinh.gov.vn" in page and "Tạm ngừng" in page
    events = AuditEvent.objects.filter(action="documents.exchange_partner_set").order_by("pk")
    assert [e.actor_id for e in events] == [administrator.pk, administrator.pk]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organ_id", "H42", "Mã định danh gồm bốn nhóm như 000.00.00.H42"),
        ("endpoint", "ftp://vanban.hatinh.gov.vn/", "Địa chỉ nhận gói tin phải là địa chỉ http:// hoặc https://"),
        ("endpoint", "vanban.hatinh.gov.vn", "Địa chỉ nhận gói tin phải là địa chỉ http:// hoặc https://"),
    ],
)
def test_bad_partner_input_is_explained_and_changes_nothing(
    client: Any, administrator: Any, field: str, value: str, message: str
) -> None:
    client.force_login(administrator)
    response = client.post(URL, {**HA_TINH, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExchangePartner.objects.exists()
    assert not AuditEvent.objects.filter(action="documents.exchange_partner_set").exists()


def test_administrator_trusts_a_partner_root_ca(client: Any, administrator: Any, demo_ca: Any) -> None:
    client.force_login(administrator)
    assert client.post(URL, {"form": "trust", "pem": _pem(_root_pem())}).status_code == 302
    trusted = Certificate.objects.get(common_name="CA gốc Hà Tĩnh")
    assert (trusted.kind, trusted.private_key_pem) == (Certificate.Kind.CA, "")
    page = client.get(URL).content.decode()
    assert "CA gốc Hà Tĩnh" in page
    assert demo_ca[0].common_name not in page  # the platform's own root is not a partner's
    assert AuditEvent.objects.filter(action="documents.exchange_ca_trusted", actor=administrator).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n%fake\n", "Tệp không phải là chứng thư số PEM hợp lệ."),
        (_root_pem("Chứng thư cá nhân", is_ca=False), "Chỉ nhập chứng thư CA gốc (tự ký, CA:TRUE)"),
        (b"-----BEGIN CERTIFICATE-----\n" + b"A" * 70_000, "Tệp chứng thư quá lớn (tối đa 64 KB)."),
    ],
)
def test_a_file_that_is_not_a_root_ca_is_refused(client: Any, administrator: Any, data: bytes, message: str) -> None:
    client.force_login(administrator)
    before = Certificate.objects.count()
    response = client.post(URL, {"form": "trust", "pem": _pem(data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Certificate.objects.count() == before


@pytest.mark.parametrize("who", ["anonymous", "citizen", "clerk"])
def test_only_administrators(client: Any, who: str, citizen: Any, make_official: Any) -> None:
    if who == "citizen":
        client.force_login(citizen)
    elif who == "clerk":
        client.force_login(make_official("vanthu", roles=("clerk", "leader")))
    assert client.get(URL).status_code == (302 if who == "anonymous" else 404)
    assert client.post(URL, HA_TINH).status_code == (302 if who == "anonymous" else 404)
    assert client.post(URL, {"form": "trust", "pem": _pem(_root_pem())}).status_code in (302, 404)
    assert not ExchangePartner.objects.exists()
    assert not Certificate.objects.filter(common_name="CA gốc Hà Tĩnh").exists()
