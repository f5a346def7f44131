"""Reads about filing: the dossier a submission key already filed; the limit of public look-ups."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cqs.core.ratelimit import rate_check
from cqs.dossiers.models import DeclarationConfirmation, Dossier, SubmissionKey

LOOKUP_SCOPE = "dossier_lookup"


def dossier_by_submission_key(*, owner: Any, key: str) -> Dossier | None:
    """The dossier ``owner`` filed with this one-time key, if any (keys belong to their account)."""
    if not key or getattr(owner, "pk", None) is None:
        return None
    found = (
        SubmissionKey.objects.filter(owner=owner, key=key[:100], dossier__isnull=False)
        .select_related("dossier")
        .first()
    )
    return found.dossier if found is not None else None


def lookup_rate_check(request: HttpRequest) -> None:
    """Count one public look-up of a dossier code against the caller's address (the page and the API together).

    Raises ``RateLimited`` (429, Retry-After) past ``CQS_LOOKUP_RATE_PER_MINUTE`` in the minute, so the
    codes of a day (agency, date, 4-digit sequence) cannot be walked.
    """
    rate_check(request, LOOKUP_SCOPE, limit=int(settings.CQS_LOOKUP_RATE_PER_MINUTE), window_seconds=60)


def declaration_of(dossier: Dossier) -> DeclarationConfirmation | None:
    """How the applicant confirmed (or signed) the declaration made from their e-form, if it was made."""
    return (
        DeclarationConfirmation.objects.filter(dossier=dossier)
        .select_related("confirmed_by", "certificate", "file")
        .first()
    )
