"""Test data for official documents, shared by every documents test module.

``documents_world()`` builds the agency of the root ``agency`` fixture (same get_or_create, so both
can be used in one test), its issuing profile ``UBND``, two departments with their heads and
members, a leader, a clerk, and an official of another agency who holds every role there.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.documents.models import Department, DepartmentMember, DocumentType, IssuingProfile
from cqs.units.models import AdministrativeUnit, Agency

PASSWORD = "Hoa-sen-no-2025!"
_codes = itertools.count(101)


def text_pdf(text: str = "") -> bytes:
    """A valid one-page PDF (with its cross-reference table) showing ``text`` (Latin-1) in Helvetica."""
    stream = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("latin-1") if text else b""
    return pdf_of(
        [
            b"<</Type/Catalog/Pages 2 0 R>>",
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
            b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
            b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        ]
    )


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1, the first the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# A blank one-page PDF, enough for the content check.
PDF_BYTES = text_pdf()
# A 1×1 PNG.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class DocumentsWorld:
    agency: Agency
    other_agency: Agency
    vp: Department
    kt: Department
    leader: User
    clerk: User
    vp_head: User
    vp_specialist: User
    kt_head: User
    kt_specialist: User
    outsider: User
    doc_type_letter: DocumentType
    doc_type_decision: DocumentType


def official(username: str, agency: Agency, *roles: str, full_name: str = "") -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        full_name=full_name or f"Cán bộ {username}",
        kind="official",
        agency=agency,
    )
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role, agency=agency)
    return user


def home_agency() -> Agency:
    """The agency of the root ``agency`` fixture (UBND tỉnh Nghệ An)."""
    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="40", defaults={"name": "Nghệ An", "level": "province", "division_type": "tỉnh", "search_name": "nghe an"}
    )
    found, _ = Agency.objects.get_or_create(
        electronic_code="000.00.00.H40",
        defaults={"name": "UBND tỉnh Nghệ An", "kind": "provincial_committee", "unit": unit, "search_name": "ubnd"},
    )
    return found


def other_agency() -> Agency:
    """Sở Tư pháp tỉnh Nghệ An: another agency whose officials see none of the home agency's documents."""
    home = home_agency()
    found, _ = Agency.objects.get_or_create(
        electronic_code="000.00.12.H40",
        defaults={
            "name": "Sở Tư pháp tỉnh Nghệ An",
            "short_name": "STP",
            "kind": "department",
            "unit": home.unit,
            "search_name": "so tu phap",
        },
    )
    return found


def member(user: User, department: Department, *, is_head: bool = False, position: str = "") -> DepartmentMember:
    return DepartmentMember.objects.create(user=user, department=department, is_head=is_head, position=position)


def documents_world() -> DocumentsWorld:
    """The world of the module docstring; the two document types are created when a flushed database lacks them."""
    agency = home_agency()
    other = other_agency()
    IssuingProfile.objects.get_or_create(agency=agency, defaults={"abbreviation": "UBND", "place_name": "Nghệ An"})
    IssuingProfile.objects.get_or_create(agency=other, defaults={"abbreviation": "STP", "place_name": "Nghệ An"})
    vp, _ = Department.objects.get_or_create(agency=agency, abbreviation="VP", defaults={"name": "Văn phòng"})
    kt, _ = Department.objects.get_or_create(agency=agency, abbreviation="KT", defaults={"name": "Phòng Kinh tế"})

    leader = official("vb_lanhdao", agency, Role.LEADER, full_name="Nguyễn Văn Chủ Tịch")
    clerk = official("vb_vanthu", agency, Role.CLERK, full_name="Lê Thị Văn Thư")
    vp_head = official("vb_chanhvp", agency, Role.SPECIALIST, full_name="Trần Văn Chánh")
    vp_specialist = official("vb_cvvp", agency, Role.SPECIALIST, full_name="Phạm Thị Hoa")
    kt_head = official("vb_truongkt", agency, Role.SPECIALIST, full_name="Hoàng Văn Kinh")
    kt_specialist = official("vb_cvkt", agency, Role.SPECIALIST, full_name="Đỗ Thị Tế")
    member(vp_head, vp, is_head=True, position="Chánh Văn phòng")
    member(vp_specialist, vp, position="Chuyên viên")
    member(kt_head, kt, is_head=True, position="Trưởng phòng")
    member(kt_specialist, kt, position="Chuyên viên")
    outsider = official("vb_ngoai", other, Role.LEADER, Role.CLERK, Role.SPECIALIST, full_name="Võ Văn Ngoài")
    return DocumentsWorld(
        agency=agency,
        other_agency=other,
        vp=vp,
        kt=kt,
        leader=leader,
        clerk=clerk,
        vp_head=vp_head,
        vp_specialist=vp_specialist,
        kt_head=kt_head,
        kt_specialist=kt_specialist,
        outsider=outsider,
        doc_type_letter=DocumentType.objects.get_or_create(name="Công văn", defaults={"ordering": 180})[0],
        doc_type_decision=DocumentType.objects.get_or_create(
            name="Quyết định", defaults={"abbreviation": "QĐ", "ordering": 20}
        )[0],
    )


def upload(data: bytes = PDF_BYTES, name: str = "van-ban.pdf") -> Any:
    """A file-like upload for views and forms."""
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def incoming(w: DocumentsWorld, **overrides: Any) -> Any:
    """An incoming document registered by the world's clerk (paper, one scanned PDF unless ``files`` is given)."""
    from cqs.documents.incoming.services import IncomingFile, incoming_register

    values: dict[str, Any] = {
        "agency": w.agency,
        "actor": w.clerk,
        "channel": "paper",
        "sender_name": "Sở Tài chính tỉnh Nghệ An",
        "document_type": w.doc_type_letter,
        "subject": "Về việc báo cáo tình hình thực hiện dự toán ngân sách quý III",
        "code_number": str(next(_codes)),
        "code_notation": "STC-NS",
        "files": [IncomingFile(name="cong-van.pdf", data=PDF_BYTES, kind="scan")],
    }
    values.update(overrides)
    return incoming_register(**values)
