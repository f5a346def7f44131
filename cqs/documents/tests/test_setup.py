from __future__ import annotations

import re
from typing import Any

import pytest

from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.models import AuditEvent
from cqs.documents import numbering
from cqs.documents.models import DocumentType
from cqs.documents.outgoing.forms import OutgoingForm
from cqs.documents.setup import services as services_setup
from cqs.documents.tests.test_outgoing_support import issued, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db


def test_profile_and_departments_make_the_symbols(agency: Any, administrator: Any) -> None:
    services_setup.issuing_profile_set(agency=agency, abbreviation="UBND", place_name="Nghệ An", actor=administrator)
    office = services_setup.department_create(
        agency=agency, name="Văn phòng UBND tỉnh", abbreviation="VP", actor=administrator
    )
    decision = DocumentType.objects.get(name="Quyết định")
    letter = DocumentType.objects.get(name="Công văn")
    assert numbering.notation_for(document_type=decision, agency=agency, drafting_department=office) == "QĐ-UBND"
    assert numbering.notation_for(document_type=letter, agency=agency, drafting_department=office) == "UBND-VP"
    assert numbering.place_name(agency) == "Nghệ An"
    assert AuditEvent.objects.filter(action__startswith="documents.").count() == 2


def test_setup_refuses_bad_input_and_non_administrators(agency: Any, administrator: Any, make_official: Any) -> None:
    with pytest.raises(ValidationFailed, match="Chữ viết tắt gồm 1–20 chữ cái"):
        services_setup.department_create(agency=agency, name="Văn phòng", abbreviation="v p", actor=administrator)
    services_setup.department_create(agency=agency, name="Văn phòng", abbreviation="VP", actor=administrator)
    with pytest.raises(ValidationFailed, match=re.escape("Cơ quan đã có đơn vị dùng chữ viết tắt này.")):
        services_setup.department_create(agency=agency, name="Văn phòng 2", abbreviation="VP", actor=administrator)
    clerk = make_official("vanthu", roles=("clerk",))
    with pytest.raises(NotFoundOrForbidden):
        services_setup.department_create(agency=agency, name="Phòng Tư pháp", abbreviation="TP", actor=clerk)


def test_members_come_from_the_same_agency(agency: Any, administrator: Any, make_official: Any, citizen: Any) -> None:
    office = services_setup.department_create(agency=agency, name="Văn phòng", abbreviation="VP", actor=administrator)
    head = make_official("chanhvanphong", roles=("specialist",))
    member = services_setup.department_member_set(
        department=office, user=head, is_head=True, position="Chánh Văn phòng", actor=administrator
    )
    assert member.is_head
    with pytest.raises(ValidationFailed, match=re.escape("Chỉ xếp cán bộ của chính cơ quan này vào đơn vị.")):
        services_setup.department_member_set(department=office, user=citizen, is_head=False, actor=administrator)


def test_numbers_without_gaps_and_rolled_back_numbers_are_given_again(agency: Any) -> None:
    from django.db import transaction

    with transaction.atomic():
        assert numbering.number_next(agency=agency, year=2026, register="outgoing") == 1
    try:
        with transaction.atomic():
            assert numbering.number_next(agency=agency, year=2026, register="outgoing") == 2
            raise RuntimeError("issuing failed")
    except RuntimeError:
        pass
    with transaction.atomic():
        assert numbering.number_next(agency=agency, year=2026, register="outgoing") == 2
        assert numbering.number_next(agency=agency, year=2026, register="outgoing_classified") == 1
        assert numbering.number_next(agency=agency, year=2027, register="outgoing") == 1


@pytest.mark.parametrize(
    ("name", "abbreviation"), [("Bản sao y", "SY"), ("Bản trích sao", "TrS"), ("Bản sao lục", "SL")]
)
def test_the_copies_are_chosen_and_numbered_like_the_document_types(world: Any, name: str, abbreviation: str) -> None:
    """REFERENCE §3: copies SY, TrS, SL, numbered with the agency's outgoing documents ("05/SY-UBND")."""
    copy_type = DocumentType.objects.get(name=name, is_active=True)
    assert copy_type.abbreviation == abbreviation and not copy_type.is_letter
    assert copy_type in OutgoingForm(user=world.vp_specialist).fields["document_type"].queryset
    first = issued(world)
    copy = issued(world, document_type=copy_type, subject=f"{name} Quyết định số {first.code}")
    assert (first.code, copy.code) == ("01/QĐ-UBND", f"02/{abbreviation}-UBND")
