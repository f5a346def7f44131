from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from cqs.core.models import AuditEvent
from cqs.demo.certificates import demo_certificates
from cqs.signing import selectors
from cqs.signing.models import Certificate
from cqs.units.models import Agency

pytestmark = pytest.mark.django_db


def _ink(certificate: Certificate) -> str:
    image = Image.open(io.BytesIO(bytes(certificate.appearance_image))).convert("RGBA")
    pixels: Any = image.get_flattened_data()
    inked = [pixel for pixel in pixels if pixel[3] > 200]
    red, blue = sum(p[0] for p in inked), sum(p[2] for p in inked)
    return "red" if red > 2 * blue else "blue" if blue > 2 * red else "mixed"


def test_demo_certificates_for_signing_agencies_and_leaders_once(agency: Any, make_official: Any) -> None:
    leader = make_official("lanhdao", roles=("leader",))
    make_official("vanthu", roles=("clerk",))
    specialist = make_official("chuyenvien", roles=("specialist",))
    other = Agency.objects.create(
        electronic_code="000.00.99.H40", name="Sở Khác", kind="department", unit=agency.unit, search_name="so khac"
    )
    specialist.roles.create(role="specialist", agency=other)
    assert demo_certificates() == 4  # root and issuing CA, the committee's seal, the leader's signature
    assert Certificate.objects.filter(kind="ca").count() == 2
    seal = selectors.certificate_of_agency(agency)
    signature = selectors.certificate_of_user(leader)
    assert seal is not None and signature is not None
    assert selectors.certificate_of_agency(other) is None and selectors.certificate_of_user(specialist) is None
    assert _ink(seal) == "red" and _ink(signature) == "blue"
    events = AuditEvent.objects.count()
    assert demo_certificates() == 0
    assert Certificate.objects.count() == 4 and AuditEvent.objects.count() == events
