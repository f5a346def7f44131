"""Reads about filing: the dossier a submission key already filed."""

from __future__ import annotations

from typing import Any

from cqs.dossiers.models import Dossier, SubmissionKey


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
