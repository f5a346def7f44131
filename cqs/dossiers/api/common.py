"""What every dossier endpoint shares: the router, reading bodies and files, building answers."""

from __future__ import annotations

import copy
import json
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel

from cqs.catalog import selectors as catalog_selectors
from cqs.core.api import (
    ErrorOut,
    Unprocessable,
    json_body,
    multipart_files,
    multipart_payload,
)
from cqs.core.errors import NotFoundOrForbidden
from cqs.dossiers import services, transitions
from cqs.dossiers.api.schemas import (
    AttachmentIn,
    CounterFilingIn,
    FilingIn,
    errors_vi,
)
from cqs.dossiers.models import Channel, Dossier, DossierFile, FormalNotice, Status
from cqs.dossiers.permissions import dossiers_visible_to, may_see_file, sees_personal_data
from cqs.dossiers.transitions import Action
from cqs.units.models import Agency

router = Router(tags=["Hồ sơ"])

MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_ID = 2**31 - 1
CITIZEN_BOXES = ("open", "closed")


M = TypeVar("M", bound=BaseModel)


def _json_body(request: HttpRequest, schema: type[M]) -> M:
    return json_body(request, schema, errors=errors_vi)


def _multipart(request: HttpRequest, schema: type[M], *, file_field: str = "files") -> tuple[M, list[UploadedFile]]:
    """The ``payload`` part (a JSON document) and the uploaded files, in order."""
    raw, (files,) = multipart_files(request, file_field)
    return multipart_payload(raw, schema, errors=errors_vi), files


def _attachments(
    items: list[AttachmentIn], files: list[UploadedFile], *, source: str = DossierFile.Source.UPLOAD
) -> list[services.Attachment]:
    needing = [item for item in items if item.stored_paper_id is None]
    if len(needing) != len(files):
        raise Unprocessable(
            _("Số tệp gửi kèm (%(files)d) không khớp với số giấy tờ cần tệp (%(items)d).")
            % {"files": len(files), "items": len(needing)},
            extra={"errors": [{"field": "files", "message": _("Mỗi giấy tờ không có stored_paper_id cần một tệp.")}]},
        )
    uploads = iter(files)
    return [
        services.Attachment(
            required_document_id=item.required_document_id,
            name=item.name,
            stored_paper_id=item.stored_paper_id,
            upload=None if item.stored_paper_id is not None else next(uploads),
            source=source,
        )
        for item in items
    ]


def _agency(code: str, field: str) -> Agency:
    agency = Agency.objects.filter(electronic_code=code).first() if code else None
    if agency is None:
        raise Unprocessable(
            _("Không tìm thấy cơ quan có mã định danh “%(code)s”.") % {"code": code[:60]},
            extra={"errors": [{"field": field, "message": _("Mã định danh điện tử không đúng.")}]},
        )
    return agency


def _filing(payload: FilingIn, files: list[UploadedFile], *, source: str) -> services.Filing:
    try:
        procedure = catalog_selectors.procedure_get_published(code=payload.procedure)
    except NotFoundOrForbidden as error:
        raise Unprocessable(
            _("Không tìm thấy thủ tục đang công bố có mã “%(code)s”.") % {"code": payload.procedure},
            extra={"errors": [{"field": "procedure", "message": _("Mã thủ tục không đúng.")}]},
        ) from error
    assert procedure.current_version is not None  # procedure_get_published guarantees it
    deciding = _agency(payload.deciding_agency, "deciding_agency")
    receiving = _agency(payload.receiving_agency, "receiving_agency") if payload.receiving_agency else deciding
    extra: dict[str, Any] = {}
    if isinstance(payload, CounterFilingIn):
        extra["sets_count"] = payload.sets_count
    return services.Filing(
        version=procedure.current_version,
        receiving_agency=receiving,
        deciding_agency=deciding,
        form_data=dict(payload.form_data),
        attachments=_attachments(payload.attachments, files, source=source),
        applicant_name=payload.applicant_name,
        applicant_id_number=payload.applicant_id_number,
        applicant_address=payload.applicant_address,
        applicant_phone=payload.applicant_phone,
        applicant_email=payload.applicant_email,
        filing_mode=payload.filing_mode,
        principal_name=payload.principal_name,
        principal_id_number=payload.principal_id_number,
        authorisation_note=payload.authorisation_note,
        assisted_by=payload.assisted_by,
        delivery=payload.delivery,
        **extra,
    )


