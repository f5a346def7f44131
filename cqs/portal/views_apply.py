"""Applying online: a four-step wizard (agency and filing mode → e-form → documents → check your answers).

Its state lives in the session under the procedure's code: the cleaned choices of step 1, the
raw e-form data, and per document either a paper of the citizen's store or an upload that
passed the content check. Uploads are kept in temporary storage
(``default_storage``, ``tmp/apply/<random token>/``) with only their checked metadata in the
session, so the citizen uploads each file once (a good file is kept even when another fails),
may go back and change any step, and nothing is written to the dossier tables before the final
"Nộp hồ sơ" calls ``dossier_submit_online`` (which checks everything again, the files' content
included) with the wizard's one-time submission token. The temporary files are deleted when the
dossier is filed or the application is cancelled; abandoned ones are left to a purge of
``tmp/apply/`` older than a day.

Step 1 proposes the offices of the citizen's commune (``selectors_place``); the declaration is not
asked in step 3: it is made from the e-form when the dossier is filed.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cqs.accounts.models import User
from cqs.accounts.vneid import login_method
from cqs.catalog import fees
from cqs.catalog import selectors as catalog_selectors
from cqs.catalog.eforms import eform_class, eform_rows, initial_from_user
from cqs.catalog.models import OnlineLevel, Procedure, ProcedureVersion
from cqs.core.errors import ApplicationError, NotFoundOrForbidden, ValidationFailed
from cqs.core.uploads import kind_label, size_text
from cqs.dossiers import selectors_filing as filing_selectors
from cqs.dossiers import services
from cqs.dossiers.models import Delivery, FilingMode
from cqs.portal import forms_dossiers as f
from cqs.portal import selectors_dossiers as sel
from cqs.portal import selectors_place as places
from cqs.portal import services as portal_services
from cqs.portal.views_dossiers import citizen_of, citizen_required
from cqs.signing import selectors as signing_selectors

SESSION_PREFIX = "cqs_apply:"
TMP_DIR = "tmp/apply"
RETURN_TO_CHECK = "kiem-tra"


# ---------------------------------------------------------------- applying: the wizard's state


def _procedure_for_apply(code: str) -> tuple[Procedure, ProcedureVersion]:
    try:
        procedure = catalog_selectors.procedure_get_published(code=code[:40])
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    version = procedure.current_version
    if version is None or version.online_level not in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        raise Http404
    version.procedure = procedure
    return procedure, version


def _state(request: HttpRequest, procedure: Procedure, version: ProcedureVersion) -> dict[str, Any]:
    key = SESSION_PREFIX + procedure.code
    state = request.session.get(key)
    if not isinstance(state, dict) or state.get("version") != version.pk:
        if isinstance(state, dict):
            _discard_files(state)
        state = {
            "version": version.pk,
            "token": secrets.token_hex(16),
            "submission": secrets.token_urlsafe(24),
            "agency": None,
            "form": None,
            "docs": {},
        }
        request.session[key] = state
    return state


def _save_state(request: HttpRequest, procedure: Procedure, state: dict[str, Any]) -> None:
    request.session[SESSION_PREFIX + procedure.code] = state
    request.session.modified = True


def _discard_files(state: dict[str, Any]) -> None:
    for entry in (state.get("docs") or {}).values():
        if entry.get("type") == "upload" and entry.get("path"):
            _delete_quietly(entry["path"])


def _delete_quietly(path: str) -> None:
    if path.startswith(TMP_DIR + "/"):
        with contextlib.suppress(OSError):
            default_storage.delete(path)


def _documents(version: ProcedureVersion) -> list[Any]:
    return list(version.documents.all())


def _uploadable(version: ProcedureVersion) -> list[Any]:
    """The documents the citizen gives in step 3: neither replaced by national data nor made from the e-form."""
    made = services.declaration_document(version)
    return [d for d in _documents(version) if not d.replaceable_by and d != made]


def _needs_documents(version: ProcedureVersion) -> bool:
    return bool(_uploadable(version))


def _first_missing_step(state: dict[str, Any], version: ProcedureVersion) -> str | None:
    if state.get("agency") is None:
        return "portal:apply"
    if state.get("form") is None:
        return "portal:apply_form"
    if state.get("docs_done") is None and _needs_documents(version):
        return "portal:apply_documents"
    return None


def _after_step(request: HttpRequest, procedure: Procedure, next_name: str) -> HttpResponse:
    if request.GET.get("tiep") == RETURN_TO_CHECK:
        return redirect("portal:apply_check", procedure.code)
    return redirect(next_name, procedure.code)


def _wizard_context(procedure: Procedure, version: ProcedureVersion, step: int) -> dict[str, Any]:
    return {
        "procedure": procedure,
        "version": version,
        "step": step,
        "steps": [
            (1, _("Nơi nộp, hình thức nộp")),
            (2, _("Tờ khai")),
            (3, _("Giấy tờ")),
            (4, _("Kiểm tra và nộp")),
        ],
    }


# ---------------------------------------------------------------- applying: the four steps


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: the deciding agency, the receiving place (anywhere in the province), the filing mode."""
    procedure, version = _procedure_for_apply(code)
    state = _state(request, procedure, version)
    deciding = services.implementing_agencies(version)
    receiving = services.receiving_agencies()
    user = citizen_of(request)
    home = places.citizen_home(user=user)
    if request.method == "POST":
        form = f.AgencyForm(request.POST, deciding=deciding, receiving=receiving)
        if form.is_valid():
            state["agency"] = dict(form.cleaned_data)
            _save_state(request, procedure, state)
            return _after_step(request, procedure, "portal:apply_form")
    else:
        initial: dict[str, Any] = dict(state["agency"] or {})
        if not initial:
            decide, receive = places.offices_near(
                unit=home.unit if home else None, deciding=deciding, receiving=receiving
            )
            initial = {
                "deciding_agency": decide,
                "receiving_agency": receive,
                "filing_mode": FilingMode.SELF,
                "delivery": Delivery.ONLINE,
                **f.account_contact(user),
            }
        form = f.AgencyForm(initial=initial, deciding=deciding, receiving=receiving)
    context = _wizard_context(procedure, version, 1)
    context.update(
        {
            "form": form,
            "no_agency": not deciding,
            "home": home,
            "commune_form": None
            if home
            else f.CommuneForm(initial={"next": request.path}, communes=places.province_communes()),
            "here": request.path,
        }
    )
    return render(request, "portal/dossiers/apply_agency.html", context)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def commune(request: HttpRequest) -> HttpResponse:
    """The commune the citizen lives in: asked once, used to propose the offices near them."""
    user = citizen_of(request)
    communes = places.province_communes()
    home = places.citizen_home(user=user)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:dossiers")
    if request.method == "POST":
        form = f.CommuneForm(request.POST, communes=communes)
        if form.is_valid():
            portal_services.citizen_commune_set(user=user, unit=form.units[form.cleaned_data["xa"]])
            messages.success(request, _("Đã lưu xã, phường nơi bạn cư trú."))
            return redirect(target)
    else:
        form = f.CommuneForm(initial={"xa": home.unit.pk if home else None, "next": target}, communes=communes)
    status = 400 if form.errors else 200
    return render(request, "portal/dossiers/commune.html", {"form": form, "home": home}, status=status)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply_form(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: the version's electronic form, prefilled from the account."""
    procedure, version = _procedure_for_apply(code)
    state = _state(request, procedure, version)
    if state.get("agency") is None:
        return redirect("portal:apply", procedure.code)
    form_class = eform_class(version)
    if request.method == "POST":
        form = form_class(request.POST, auto_id="tk_%s")
        if form.is_valid():
            state["form"] = {name: request.POST.get(name, "") for name in form.fields}
            _save_state(request, procedure, state)
            return _after_step(request, procedure, "portal:apply_documents")
    elif state.get("form") is not None:
        form = form_class(state["form"], auto_id="tk_%s")
    else:
        form = form_class(initial=initial_from_user(version, citizen_of(request)), auto_id="tk_%s")
    if not form.fields and request.method != "POST":
        state["form"] = {}
        _save_state(request, procedure, state)
        return redirect("portal:apply_documents", procedure.code)
    context = _wizard_context(procedure, version, 2)
    context["form"] = form
    return render(request, "portal/dossiers/apply_form.html", context)


def _keep_uploads(state: dict[str, Any], form: f.DocumentsForm) -> list[str]:
    """Put every upload that passed its check in temporary storage, even when another one failed.

    The citizen never uploads a good file twice; returns the names of the files kept.
    """
    docs: dict[str, Any] = state.setdefault("docs", {})
    names = []
    for document_id, (checked, _upload) in form.checked.items():
        key = str(document_id)
        if key in docs:
            _delete_quietly(docs[key].get("path", ""))
        path = default_storage.save(
            f"{TMP_DIR}/{state['token']}/{document_id}-{checked.sha256[:16]}.{checked.extension}",
            ContentFile(checked.content),
        )
        docs[key] = {
            "type": "upload",
            "path": path,
            "filename": checked.filename,
            "kind": checked.kind,
            "size": checked.size,
            "sha256": checked.sha256,
        }
        form.kept[document_id] = checked.filename
        names.append(checked.filename)
    return names


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply_documents(request: HttpRequest, code: str) -> HttpResponse:
    """Step 3: per document an upload (checked by content) or a paper of the citizen's store.

    The declaration is not asked for: it is made from the e-form of step 2 when the dossier is filed.
    """
    procedure, version = _procedure_for_apply(code)
    state = _state(request, procedure, version)
    missing = _first_missing_step(state, version)
    if missing in ("portal:apply", "portal:apply_form"):
        return redirect(missing, procedure.code)
    user = citizen_of(request)
    documents = _documents(version)
    uploadable = _uploadable(version)
    papers = list(sel.citizen_papers(user=user))
    docs: dict[str, Any] = state.get("docs") or {}
    kept = {int(k): v.get("filename") or v.get("name", "") for k, v in docs.items()}
    if not uploadable:
        state["docs_done"] = True
        _save_state(request, procedure, state)
        return redirect("portal:apply_check", procedure.code)
    saved: list[str] = []
    if request.method == "POST":
        form = f.DocumentsForm(request.POST, request.FILES, documents=uploadable, papers=papers, kept=kept)
        valid = form.is_valid()
        saved = _keep_uploads(state, form)
        docs = state["docs"]
        if valid:
            paper_names = {str(p.pk): p.name for p in papers}
            for document in form.documents:
                key = str(document.pk)
                paper = form.cleaned_data.get(f"paper_{document.pk}") or ""
                if paper and document.pk not in form.checked:
                    if key in docs:
                        _delete_quietly(docs[key].get("path", ""))
                    docs[key] = {"type": "paper", "paper": int(paper), "name": paper_names.get(paper, "")}
            state["docs_done"] = True
            _save_state(request, procedure, state)
            return redirect("portal:apply_check", procedure.code)
        _save_state(request, procedure, state)
    else:
        initial = {f"paper_{k}": str(v["paper"]) for k, v in docs.items() if v.get("type") == "paper"}
        form = f.DocumentsForm(initial=initial, documents=uploadable, papers=papers, kept=kept)
    context = _wizard_context(procedure, version, 3)
    context.update(
        {
            "form": form,
            "declaration": services.declaration_document(version),
            "replaceable": [d for d in documents if d.replaceable_by],
            "docs": docs,
            "saved": saved,
        }
    )
    return render(request, "portal/dossiers/apply_documents.html", context)


def _document_summary(version: ProcedureVersion, docs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    made = services.declaration_document(version)
    for document in _documents(version):
        entry = docs.get(str(document.pk))
        if document == made:
            text = _("Lập từ tờ khai điện tử ở bước 2 khi bạn nộp hồ sơ (bản PDF kèm xác nhận của bạn).")
        elif document.replaceable_by:
            text = _("Dùng dữ liệu từ %(source)s, không cần nộp.") % {"source": document.get_replaceable_by_display()}
        elif entry and entry.get("type") == "upload":
            text = _("Tệp “%(name)s” (%(kind)s, %(size)s)") % {
                "name": entry["filename"],
                "kind": kind_label(entry["kind"]),
                "size": size_text(entry["size"]),
            }
        elif entry and entry.get("type") == "paper":
            text = _("Giấy tờ trong kho: %(name)s") % {"name": entry.get("name", "")}
        else:
            text = _("Không nộp (không bắt buộc)") if document.is_optional else _("Chưa nộp")
        rows.append({"document": document, "text": text})
    return rows


def _filing(state: dict[str, Any], version: ProcedureVersion, user: User, *, submission: str) -> services.Filing:
    """The Filing the service checks, from the wizard's state (temporary files read back)."""
    from cqs.units.models import Agency

    agency = state["agency"]
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=[agency["deciding_agency"], agency["receiving_agency"]])}
    if len(agencies) < len({agency["deciding_agency"], agency["receiving_agency"]}):
        raise ValidationFailed(_("Cơ quan đã chọn không còn hoạt động; vui lòng chọn lại ở bước 1."))
    attachments: list[services.Attachment] = []
    given = {str(d.pk) for d in _uploadable(version)}
    for key, entry in (state.get("docs") or {}).items():
        if key not in given:  # a document the version no longer asks the citizen for
            continue
        if entry.get("type") == "paper":
            attachments.append(services.Attachment(required_document_id=int(key), stored_paper_id=int(entry["paper"])))
            continue
        try:
            with default_storage.open(entry["path"], "rb") as handle:
                content = handle.read()
        except (OSError, KeyError) as error:
            raise ValidationFailed(
                _("Tệp đã tải lên không còn lưu tạm; vui lòng tải lại ở bước 3."),
                extra={"errors": {"documents": _("Tải lại giấy tờ.")}},
            ) from error
        attachments.append(
            services.Attachment(required_document_id=int(key), upload=ContentFile(content, name=entry["filename"]))
        )
    mode = agency["filing_mode"]
    return services.Filing(
        version=version,
        receiving_agency=agencies[agency["receiving_agency"]],
        deciding_agency=agencies[agency["deciding_agency"]],
        form_data=dict(state.get("form") or {}),
        attachments=attachments,
        applicant_name=user.full_name,
        applicant_id_number=user.citizen_id or user.tax_code or "",
        applicant_address=user.address or "",
        applicant_phone=agency.get("phone") or user.phone or "",
        applicant_email=agency.get("email") or user.email or "",
        filing_mode=mode,
        principal_name=agency.get("principal_name", "") if mode == FilingMode.ON_BEHALF else "",
        principal_id_number=agency.get("principal_id_number", "") if mode == FilingMode.ON_BEHALF else "",
        authorisation_note=agency.get("authorisation_note", "") if mode == FilingMode.ON_BEHALF else "",
        assisted_by=agency.get("assisted_by", "") if mode == FilingMode.ASSISTED else "",
        delivery=agency.get("delivery") or Delivery.ONLINE,
        idempotency_key=submission,
    )


