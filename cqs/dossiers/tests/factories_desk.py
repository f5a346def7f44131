"""Dossiers in each state of the desk, built through the services (for the desk and selector tests)."""

from __future__ import annotations

from typing import Any

from cqs.accounts.models import User
from cqs.dossiers import services
from cqs.dossiers.models import Channel, Dossier
from cqs.dossiers.tests.factories import World, citizen, filing


def submitted(w: World, **overrides: Any) -> Dossier:
    """Filed online by the citizen the overrides name (their own account: online, the applicant is the account)."""
    number = overrides.get("applicant_id_number")
    applicant = w.citizen
    if number and number != w.citizen.citizen_id:
        applicant = User.objects.filter(citizen_id=number).first() or citizen(number, overrides["applicant_name"])
    return services.dossier_submit_online(applicant=applicant, filing=filing(w, **overrides))


def at_counter(w: World, **overrides: Any) -> Dossier:
    """Received at the counter: accepted at once, now with the specialist."""
    return services.dossier_receive_at_counter(
        officer=w.officer, filing=filing(w, **overrides), channel=Channel.IN_PERSON
    )


def processing(w: World, **overrides: Any) -> Dossier:
    return services.dossier_accept(dossier=submitted(w, **overrides), actor=w.officer)


def awaiting_approval(w: World, **overrides: Any) -> Dossier:
    return services.dossier_forward(dossier=processing(w, **overrides), actor=w.specialist, note="Đủ điều kiện")


def finished(w: World, **overrides: Any) -> Dossier:
    return services.dossier_approve(dossier=awaiting_approval(w, **overrides), actor=w.leader, note="Đồng ý")


def returned(w: World, **overrides: Any) -> Dossier:
    return services.dossier_return_result(dossier=finished(w, **overrides), actor=w.officer, delivery="desk")


def counter_form(w: World, token: str) -> dict[str, Any]:
    """What the desk's counter reception form posts for the birth registration of ``w`` (``token``: its ``ma_nop``),
    without the scanned papers."""
    return {
        "ma_nop": token,
        "receiving_agency": w.agency.pk,
        "deciding_agency": w.agency.pk,
        "applicant_name": "Lê Văn Tám",
        "applicant_id_number": "040090001234",
        "applicant_address": "Xóm 1",
        "applicant_phone": "0912000111",
        "applicant_email": "",
        "filing_mode": "self",
        "delivery": "desk",
        "sets_count": "1",
        "tk-ho_ten_tre": "Lê Văn Bé",
        "tk-ngay_sinh": "02/03/2026",
    }