def _visible(user: Any, code: str) -> Dossier:
    dossier = dossiers_visible_to(user).filter(code=code[:60]).first()
    if dossier is None:
        raise NotFoundOrForbidden(_("Không tìm thấy hồ sơ."))
    return dossier


def _positive(value: str, name: str, *, maximum: int) -> int:
    text = (value or "").strip()
    if not text.isdigit() or not 1 <= int(text[:12]) <= maximum:
        raise Unprocessable(
            _("Tham số %(name)s phải là số nguyên từ 1 đến %(maximum)d.") % {"name": name, "maximum": maximum},
            extra={"errors": [{"field": name, "message": _("Giá trị không hợp lệ.")}]},
        )
    return int(text)


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _url(name: str, fallback: str, **kwargs: Any) -> str:
    try:
        return reverse(f"api:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def _links(code: str) -> dict[str, str]:
    return {
        "self": _url("dossier_detail", f"/api/v1/dossiers/{code}", code=code),
        "lookup": _url("dossier_lookup", f"/api/v1/dossiers/lookup/{code}", code=code),
    }


def _agency_ref(agency: Agency) -> dict[str, str]:
    return {"electronic_code": agency.electronic_code, "name": agency.name}


def _state(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "national_status": dossier.national_status,
        "current_step": dossier.current_step,
        "current_role": dossier.current_role,
        "current_agency": _agency_ref(dossier.current_agency),
        "due_at": _local(dossier.due_at),
        "links": _links(dossier.code),
    }


# The API's name (the last part of its address) of each action.
ACTION_PATHS: dict[Action, str] = {
    Action.ACCEPT: "accept",
    Action.REFUSE: "refuse",
    Action.REQUEST_SUPPLEMENT: "request-supplement",
    Action.ANSWER_SUPPLEMENT: "supplement",
    Action.FORWARD: "forward",
    Action.APPROVE: "approve",
    Action.SEND_BACK: "send-back",
    Action.TRANSFER: "transfer",
    Action.TRANSFER_RETURN: "transfer-return",
    Action.REQUEST_PAYMENT: "request-payment",
    Action.RECORD_PAYMENT: "record-payment",
    Action.APOLOGISE: "apologise",
    Action.STOP: "stop",
    Action.WITHDRAW: "withdraw",
    Action.CONFIRM_WITHDRAWAL: "confirm-withdrawal",
    Action.FINISH: "finish",
    Action.RETURN_RESULT: "return",
    Action.CHOOSE_DELIVERY: "delivery",
    Action.RATE: "rate",
    Action.DRAFT_RESULT: "draft-result",
}


def available_paths(user: Any, dossier: Dossier) -> list[str]:
    """The addresses of what the caller may do now (``transitions.available_actions``)."""
    return [ACTION_PATHS[action] for action in transitions.available_actions(user, dossier) if action in ACTION_PATHS]


def _account_identity(account: Any) -> dict[str, Any]:
    """Whether the citizen's account that filed is proven to be its holder (none for a counter filing)."""
    if account is None or account.is_official:
        return {"account_identity_verified": None, "account_identity_proof": ""}
    return {"account_identity_verified": account.identity_verified, "account_identity_proof": account.identity_proof}


def _detail(user: Any, dossier: Dossier) -> dict[str, Any]:
    personal = sees_personal_data(user, dossier)
    applicant = None
    if personal:
        applicant = {
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "filing_mode": dossier.filing_mode,
            "principal_name": dossier.principal_name,
            "principal_id_number": dossier.principal_id_number,
            "authorisation_note": dossier.authorisation_note,
            "assisted_by": dossier.assisted_by,
            **_account_identity(dossier.applicant),
        }
    labels = transitions.LABELS
    return {
        "code": dossier.code,
        "procedure": {
            "code": dossier.procedure.code,
            "name": dossier.version.name,
            "version": dossier.version.number,
        },
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "national_status": dossier.national_status,
        "channel": dossier.channel,
        "channel_label": str(Channel(dossier.channel).label),
        "receiving_agency": _agency_ref(dossier.receiving_agency),
        "deciding_agency": _agency_ref(dossier.deciding_agency),
        "current_agency": _agency_ref(dossier.current_agency),
        "current_step": dossier.current_step,
        "current_role": dossier.current_role,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "due_at": _local(dossier.due_at),
        "original_due_at": _local(dossier.original_due_at),
        "paused_since": _local(dossier.paused_since),
        "finished_at": _local(dossier.finished_at),
        "returned_at": _local(dossier.returned_at),
        "closed_at": _local(dossier.closed_at),
        "timing": dossier.timing,
        "delivery": dossier.delivery,
        "fee_total": dossier.fee_total,
        "fee_paid_at": _local(dossier.fee_paid_at),
        "result_summary": dossier.result_summary,
        "rating": dossier.rating,
        "applicant": applicant,
        "form_data": dossier.form_data if personal else None,
        "events": [
            {
                "at": _local(e.at),
                "action": e.action,
                "action_label": labels.get(e.action, e.action),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "national_status": e.national_status,
                "note": e.note if personal else "",  # notes quote the applicant and the result
            }
            for e in dossier.events.all()
        ],
        "steps": [
            {
                "position": s.position,
                "name": s.name,
                "role": s.role,
                "agency": _agency_ref(s.agency),
                "started_at": _local(s.started_at),
                "due_at": _local(s.due_at),
                "finished_at": _local(s.finished_at),
                "timing": s.timing,
                "outcome": s.outcome,
            }
            for s in dossier.steps.all()
        ],
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "source": f.source,
                "kind": f.kind,
                "size": f.size,
                "sha256": f.sha256,
                "verification_code": f.verification_code,
                "created_at": _local(f.created_at),
                "url": _url(
                    "dossier_file",
                    f"/api/v1/dossiers/{dossier.code}/files/{f.pk}",
                    code=dossier.code,
                    file_id=f.pk,
                ),
            }
            for f in dossier.files.all()
            if may_see_file(user, f)
        ],
        "supplement_requests": [
            {
                "items": list(r.items),
                "reason": r.reason,
                "contact": r.contact,
                "requested_at": _local(r.requested_at),
                "answered_at": _local(r.answered_at),
            }
            for r in dossier.supplement_requests.all()
        ],
        "notices": [
            {
                "form": n.form,
                "form_label": str(FormalNotice.Form(n.form).label),
                "reason": n.reason,
                "new_due_at": _local(n.new_due_at),
                "issued_at": _local(n.issued_at),
            }
            for n in dossier.notices.all()
        ],
        "actions": available_paths(user, dossier),
        "links": _links(dossier.code),
    }


def _openapi_body(schema: type[BaseModel], *, multipart: str | None = None) -> dict[str, Any]:
    """A request body in the OpenAPI document (JSON, or multipart with a JSON ``payload`` part)."""
    json_schema = _inline(schema.model_json_schema())
    if multipart is None:
        content = {"application/json": {"schema": json_schema}}
    else:
        properties: dict[str, Any] = {
            "payload": {
                "type": "string",
                "description": _("Tài liệu JSON theo lược đồ sau: ") + json.dumps(json_schema, ensure_ascii=False),
            }
        }
        if multipart == "files":
            properties["files"] = {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": _("Các tệp (PDF, JPEG, PNG), theo thứ tự các giấy tờ không có stored_paper_id."),
            }
        else:
            properties[multipart] = {
                "type": "string",
                "format": "binary",
                "description": _("Tệp kết quả (PDF, JPEG, PNG), không bắt buộc."),
            }
        content = {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["payload"], "properties": properties},
            }
        }
    return {"requestBody": {"required": multipart is not None, "content": content}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace ``$ref``s to ``$defs`` by the definitions themselves (our schemas are not recursive)."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(definitions[ref.split("/")[-1]]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
