"""Finding the certificate to sign with."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cqs.accounts.permissions import roles_by_agency, user_is_verified_official
from cqs.signing.models import Certificate, VerifiableDocument


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


_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford base32 reads the letters people confuse with digits as those digits.
_CODE_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def verification_code_normalise(raw: str) -> str | None:
    """A code as printed (``ABCD-EFGH-JKMN``) from what a person typed; None if it cannot be one.

    Case does not matter, dashes and spaces are optional, O/I/L read as 0/1.
    """
    compact = "".join(raw.split()).replace("-", "").upper().translate(_CODE_CONFUSABLES)
    if len(compact) != 12 or any(ch not in _CODE_ALPHABET for ch in compact):
        return None
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def verifiable_by_code(code: str) -> VerifiableDocument | None:
    """The registered document under a code as typed (see ``verification_code_normalise``)."""
    normalised = verification_code_normalise(code)
    if normalised is None:
        return None
    return VerifiableDocument.objects.select_related("agency").filter(code=normalised).first()


def verifiable_by_sha256(sha256: str) -> VerifiableDocument | None:
    """The registered document whose file has exactly this SHA-256 (the newest if several)."""
    return VerifiableDocument.objects.select_related("agency").filter(sha256=sha256).first()


def verifiable_entitled(user: Any, document: VerifiableDocument) -> bool:
    """Whether ``user`` may learn anything of ``document`` on the verification page.

    Anyone, for a document that is not restricted. For a restricted (classified) one: an
    official past the second factor holding a role at one of its entitled agencies (the
    issuing agency, the recipient agencies); everyone else is told the code does not exist.
    """
    if not document.restricted:
        return True
    if not user_is_verified_official(user):
        return False
    held = set(roles_by_agency(user))
    return document.entitled_agencies.filter(pk__in=held).exists()
