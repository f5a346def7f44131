"""Finding the certificate to sign with."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cqs.signing.models import Certificate


def usable(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    now = timezone.now()
    return queryset.filter(revoked_at__isnull=True, not_before__lte=now, not_after__gte=now)


def certificate_of_agency(agency: Any) -> Certificate | None:
    """The newest usable organisation certificate of an agency."""
    return usable(Certificate.objects.filter(kind=Certificate.Kind.ORGANISATION, agency=agency)).first()


def certificate_of_user(user: Any) -> Certificate | None:
    """The newest usable personal certificate of an official."""
    return usable(Certificate.objects.filter(kind=Certificate.Kind.PERSONAL, owner=user)).first()


def issuing_ca() -> Certificate | None:
    """A usable issuing (subordinate) CA whose key is held here."""
    return (
        usable(Certificate.objects.filter(kind=Certificate.Kind.CA, issuer__isnull=False))
        .exclude(private_key_pem="")
        .first()
    )
