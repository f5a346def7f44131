"""A classified outgoing document is never on a public page: its verification says only valid or not, and only to an
official of the issuing agency or of a recipient agency who holds its code; nobody downloads it there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cqs.accounts.models import Role, User
from cqs.documents.models import DocumentFile, OutgoingDocument, Secrecy
from cqs.documents.outgoing.services import RecipientSpec
from cqs.documents.tests.factories import official
from cqs.documents.tests.test_outgoing_support import issued, paper, world
from cqs.signing.models import VerifiableDocument

__all__ = ["world"]

pytestmark = pytest.mark.django_db
SUBJECT = "Kế hoạch bảo vệ bí mật nhà nước năm 2026"


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.CQS_OFFICIAL_TOTP_REQUIRED = False


@pytest.fixture
def secret(world: Any) -> OutgoingDocument:
    return issued(
        world,
        subject=SUBJECT,
        secrecy=Secrecy.SECRET,
        recipients=[paper("Công an tỉnh Nghệ An"), RecipientSpec(channel="paper", name="Lưu: VT")],
    )


def _as(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _main(response: Any) -> str:
    """The page's own content (the header carries the signed-in person's name and menu)."""
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def _no_tokens(text: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def _issued_pdf(document: OutgoingDocument) -> bytes:
    item = document.files.filter(kind=DocumentFile.Kind.SIGNED).order_by("-pk").first()
    assert item is not None
    return bytes(item.file.read())


def test_a_classified_document_is_registered_restricted(secret: OutgoingDocument) -> None:
    registered = VerifiableDocument.objects.get(code=secret.verification_code)
    assert registered.restricted
    assert list(registered.entitled_agencies.all()) == [secret.agency]


def test_nobody_outside_sees_it_on_the_verification_page(world: Any, secret: OutgoingDocument, citizen: Any) -> None:
    code = secret.verification_code
    for user in (None, citizen, world.outsider):
        client = _as(user)
        page = client.get(reverse("signing:verify_code", kwargs={"code": code}))
        assert page.status_code == 404
        text = page.content.decode()
        assert SUBJECT not in text and secret.code not in text
        # the same answer as a code that does not exist
        unknown = client.get(reverse("signing:verify_code", kwargs={"code": "ZZZZ-ZZZZ-ZZZZ"}))
        assert _no_tokens(text.replace(code, "ZZZZ-ZZZZ-ZZZZ")) == _no_tokens(unknown.content.decode())
        assert client.get(reverse("signing:verify_download", kwargs={"code": code})).status_code == 404


def test_an_entitled_official_learns_only_whether_it_is_valid(world: Any, secret: OutgoingDocument) -> None:
    code = secret.verification_code
    for user in (world.clerk, world.leader, world.vp_specialist):
        page = _as(user).get(reverse("signing:verify_code", kwargs={"code": code}))
        assert page.status_code == 200
        text = _main(page)
        assert "HỢP LỆ" in text and "văn bản mật" in text
        assert SUBJECT not in text and secret.code not in text and world.leader.full_name not in text
        assert reverse("signing:verify_download", kwargs={"code": code}) not in text
        assert page["Cache-Control"] == "private, no-store"
        assert _as(user).get(reverse("signing:verify_download", kwargs={"code": code})).status_code == 404


def test_a_recipient_agency_on_the_platform_is_entitled(world: Any, secret: OutgoingDocument) -> None:
    registered = VerifiableDocument.objects.get(code=secret.verification_code)
    registered.entitled_agencies.add(world.other_agency)
    page = _as(world.outsider).get(reverse("signing:verify_code", kwargs={"code": secret.verification_code}))
    assert page.status_code == 200 and SUBJECT not in page.content.decode()


def test_uploading_the_file_does_not_reveal_its_code_or_title(world: Any, secret: OutgoingDocument) -> None:
    data = _issued_pdf(secret)
    upload = SimpleUploadedFile("mat.pdf", data, content_type="application/pdf")
    text = Client().post(reverse("signing:verify"), {"file": upload}).content.decode()
    assert secret.verification_code not in text and SUBJECT not in text
    assert "Tệp không có trong hệ thống" in text
    upload = SimpleUploadedFile("mat.pdf", data, content_type="application/pdf")
    text = _as(world.clerk).post(reverse("signing:verify"), {"file": upload}).content.decode()
    assert "Tệp trùng khớp với một văn bản mật đã đăng ký" in text
    assert secret.verification_code not in text and SUBJECT not in text


def test_a_normal_document_stays_public(world: Any) -> None:
    document = issued(world)
    registered = VerifiableDocument.objects.get(code=document.verification_code)
    assert not registered.restricted
    page = Client().get(reverse("signing:verify_code", kwargs={"code": document.verification_code}))
    assert page.status_code == 200 and document.subject in page.content.decode()
    assert (
        Client().get(reverse("signing:verify_download", kwargs={"code": document.verification_code})).status_code == 200
    )


def test_an_official_of_the_agency_without_a_role_is_not_entitled(world: Any, secret: OutgoingDocument) -> None:
    bare = User.objects.create_user(username="vb_khongvaitro", password="x", kind="official", agency=world.agency)
    assert _as(bare).get(reverse("signing:verify_code", kwargs={"code": secret.verification_code})).status_code == 404
    holder = official("vb_motcua_mat", world.agency, Role.ONE_STOP_OFFICER)
    assert _as(holder).get(reverse("signing:verify_code", kwargs={"code": secret.verification_code})).status_code == 200