# Where to send the citizen to fix each kind of error the service names.
ERROR_STEPS = {
    "deciding_agency": "portal:apply",
    "receiving_agency": "portal:apply",
    "filing_mode": "portal:apply",
    "principal": "portal:apply",
    "assisted_by": "portal:apply",
    "delivery": "portal:apply",
    "form": "portal:apply_form",
    "documents": "portal:apply_documents",
    "attachments": "portal:apply_documents",
}


def _error_rows(procedure: Procedure, error: ApplicationError) -> list[dict[str, str]]:
    rows = []
    for key, value in (error.extra.get("errors") or {}).items():
        text = " ".join(" ".join(m) for m in value.values()) if isinstance(value, dict) else str(value)
        step = ERROR_STEPS.get(key)
        if step is None:
            url = reverse("accounts:profile")
        else:
            url = reverse(step, args=[procedure.code]) + f"?tiep={RETURN_TO_CHECK}"
        rows.append({"text": text, "url": url})
    return rows


def _already_filed(request: HttpRequest, procedure: Procedure, dossier: Any) -> HttpResponse:
    """A second "Nộp hồ sơ" with the same one-time token: show the dossier the first one filed."""
    state = request.session.pop(SESSION_PREFIX + procedure.code, None)
    if isinstance(state, dict):
        _discard_files(state)
    messages.info(
        request, _("Hồ sơ này đã được nộp, mã hồ sơ %(code)s; không nộp lần thứ hai.") % {"code": dossier.code}
    )
    return redirect("portal:apply_done", dossier.code)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply_check(request: HttpRequest, code: str) -> HttpResponse:
    """Step 4: check your answers, then file (the one write: ``dossier_submit_online``).

    The form carries the wizard's one-time submission token; the service files at most one
    dossier per token, so a double tap (even two requests at the same moment) shows the dossier
    the first one filed.
    """
    procedure, version = _procedure_for_apply(code)
    user = citizen_of(request)
    posted = (request.POST.get("ma_nop") or "")[:100] if request.method == "POST" else ""
    filed = filing_selectors.dossier_by_submission_key(owner=user, key=posted)
    if filed is not None:
        return _already_filed(request, procedure, filed)
    state = _state(request, procedure, version)
    missing = _first_missing_step(state, version)
    if missing is not None:
        return redirect(missing, procedure.code)
    state.setdefault("submission", secrets.token_urlsafe(24))
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if posted != state["submission"]:
            messages.error(request, _("Trang kiểm tra đã cũ; vui lòng xem lại thông tin rồi bấm “Nộp hồ sơ”."))
            errors = [{"text": _("Thông tin có thể đã thay đổi ở một cửa sổ khác."), "url": request.path}]
        else:
            try:
                dossier = services.dossier_submit_online(
                    applicant=user,
                    filing=_filing(state, version, user, submission=posted),
                    authenticated_by=login_method(request, user),
                )
            except services.AlreadyFiled as replay:
                return _already_filed(request, procedure, replay.dossier)
            except ApplicationError as error:
                # A twin request may have filed meanwhile (and removed the temporary files this one read).
                filed = filing_selectors.dossier_by_submission_key(owner=user, key=posted)
                if filed is not None:
                    return _already_filed(request, procedure, filed)
                messages.error(request, error.message)
                errors = _error_rows(procedure, error)
            else:
                _discard_files(state)
                request.session.pop(SESSION_PREFIX + procedure.code, None)
                return redirect("portal:apply_done", dossier.code)
    agency = state["agency"]
    names = {a.pk: a.name for a in [*services.implementing_agencies(version), *services.receiving_agencies()]}
    change = f"?tiep={RETURN_TO_CHECK}"
    fee_lines = fees.fees_due(version, state.get("form") or {})
    context = _wizard_context(procedure, version, 4)
    context.update(
        {
            "agency": agency,
            "deciding_name": names.get(agency["deciding_agency"], ""),
            "receiving_name": names.get(agency["receiving_agency"], ""),
            "mode_label": FilingMode(agency["filing_mode"]).label,
            "delivery_label": Delivery(agency.get("delivery") or Delivery.ONLINE).label,
            "eform_rows": eform_rows(version, state.get("form") or {}),
            "document_rows": _document_summary(version, state.get("docs") or {}),
            "fee_lines": fee_lines,
            "fee_total": sum(line.total for line in fee_lines),
            "errors": errors,
            "change": change,
            "applicant": user,
            "submission": state["submission"],
            "declaration": services.declaration_document(version),
            "signs": signing_selectors.certificate_of_user(user) is not None,
        }
    )
    _save_state(request, procedure, state)
    return render(request, "portal/dossiers/apply_check.html", context, status=400 if errors else 200)


@citizen_required
@require_POST
def apply_cancel(request: HttpRequest, code: str) -> HttpResponse:
    """Forget the application in progress and its temporary files."""
    state = request.session.pop(SESSION_PREFIX + code[:40], None)
    if isinstance(state, dict):
        _discard_files(state)
    messages.info(request, _("Đã hủy hồ sơ đang soạn."))
    return redirect("portal:procedure", code)


@citizen_required
@require_safe
def apply_done(request: HttpRequest, code: str) -> HttpResponse:
    try:
        dossier = sel.citizen_dossier(user=citizen_of(request), code=code)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    return render(request, "portal/dossiers/apply_done.html", {"dossier": dossier})
