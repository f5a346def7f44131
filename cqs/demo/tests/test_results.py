"""The demo's electronic results: signed by the leader and the agency, verifiable, in the citizen's store."""

from __future__ import annotations

import io

import pytest

from cqs.demo.results import demo_electronic_results
from cqs.demo.services import demo_seed
from cqs.dossiers.models import DossierFile, StoredPaper
from cqs.dossiers.models import Status as S
from cqs.signing.pdf import pdf_verify

pytestmark = pytest.mark.django_db


def test_demo_issues_signed_electronic_results_once() -> None:
    demo_seed(stdout=io.StringIO())
    results = list(
        DossierFile.objects.filter(source=DossierFile.Source.RESULT)
        .exclude(verification_code="")
        .select_related("dossier")
    )
    assert results
    for result in results:
        assert result.dossier.status == S.RETURNED
        with result.file.open("rb") as handle:
            leader, seal = pdf_verify(pdf=handle.read())
        assert leader.ok and seal.ok
        assert seal.signer_name == result.dossier.deciding_agency.name
        stored = StoredPaper.objects.get(verification_code=result.verification_code)
        assert stored.is_result and stored.owner.citizen_id == result.dossier.applicant_id_number
    assert demo_electronic_results() == 0
