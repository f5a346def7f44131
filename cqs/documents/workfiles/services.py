"""Work files (hồ sơ công việc): the documents of one matter kept together by the department handling it.

A work file is open until it is closed (``closed_at``); documents are added and removed only
while it is open. Who may change a work file is who may see it (the agency's leaders and
clerks, the department's members, its keeper); a document joins only if the actor may see the
document and it belongs to the same agency. A document is in at most one work file. Every change
is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqs.accounts.models import Role
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc
from cqs.documents.models import Department, DepartmentMember, IncomingDocument, OutgoingDocument, WorkFile
from cqs.documents.permissions import agencies_with_role, incoming_visible_to, outgoing_visible_to
from cqs.documents.workfiles.selectors import workfiles_visible_to
from cqs.units.models import Agency

OPEN = "open"
CLOSED = "closed"
# What each state of a work file allows.
ALLOWED: dict[str, frozenset[str]] = {
    OPEN: frozenset({"add", "remove", "close"}),
    CLOSED: frozenset(),
}
STATE_LABELS = {OPEN: gettext_lazy("đang mở"), CLOSED: gettext_lazy("đã kết thúc")}
_SNAPSHOT = ["code", "title", "year", "department", "keeper", "retention", "closed_at"]


def state_of(workfile: WorkFile) -> str:
    return CLOSED if workfile.closed_at else OPEN


def _lock(workfile: WorkFile, actor: Any) -> WorkFile:
    """The work file locked for the change, if the actor may change it (else "not found")."""
    found = workfiles_visible_to(actor).select_for_update(of=("self",)).filter(pk=workfile.pk).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ công việc."))
    return found


def _guard(workfile: WorkFile, action: str) -> None:
    state = state_of(workfile)
    if action not in ALLOWED[state]:
        raise InvalidTransition(
            _("Hồ sơ công việc %(code)s %(state)s, không thể thay đổi.")
            % {"code": workfile.code, "state": STATE_LABELS[state]},
            extra={"state": state},
        )


def _may_create(actor: Any, agency: Agency, department: Department | None) -> bool:
    """Leaders and clerks of the agency for any department; a department's members for their own."""
    if agency.pk in agencies_with_role(actor, Role.LEADER, Role.CLERK):
        return True
    return department is not None and DepartmentMember.objects.filter(department=department, user=actor).exists()


@transaction.atomic
def workfile_create(
    *,
    agency: Agency,
    actor: Any,
    department: Department | None,
    code: str,
    title: str,
    year: int,
    retention: str = "",
) -> WorkFile:
    """Open a work file of ``department`` for ``year``; its code is unique in the agency for the year."""
    if agency.pk not in agencies_with_role(actor):
        raise NotFoundOrForbidden(_("Không tìm thấy cơ quan."))
    if department is not None and department.agency_id != agency.pk:
        raise ValidationFailed(_("Đơn vị không thuộc cơ quan này."))
    if not _may_create(actor, agency, department):
        raise NotFoundOrForbidden(_("Bạn không có quyền lập hồ sơ công việc của đơn vị này."))
    code = nfc(code or "")
    title = nfc(title or "")
    retention = nfc(retention or "")
    if not code:
        raise ValidationFailed(_("Chưa nhập số, ký hiệu hồ sơ."))
    if len(code) > 50:
        raise ValidationFailed(_("Số, ký hiệu hồ sơ dài tối đa 50 ký tự."))
    if not title:
        raise ValidationFailed(_("Chưa nhập tiêu đề hồ sơ."))
    if len(title) > 500:
        raise ValidationFailed(_("Tiêu đề hồ sơ dài tối đa 500 ký tự."))
    if len(retention) > 50:
        raise ValidationFailed(_("Thời hạn bảo quản dài tối đa 50 ký tự."))
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationFailed(_("Năm của hồ sơ không hợp lệ."))
    if WorkFile.objects.filter(agency=agency, year=year, code=code).exists():
        raise ValidationFailed(
            _("Số, ký hiệu hồ sơ “%(code)s” đã có trong năm %(year)s.") % {"code": code, "year": year},
            code="workfile_duplicate",
        )
    workfile = WorkFile.objects.create(
        agency=agency, department=department, code=code, title=title, year=year, keeper=actor, retention=retention
    )
    audit_record(actor=actor, action="workfile.create", obj=workfile, after=snapshot(workfile, _SNAPSHOT))
    return workfile


