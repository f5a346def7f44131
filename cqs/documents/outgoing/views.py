"""Outgoing documents pages (/van-ban/di/…): the boxes, drafting and editing, one document with its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, NotFoundOrForbidden, ValidationFailed
from cqs.documents.downloads import file_download
from cqs.documents.exchange.recall import outgoing_recall
from cqs.documents.models import DocumentFile, IncomingDocument, OutgoingDocument, OutgoingStatus, Recipient
from cqs.documents.outgoing import forms, transitions
from cqs.documents.outgoing import selectors as sel
from cqs.documents.outgoing import services as svc
from cqs.documents.outgoing.transitions import Action
from cqs.documents.permissions import incoming_visible_to

PAGE_SIZE = 30

DONE: dict[str, Any] = {
    "upload_draft": gettext_lazy("Đã tải lên phiên bản dự thảo mới."),
    "attach": gettext_lazy("Đã đính kèm phụ lục."),
    "detach": gettext_lazy("Đã bỏ phụ lục."),
    "comment": gettext_lazy("Đã ghi ý kiến góp ý."),
    "submit": gettext_lazy("Đã trình dự thảo."),
    "review": gettext_lazy("Đã ghi ý kiến của bạn."),
    "return": gettext_lazy("Đã trả lại dự thảo cho người soạn thảo."),
    "sign": gettext_lazy("Đã ký số văn bản."),
    "issue": gettext_lazy("Đã phát hành văn bản."),
    "cancel": gettext_lazy("Đã hủy văn bản."),
    "recall": gettext_lazy("Đã gửi đề nghị lấy lại văn bản đến các nơi nhận điện tử."),
}


def _load(request: HttpRequest, pk: int) -> OutgoingDocument:
    try:
        return sel.outgoing_for(user=request.user, pk=pk)
    except NotFoundOrForbidden as error:
        raise Http404 from error


# ---------------------------------------------------------------- the boxes


@official_required()
@require_safe
def outgoing_list(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    query = form.cleaned_data["q"] or "" if form.is_valid() else ""
    counts = sel.box_counts(user=request.user)
    boxes = sel.boxes_for(request.user)
    box = request.GET.get("hop") or next((b for b in boxes if counts.get(b)), "all")
    if box not in boxes:
        raise Http404
    page = Paginator(sel.outgoing_list(user=request.user, box=box, query=query), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    return render(
        request,
        "documents/outgoing/list.html",
        {
            "documents_tab": "outgoing",
            "form": form,
            "box": box,
            "box_label": sel.BOX_LABELS[box],
            "tabs": [(name, sel.BOX_LABELS[name], counts.get(name)) for name in boxes],
            "page": page,
            "query": query,
            "may_draft": forms.drafting_departments(request.user).exists(),
        },
    )


# ---------------------------------------------------------------- drafting and editing


def _reply_target(request: HttpRequest, raw: Any) -> IncomingDocument | None:
    if raw in (None, ""):
        return None
    text = str(raw)
    if not text.isdigit():
        raise Http404
    found = incoming_visible_to(request.user).filter(pk=int(text[:12])).first()
    if found is None:
        raise Http404
    return found


def _form_page(request: HttpRequest, form: forms.OutgoingForm, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and "tim" not in request.POST else 200
    return render(
        request,
        "documents/outgoing/form.html",
        {"documents_tab": "outgoing", "form": form, "internal_choices": form.internal_choices(), **context},
        status=status,
    )


@official_required(Role.SPECIALIST)
@require_http_methods(["GET", "HEAD", "POST"])
def outgoing_create(request: HttpRequest) -> HttpResponse:
    """A new draft; ``?reply_to=<id>`` starts a reply to an incoming document the user may see."""
    if not forms.drafting_departments(request.user).exists():
        raise Http404
    if request.method != "POST":
        reply_to = _reply_target(request, request.GET.get("reply_to"))
        initial = forms.initial_reply(reply_to) if reply_to is not None else {}
        form = forms.OutgoingForm(initial=initial, user=request.user)
        return _form_page(request, form, reply_to=reply_to)
    form = forms.OutgoingForm(request.POST, user=request.user)
    reply_to = _reply_target(request, request.POST.get("reply_to"))
    if "tim" in request.POST or not form.is_valid():
        return _form_page(request, form, reply_to=reply_to)
    try:
        outgoing = svc.outgoing_create(
            agency=form.cleaned_data["drafting_department"].agency,
            actor=request.user,
            reply_to=reply_to,
            **form.service_kwargs(),
        )
    except NotFoundOrForbidden as error:
        raise Http404 from error
    except ValidationFailed as error:
        form.add_error(None, error.message)
        return _form_page(request, form, reply_to=reply_to)
    messages.success(request, _("Đã tạo văn bản. Hãy tải lên dự thảo (PDF) rồi trình duyệt."))
    return redirect("documents:outgoing_detail", pk=outgoing.pk)


@official_required()
@require_http_methods(["GET", "HEAD", "POST"])
def outgoing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outgoing = _load(request, pk)
    if Action.UPDATE not in transitions.available_actions(request.user, outgoing):
        raise Http404
    if request.method != "POST":
        form = forms.OutgoingForm(initial=forms.initial_from(outgoing), user=request.user)
        return _form_page(request, form, outgoing=outgoing)
    form = forms.OutgoingForm(request.POST, user=request.user)
    if "tim" in request.POST or not form.is_valid():
        return _form_page(request, form, outgoing=outgoing)
    try:
        svc.outgoing_update(outgoing=outgoing, actor=request.user, **form.service_kwargs())
    except NotFoundOrForbidden as error:
        raise Http404 from error
    except ValidationFailed as error:
        form.add_error(None, error.message)
        return _form_page(request, form, outgoing=outgoing)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã lưu thông tin văn bản."))
    return redirect("documents:outgoing_detail", pk=outgoing.pk)


@official_required()
@require_safe
def outgoing_recipients(request: HttpRequest) -> HttpResponse:
    """The internal recipients chooser, refreshed by htmx as the user types (the ticked ones stay)."""
    form = forms.OutgoingForm(request.GET, user=request.user)
    return render(request, "documents/outgoing/_recipients.html", {"internal_choices": form.internal_choices()})


# ---------------------------------------------------------------- one document


def detail_context(
    request: HttpRequest, outgoing: OutgoingDocument, *, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    actions = transitions.available_actions(request.user, outgoing)
    page_actions = [a for a in actions if a not in ("update", "detach")]
    rounds = sel.review_rounds(outgoing)
    drafts = sel.files_of(outgoing, DocumentFile.Kind.DRAFT)
    action_forms = [
        (name, transitions.TRANSITIONS[name].label, (bound or {}).get(name) or forms.action_form(name, outgoing))
        for name in page_actions
    ]
    return {
        "documents_tab": "outgoing",
        "document": outgoing,
        "status_label": OutgoingStatus(outgoing.status).label,
        "drafts": drafts,
        # The newest draft lacks the "Số:" line or the date line: issuing can write the number and the date
        # only in the seal's box.
        "draft_without_places": bool(drafts)
        and outgoing.status != OutgoingStatus.ISSUED
        and not drafts[0].text_pending
        and not {"number", "date"} <= set(drafts[0].places or {}),
        "signed_files": sel.files_of(outgoing, DocumentFile.Kind.SIGNED),
        "issued_file": sel.issued_file(outgoing),
        "attachments": sel.files_of(outgoing, DocumentFile.Kind.ATTACHMENT),
        "recipients": list(outgoing.recipients.select_related("agency")),
        "comments": sel.comments_of(outgoing),
        "rounds": rounds,
        "went_straight": not rounds
        and outgoing.status in (OutgoingStatus.AWAITING_SIGNATURE, OutgoingStatus.SIGNED, OutgoingStatus.ISSUED),
        "current_step": transitions.current_step(outgoing),
        "action_forms": action_forms,
        "may_edit": "update" in actions,
        "may_detach": "detach" in actions,
        "late": sel.issued_late(outgoing),
        "Channel": Recipient.Channel,
    }


@official_required()
@require_safe
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outgoing = _load(request, pk)
    return render(request, "documents/outgoing/detail.html", detail_context(request, outgoing))


@official_required()
@require_safe
def outgoing_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """One file (any draft version, the signed copy, an annex), downloaded (an uploaded file is never shown inline)."""
    try:
        item = sel.outgoing_file_for(user=request.user, pk=pk, file_id=file_id)
        return file_download(item)
    except NotFoundOrForbidden as error:
        raise Http404 from error


def _call(action: str, outgoing: OutgoingDocument, user: Any, form: Any) -> None:
    data = form.cleaned_data
    if action == "upload_draft":
        svc.outgoing_draft_upload(outgoing=outgoing, actor=user, upload=data["file"])
    elif action == "attach":
        svc.outgoing_attachment_add(outgoing=outgoing, actor=user, upload=data["file"])
    elif action == "detach":
        svc.outgoing_attachment_remove(outgoing=outgoing, actor=user, file_id=data["file_id"])
    elif action == "comment":
        svc.outgoing_comment(outgoing=outgoing, actor=user, text=data["text"])
    elif action == "submit":
        svc.outgoing_submit_for_review(outgoing=outgoing, actor=user, reviewers=form.reviewers())
    elif action == "review":
        svc.outgoing_review(
            outgoing=outgoing, actor=user, approve=data["decision"] == "approve", comment=data["comment"] or ""
        )
    elif action == "return":
        svc.outgoing_return(outgoing=outgoing, actor=user, reason=data["reason"])
    elif action == "sign":
        svc.outgoing_sign(outgoing=outgoing, actor=user)
    elif action == "issue":
        svc.outgoing_issue(outgoing=outgoing, actor=user)
    elif action == "cancel":
        svc.outgoing_cancel(outgoing=outgoing, actor=user, reason=data["reason"])
    elif action == "recall":
        outgoing_recall(outgoing=outgoing, actor=user, reason=data["reason"])


@official_required()
@require_POST
def outgoing_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in forms.ACTION_FORMS:
        raise Http404
    outgoing = _load(request, pk)
    form = forms.action_form(action, outgoing, data=request.POST, files=request.FILES)
    if not form.is_valid():
        context = detail_context(request, outgoing, bound={action: form})
        context["open_action"] = action
        return render(request, "documents/outgoing/detail.html", context, status=400)
    try:
        _call(action, outgoing, request.user, form)
    except NotFoundOrForbidden as error:
        if not transitions.may(request.user, Action(action), outgoing):
            raise Http404 from error
        messages.error(request, error.message)
        return redirect("documents:outgoing_detail", pk=outgoing.pk)
    except ValidationFailed as error:
        form.add_error(None, error.message)
        context = detail_context(request, outgoing, bound={action: form})
        context["open_action"] = action
        return render(request, "documents/outgoing/detail.html", context, status=400)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:outgoing_detail", pk=outgoing.pk)
    messages.success(request, str(DONE[action]))
    if action == "issue":
        outgoing.refresh_from_db()
        if sel.issued_late(outgoing):
            messages.warning(
                request,
                _(
                    "Văn bản được phát hành muộn: theo Nghị định 30/2020/NĐ-CP, văn bản phải được phát hành "
                    "ngay trong ngày ký, chậm nhất là ngày làm việc tiếp theo."
                ),
            )
    if not sel.outgoing_list(user=request.user).filter(pk=outgoing.pk).exists():
        return redirect("documents:outgoing_list")
    return redirect("documents:outgoing_detail", pk=outgoing.pk)
