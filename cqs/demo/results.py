"""Demo electronic results: today's approvals of a few dossiers, signed by the leader and sealed by the agency.

Runs after the demo certificates exist. It takes dossiers waiting for the leader's last approval
(the demo citizens' first, so their store shows a signed result with its QR code), drafts the
result, approves it with ``electronic_result=True``, lets the clerk issue it and the desk return
it, all through the dossier services. Idempotent: nothing is done once an electronic result exists.
"""

from __future__ import annotations

from django.db import transaction

from cqs.accounts.models import Role
from cqs.core.errors import ApplicationError
from cqs.demo.dossiers import RESULTS, demo_dossier_officials
from cqs.dossiers import services
from cqs.dossiers.models import Dossier, DossierFile
from cqs.dossiers.models import Status as S
from cqs.signing import selectors as signing

DEMO_RESULTS = 8


def _content(dossier: Dossier) -> str:
    outcome = RESULTS.get(dossier.procedure.code, "Giải quyết")
    return (
        f"{outcome} cho ông/bà {dossier.applicant_name}, số định danh {dossier.applicant_id_number}, "
        f"theo hồ sơ {dossier.code}. Hồ sơ đầy đủ, hợp lệ; đủ điều kiện giải quyết theo quy định."
    )


def demo_electronic_results(*, limit: int = DEMO_RESULTS, citizen_ids: list[str] | tuple[str, ...] = ()) -> int:
    """Issue up to ``limit`` electronic results; returns how many (0 when some already exist)."""
    electronic = DossierFile.objects.filter(source=DossierFile.Source.RESULT).exclude(verification_code="")
    if electronic.exists():
        return 0
    actors, _places, _created = demo_dossier_officials()
    waiting = list(
        Dossier.objects.filter(status=S.AWAITING_APPROVAL)
        .select_related("procedure", "deciding_agency")
        .order_by("submitted_at", "pk")
    )
    waiting.sort(key=lambda d: d.applicant_id_number not in citizen_ids)  # stable: the demo citizens first
    issued = 0
    for dossier in waiting:
        if issued >= limit:
            break
        try:
            leader = actors.get(dossier.current_agency_id, Role.LEADER)
            clerk = actors.get(dossier.current_agency_id, Role.CLERK)
            officer = actors.get(dossier.receiving_agency_id, Role.ONE_STOP_OFFICER)
        except KeyError:
            continue
        if (
            signing.certificate_of_user(leader) is None
            or signing.certificate_of_agency(dossier.deciding_agency) is None
        ):
            continue
        try:
            with transaction.atomic():
                services.dossier_result_draft(dossier=dossier, actor=leader, content=_content(dossier))
                approved = services.dossier_approve(
                    dossier=dossier, actor=leader, note="Đồng ý.", electronic_result=True
                )
                if approved.status != S.FINISHED:  # the clerk registers and issues the signed result
                    summary = RESULTS.get(dossier.procedure.code, "Đã giải quyết")
                    services.dossier_finish(dossier=approved, actor=clerk, summary=summary)
                services.dossier_return_result(dossier=approved, actor=officer)
        except ApplicationError:
            continue  # not the last approval, or the result cannot go this way: leave the dossier waiting
        issued += 1
    return issued
