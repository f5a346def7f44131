"""The citizen's electronic result: shown with its code, kept in the store, reused in a new application."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cqs.dossiers import services
from cqs.dossiers.models import DossierFile, StoredPaper
from cqs.dossiers.tests import factories
from cqs.dossiers.tests import factories_desk as make
from cqs.dossiers.tests.factories_portalapply import client_for, file_application
from cqs.portal.tests.test_dossiers_apply import _document, _to_documents, _url
from cqs.signing import services as signing
from cqs.signing.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_electronic_result_is_in_the_store_and_reused_in_a_new_application(
    w: factories.World, demo_ca: Any, personal_cert: Any
) -> None:
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    dossier = services.dossier_approve(
        dossier=make.awaiting_approval(w), actor=w.leader, note="Cấp giấy khai sinh", electronic_result=True
    )
    result = dossier.files.get(source=DossierFile.Source.RESULT)
    client = client_for(w.citizen)
    detail = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert result.verification_code in detail and "Kết quả điện tử có chữ ký số" in detail
    services.dossier_return_result(dossier=dossier, actor=w.officer, delivery="online")
    paper = StoredPaper.objects.get(owner=w.citizen, is_result=True)
    papers = client.get(reverse("portal:papers")).content.decode()
    assert paper.name in papers and "Kết quả điện tử" in papers and result.verification_code in papers
    assert client_for(w.stranger).get(reverse("portal:paper_download", args=[paper.pk])).status_code == 404

    _to_documents(client, w)
    document = _document(w)
    page = client.get(_url("portal:apply_documents", w)).content.decode()
    assert f'<option value="{paper.pk}">{paper.name}</option>' in page
    client.post(_url("portal:apply_documents", w), {f"paper_{document.pk}": paper.pk})
    file_application(client, w.procedure.code)
    reused = DossierFile.objects.get(source=DossierFile.Source.REUSED)
    assert reused.sha256 == result.sha256 and reused.dossier != dossier


def test_a_result_signed_before_the_clerk_step_is_shown_only_once_issued(
    w: factories.World, demo_ca: Any, personal_cert: Any
) -> None:
    factories.steps_before_the_return(w.version, factories.ISSUING)
    clerk = factories.official("vanthu", w.agency, "clerk")
    personal_cert(w.leader)
    signing.certificate_issue(
        issuer=demo_ca[1], common_name=w.agency.name, kind=Certificate.Kind.ORGANISATION, agency=w.agency, actor=None
    )
    dossier = services.dossier_approve(
        dossier=make.awaiting_approval(w), actor=w.leader, note="Cấp giấy khai sinh", electronic_result=True
    )
    result = dossier.files.get(source=DossierFile.Source.RESULT)
    client = client_for(w.citizen)
    page = reverse("portal:dossier", args=[dossier.code])
    download = reverse("portal:dossier_file", args=[dossier.code, result.pk])
    assert result.verification_code not in client.get(page).content.decode()
    assert client.get(download).status_code == 404
    services.dossier_finish(dossier=dossier, actor=clerk, summary="Đã vào sổ và phát hành kết quả")
    assert result.verification_code in client.get(page).content.decode()
    assert client.get(download).status_code == 200
