"""Demo certificates: the province's demo CA, a seal certificate per signing agency, a personal one per leader.

Idempotent: an agency or a leader that already has a usable certificate is left alone, and
an existing issuing CA is reused. Every certificate gets a drawn appearance image (the
agency's red seal, the leader's blue signature) through ``certificate_appearance_set``.
"""

from __future__ import annotations

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.demo import agencies as data
from cqs.signing import selectors, services
from cqs.signing.images import appearance_image_generate_seal, appearance_image_generate_signature
from cqs.signing.models import Certificate
from cqs.units.models import Agency
from cqs.units.selectors import province_get

# Roles whose agency signs and seals documents: the leader signs, the clerk issues under the seal.
SIGNING_ROLES = (Role.LEADER, Role.CLERK)


def _issuing_ca() -> tuple[Certificate, int]:
    found = selectors.issuing_ca()
    if found is not None:
        return found, 0
    province = province_get(code=data.PROVINCE_CODE)
    _root, issuing = services.ca_create_demo(province_name=province.name)
    return issuing, 2


def demo_certificates() -> int:
    """Create what is missing; returns how many certificates were created (the CA's two included)."""
    issuing, created = _issuing_ca()
    agency_ids = set(
        RoleAssignment.objects.filter(role__in=SIGNING_ROLES, user__is_active=True).values_list("agency_id", flat=True)
    )
    signing_agencies = Agency.objects.filter(pk__in=agency_ids) | Agency.objects.filter(
        electronic_code=data.PROVINCIAL_COMMITTEE
    )
    for agency in signing_agencies.order_by("electronic_code"):
        if selectors.certificate_of_agency(agency) is not None:
            continue
        certificate = services.certificate_issue(
            issuer=issuing, common_name=agency.name, kind=Certificate.Kind.ORGANISATION, agency=agency, actor=None
        )
        services.certificate_appearance_set(
            certificate=certificate, image=appearance_image_generate_seal(agency.name), actor=None
        )
        created += 1
    leaders = User.objects.filter(roles__role=Role.LEADER, is_active=True).distinct().order_by("username")
    for leader in leaders:
        if selectors.certificate_of_user(leader) is not None:
            continue
        name = leader.full_name or leader.username
        certificate = services.certificate_issue(
            issuer=issuing, common_name=name, kind=Certificate.Kind.PERSONAL, owner=leader, actor=None
        )
        services.certificate_appearance_set(
            certificate=certificate, image=appearance_image_generate_signature(name), actor=None
        )
        created += 1
    return created
