"""Helpers for the portal's citizen-side tests: files, clients logged in, dossiers at a given state."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cqs.accounts.models import User
from cqs.core.tests import samples
from cqs.dossiers import services
from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import PDF_BYTES, World, filing

EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def upload(name: str = "giay-to.pdf", content: bytes = PDF_BYTES, content_type: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_named_pdf() -> Any:
    return upload("anh-chup.pdf", samples.PNG, "application/pdf")


def exe() -> Any:
    return upload("chuong-trinh.exe", EXE_BYTES, "application/octet-stream")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(w: World, **overrides: Any) -> Dossier:
    return services.dossier_submit_online(applicant=w.citizen, filing=filing(w, **overrides))


def accepted(w: World) -> Dossier:
    return services.dossier_accept(dossier=submitted(w), actor=w.officer)


def finished(w: World) -> Dossier:
    """Accepted, appraised, then finished by the leader with a result file (waiting to be returned)."""
    dossier = services.dossier_forward(dossier=accepted(w), actor=w.specialist, note="Đủ điều kiện")
    result = upload("giay-khai-sinh.pdf")
    return services.dossier_finish(dossier=dossier, actor=w.leader, summary="Cấp giấy khai sinh", result=result)


def returned(w: World) -> Dossier:
    return services.dossier_return_result(dossier=finished(w), actor=w.officer, delivery="desk")


def submission_token(client: Client, code: str) -> str:
    """The one-time token the check page (step 4) carries in its form."""
    html = client.get(reverse("portal:apply_check", args=[code])).content.decode()
    match = re.search(r'name="ma_nop" value="([^"]+)"', html)
    assert match is not None, "the check page has no submission token"
    return match.group(1)


def file_application(client: Client, code: str) -> Any:
    """Press "Nộp hồ sơ" on the check page, as a browser would (with the page's token)."""
    token = submission_token(client, code)
    return client.post(reverse("portal:apply_check", args=[code]), {"ma_nop": token})