def _document(
    actor: Any, workfile: WorkFile, incoming: IncomingDocument | None, outgoing: OutgoingDocument | None
) -> IncomingDocument | OutgoingDocument:
    """The one document named, locked, if the actor may see it and it belongs to the work file's agency."""
    if (incoming is None) == (outgoing is None):
        raise ValidationFailed(_("Chọn đúng một văn bản đến hoặc một văn bản đi."))
    found: IncomingDocument | OutgoingDocument | None
    if incoming is not None:
        seen_in = incoming_visible_to(actor).filter(pk=incoming.pk).values("pk")
        found = IncomingDocument.objects.select_for_update().filter(pk__in=seen_in).first()
    else:
        assert outgoing is not None
        seen_out = outgoing_visible_to(actor).filter(pk=outgoing.pk).values("pk")
        found = OutgoingDocument.objects.select_for_update().filter(pk__in=seen_out).first()
    if found is None:
        raise NotFoundOrForbidden(_("Không tìm thấy văn bản."))
    if found.agency_id != workfile.agency_id:
        raise ValidationFailed(_("Văn bản không thuộc cơ quan của hồ sơ công việc."))
    return found


def _locked_with_document(
    workfile: WorkFile,
    actor: Any,
    action: str,
    incoming: IncomingDocument | None,
    outgoing: OutgoingDocument | None,
) -> tuple[WorkFile, IncomingDocument | OutgoingDocument]:
    """The work file locked once its state allows ``action``, and the one document named, locked."""
    workfile = _lock(workfile, actor)
    _guard(workfile, action)
    return workfile, _document(actor, workfile, incoming, outgoing)


def _label(document: IncomingDocument | OutgoingDocument) -> dict[str, Any]:
    kind = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    return {"kind": kind, "id": document.pk}


@transaction.atomic
def workfile_add(
    *,
    workfile: WorkFile,
    actor: Any,
    incoming: IncomingDocument | None = None,
    outgoing: OutgoingDocument | None = None,
) -> WorkFile:
    """Put one document in the (open) work file."""
    workfile, document = _locked_with_document(workfile, actor, "add", incoming, outgoing)
    if document.work_file_id == workfile.pk:
        raise ValidationFailed(_("Văn bản đã có trong hồ sơ này."))
    if document.work_file_id is not None:
        other = WorkFile.objects.get(pk=document.work_file_id)
        raise ValidationFailed(
            _("Văn bản đã thuộc hồ sơ công việc %(code)s; hãy bỏ ra khỏi hồ sơ đó trước.") % {"code": other.code}
        )
    document.work_file = workfile
    document.save(update_fields=["work_file", "updated_at"])
    audit_record(actor=actor, action="workfile.add", obj=workfile, after=_label(document))
    return workfile


@transaction.atomic
def workfile_remove(
    *,
    workfile: WorkFile,
    actor: Any,
    incoming: IncomingDocument | None = None,
    outgoing: OutgoingDocument | None = None,
) -> WorkFile:
    """Take one document out of the (open) work file."""
    workfile, document = _locked_with_document(workfile, actor, "remove", incoming, outgoing)
    if document.work_file_id != workfile.pk:
        raise ValidationFailed(_("Văn bản không có trong hồ sơ này."))
    document.work_file = None
    document.save(update_fields=["work_file", "updated_at"])
    audit_record(actor=actor, action="workfile.remove", obj=workfile, before=_label(document))
    return workfile


@transaction.atomic
def workfile_close(*, workfile: WorkFile, actor: Any) -> WorkFile:
    """End the work file (kết thúc hồ sơ): nothing is added or removed afterwards."""
    workfile = _lock(workfile, actor)
    _guard(workfile, "close")
    before = snapshot(workfile, _SNAPSHOT)
    workfile.closed_at = timezone.now()
    workfile.save(update_fields=["closed_at", "updated_at"])
    audit_record(actor=actor, action="workfile.close", obj=workfile, before=before, after=snapshot(workfile, _SNAPSHOT))
    return workfile
