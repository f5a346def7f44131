"""Test data for dossiers: one commune, its People's Committee and a published birth registration."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cqs.accounts.models import Role, RoleAssignment, User
from cqs.catalog import services as catalog
from cqs.catalog.models import Procedure, ProcedureVersion
from cqs.catalog.tests import factories as catalog_factories
from cqs.dossiers.services import Attachment, Filing
from cqs.units.models import Agency

PASSWORD = "Hoa-sen-no-2025!"
_seq = itertools.count(1)

# A real minimal PDF (one empty page), enough for the content check.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

STEPS = [
    {"name": "Tiếp nhận, kiểm tra hồ sơ", "role": "one_stop_officer", "unit_kind": "one_stop", "duration_hours": 2},
    {"name": "Thẩm định, dự thảo kết quả", "role": "specialist", "unit_kind": "processing", "duration_hours": 16},
    {"name": "Phê duyệt", "role": "leader", "unit_kind": "leadership", "duration_hours": 4},
    {"name": "Trả kết quả", "role": "one_stop_officer", "unit_kind": "one_stop", "duration_hours": 2},
]

ISSUING = ("Vào sổ, đóng dấu, phát hành kết quả", "clerk", "clerical")  # the clerk's step after the approval


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    procedure: Procedure
    version: ProcedureVersion
    officer: User
    specialist: User
    leader: User
    citizen: User
    stranger: User


def steps_before_the_return(version: ProcedureVersion, *extra: tuple[str, str, str]) -> None:
    """Put steps (name, role, unit kind) between the approval and the return at the desk of ``version``'s process."""
    last = version.process_steps.order_by("position").last()
    assert last is not None and last.unit_kind == "one_stop"
    position = last.position
    last.position = position + len(extra)
    last.save(update_fields=["position"])
    for offset, (name, role, unit_kind) in enumerate(extra):
        version.process_steps.create(
            position=position + offset, name=name, role=role, unit_kind=unit_kind, duration_hours=4
        )


def official(username: str, agency: Agency, *roles: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, full_name=f"Cán bộ {username}", kind="official", agency=agency
    )
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role, agency=agency)
    return user


def citizen(citizen_id: str, name: str = "Nguyễn Thị Lan", *, verified: bool = True) -> User:
    """A citizen's account, its identity verified at the counter unless ``verified=False``."""
    return User.objects.create_user(
        username=citizen_id,
        password=PASSWORD,
        full_name=name,
        citizen_id=citizen_id,
        email=f"{citizen_id}@example.vn",
        identity_verified_at=timezone.now() if verified else None,
        identity_proof="counter" if verified else "",
    )


def published(
    agency: Agency,
    manager: User,
    *,
    steps: list[dict[str, Any]] | None = None,
    online_level: str = "partial",
    hours: int = 3,
    name: str = "Thủ tục đăng ký khai sinh",
) -> tuple[Procedure, ProcedureVersion]:
    """A procedure decided by ``agency``, published with its internal process (``STEPS`` by default)."""
    procedure, version = catalog.procedure_create(
        code=f"1.{next(_seq):06d}",
        name=name,
        field=catalog_factories.field(),
        level="commune",
        online_level=online_level,
        actor=manager,
    )
    catalog_factories.fill(version, manager, agencies=[agency])
    catalog.version_update(version=version, actor=manager, data={"processing_time": hours})
    catalog.version_set_process_steps(version=version, actor=manager, items=steps or STEPS)
    catalog.version_set_fees(version=version, actor=manager, items=[{"name": "Lệ phí", "amount": 8000, "note": ""}])
    catalog.version_check(version=version, actor=manager)
    catalog.version_publish(
        version=version,
        actor=manager,
        decision_number="12/QĐ-UBND",
        decision_date=version.created_at.date(),
        effective_from=version.created_at.date(),
    )
    procedure.refresh_from_db()
    version.refresh_from_db()
    return procedure, version


def world(*, hours: int = 3) -> World:
    """A commune that decides a partly online 3-working-day procedure (24 h) with a four-step process.

    Partly online: the leader may end with a paper result or an electronic one (a full-online
    procedure always ends with the electronic result: tests of that rule set the level themselves).
    """
    agency = catalog_factories.agency(kind=Agency.Kind.COMMUNE_COMMITTEE, name="UBND phường Trường Vinh")
    other = catalog_factories.agency(kind=Agency.Kind.DEPARTMENT, name="Sở Tư pháp")
    manager = catalog_factories.official(role="catalog_manager")
    procedure, version = published(agency, manager, hours=hours)
    return World(
        agency=agency,
        other_agency=other,
        procedure=procedure,
        version=version,
        officer=official("motcua", agency, Role.ONE_STOP_OFFICER),
        specialist=official("chuyenvien", agency, Role.SPECIALIST),
        leader=official("lanhdao", agency, Role.LEADER),
        citizen=citizen("040190012345"),
        stranger=citizen("040085654321", "Trần Văn Hùng"),
    )


def pdf(name: str = "giay-to.pdf") -> Any:
    upload = io.BytesIO(PDF_BYTES)
    upload.name = name
    return upload


def filing(w: World, **overrides: Any) -> Filing:
    document = w.version.documents.first()
    values: dict[str, Any] = {
        "version": w.version,
        "receiving_agency": w.agency,
        "deciding_agency": w.agency,
        "form_data": {"ho_ten_tre": "Nguyễn Văn Bình", "ngay_sinh": "02/03/2026"},
        "attachments": [Attachment(required_document_id=document.pk if document else None, upload=pdf())],
        "applicant_name": "Nguyễn Thị Lan",
        "applicant_id_number": "040190012345",
        "applicant_phone": "0912345678",
        "applicant_email": "lan@example.vn",
    }
    values.update(overrides)
    return Filing(**values)
