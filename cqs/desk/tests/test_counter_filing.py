"""Counter reception pressed twice: one dossier, and the officer is shown it."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cqs.dossiers.models import Dossier
from cqs.dossiers.tests.factories import PDF_BYTES, World
from cqs.dossiers.tests.factories_desk import counter_form
from cqs.dossiers.tests.factories_filing import at_once

pytestmark = pytest.mark.django_db


def _url(w: World) -> str:
    return reverse("desk:counter") + f"?thu_tuc={w.procedure.code}"


def _data(w: World, token: str) -> dict[str, Any]:
    document = w.version.documents.get()
    scan = SimpleUploadedFile("quet.pdf", PDF_BYTES, content_type="application/pdf")
    return {**counter_form(w, token), f"giay_to_{document.pk}": scan}


def _token(client: Client, w: World) -> str:
    return str(client.get(_url(w)).context["form"]["ma_nop"].value())


def test_each_counter_form_carries_its_own_token(client: Client, w: World) -> None:
    client.force_login(w.officer)
    first, second = _token(client, w), _token(client, w)
    assert first and second and first != second
    assert f'name="ma_nop" value="{first}"' not in client.get(_url(w)).content.decode()


def test_pressing_twice_receives_one_dossier_and_shows_it(client: Client, w: World) -> None:
    client.force_login(w.officer)
    token = _token(client, w)
    first = client.post(_url(w), _data(w, token))
    dossier = Dossier.objects.get()
    assert first["Location"] == reverse("desk:dossier", args=[dossier.code])
    second = client.post(_url(w), _data(w, token), follow=True)
    assert second.redirect_chain == [(reverse("desk:dossier", args=[dossier.code]), 302)]
    assert f"Hồ sơ này đã được tiếp nhận, mã hồ sơ {dossier.code}; không tiếp nhận lần thứ hai." in (
        second.content.decode()
    )
    assert Dossier.objects.count() == 1


def test_a_form_without_its_token_receives_nothing(client: Client, w: World) -> None:
    client.force_login(w.officer)
    response = client.post(_url(w), _data(w, ""))
    assert response.status_code == 400
    assert "Trang tiếp nhận đã cũ; vui lòng tải lại trang rồi nhập lại hồ sơ." in response.content.decode()
    assert not Dossier.objects.exists()


def test_a_refused_form_keeps_its_token_for_the_corrected_one(client: Client, w: World) -> None:
    client.force_login(w.officer)
    token = _token(client, w)
    data = _data(w, token)
    data["tk-ngay_sinh"] = ""
    refused = client.post(_url(w), data)
    assert refused.status_code == 400
    assert f'name="ma_nop" value="{token}"' in refused.content.decode()
    assert client.post(_url(w), _data(w, token)).status_code == 302
    assert Dossier.objects.count() == 1


def test_citizens_and_other_officials_cannot_receive(client: Client, w: World) -> None:
    for user in (w.citizen, w.specialist):
        client.force_login(user)
        assert client.post(_url(w), _data(w, "ma-bat-ky")).status_code == 404
    assert not Dossier.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_the_same_moment_receive_one_dossier(w: World) -> None:
    client = Client()
    client.force_login(w.officer)
    token = _token(client, w)
    cookies = client.cookies.output(header="", sep=";")

    def press() -> Any:
        twin = Client()
        twin.cookies = SimpleCookie(cookies)
        return twin.post(_url(w), _data(w, token))

    outcomes = at_once(press, press)
    assert [o.status_code for o in outcomes] == [302, 302], outcomes
    dossier = Dossier.objects.get()
    assert {o["Location"] for o in outcomes} == {reverse("desk:dossier", args=[dossier.code])}
