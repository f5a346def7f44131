"""Pages of incoming documents: the work boxes, registering, one document with its slip, its files, the slip PDF."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cqs.accounts.models import Role
from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, InvalidTransition, NotFoundOrForbidden, ValidationFailed
from cqs.documents import numbering
from cqs.documents.downloads import file_download
from cqs.documents.incoming import forms, selectors, services, transitions
from cqs.documents.models import Channel, DocumentFile, IncomingDocument, IncomingStatus, Register
from cqs.documents.permissions import agencies_with_role
from cqs.units.models import Agency

PAGE_SIZE = 30


@dataclass(frozen=True)
class Action:
    """One slip action on the page: its form, how it calls its service, what the person is told."""

    name: str
    form: type[forms.SlipForm]
    call: Callable[[IncomingDocument, Any, dict[str, Any]], Any]
    button: Any
    done: Any


ACTIONS: dict[str, Action] = {
    action.name.replace("_", "-"): action
    for action in (
        Action(
            "direct",
            forms.DirectForm,
            lambda d, u, c: services.incoming_direct(
                incoming=d,
                actor=u,
                instruction=c["instruction"],
                lead_department=c["lead_department"],
                coordinating_departments=list(c["coordinating_departments"]),
                deadline=c["deadline"],
            ),
            gettext_lazy("Cho ý kiến chỉ đạo"),
            gettext_lazy("Đã ghi ý kiến chỉ đạo và giao đơn vị chủ trì."),
        ),
        Action(
            "assign_handler",
            forms.AssignForm,
            lambda d, u, c: services.incoming_assign_handler(incoming=d, actor=u, handler=c["handler"], note=c["note"]),
            gettext_lazy("Giao chuyên viên xử lý"),
            gettext_lazy("Đã giao chuyên viên xử lý."),
        ),
        Action(
            "propose",
            forms.ProposeForm,
            lambda d, u, c: services.incoming_propose(incoming=d, actor=u, proposal=c["proposal"]),
            gettext_lazy("Ghi ý kiến đề xuất"),
            gettext_lazy("Đã ghi ý kiến đề xuất."),
        ),
        Action(
            "complete",
            forms.CompleteForm,
            lambda d, u, c: services.incoming_complete(incoming=d, actor=u, note=c["note"], reply=c["reply"]),
            gettext_lazy("Hoàn thành xử lý"),
            gettext_lazy("Đã hoàn thành xử lý văn bản."),
        ),
        Action(
            "comment",
            forms.CommentForm,
            lambda d, u, c: services.incoming_comment(incoming=d, actor=u, text=c["text"]),
            gettext_lazy("Gửi ý kiến"),
            gettext_lazy("Đã ghi ý kiến."),
        ),
        Action(
            "return",
            forms.ReturnForm,
            lambda d, u, c: services.incoming_return(incoming=d, actor=u, reason=c["reason"]),
            gettext_lazy("Trả lại nơi gửi"),
            gettext_lazy("Đã trả lại văn bản cho nơi gửi."),
        ),
    )
}


# ---------------------------------------------------------------- the work boxes


def _default_box(counts: dict[str, int]) -> str:
    for box in ("to_direct", "mine", "lead", "coordinate"):
        if counts.get(box):
            return box
    return "all"


@official_required()
@require_safe
def incoming_list(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    counts = selectors.box_counts(user=request.user)
    box = request.GET.get("hop") or _default_box(counts)
    if box not in selectors.BOXES:
        raise Http404
    documents = selectors.incoming_list(user=request.user, box=box, query=query)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("trang"))
    today = timezone.localdate()
    return render(
        request,
        "documents/incoming/list.html",
        {
            "form": form,
            "query": query,
            "box": box,
            "box_label": selectors.BOXES[box],
            "tabs": [(name, label, counts[name]) for name, label in selectors.BOXES.items()],
            "page": page,
            "rows": [(d, selectors.deadline_badge(d, today=today)) for d in page.object_list],
            "urgent": list(selectors.urgent_waiting(user=request.user)[:20]),
            "may_register": bool(agencies_with_role(request.user, Role.CLERK)),
            "documents_tab": "incoming",
        },
    )


# ---------------------------------------------------------------- registering


def _clerk_agencies(request: HttpRequest) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=agencies_with_role(request.user, Role.CLERK)).order_by("name")


def _files(form: forms.RegisterForm) -> list[services.IncomingFile]:
    items: list[services.IncomingFile] = []
    main = form.cleaned_data.get("main_file")
    if main:
        kind = DocumentFile.Kind.MAIN if form.cleaned_data["channel"] == Channel.ELECTRONIC else DocumentFile.Kind.SCAN
        items.append(services.IncomingFile.from_upload(main, kind=kind))
    for upload in form.cleaned_data.get("attachments") or []:
        items.append(services.IncomingFile.from_upload(upload, kind=DocumentFile.Kind.ATTACHMENT))
    return items


@official_required(Role.CLERK)
@require_http_methods(["GET", "HEAD", "POST"])
def incoming_register(request: HttpRequest) -> HttpResponse:
    agencies = _clerk_agencies(request)
    if not agencies.exists():
        raise Http404
    form = forms.RegisterForm(request.POST or None, request.FILES or None, agencies=agencies)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                files = _files(form)
                document = services.incoming_register(
                    agency=data["agency"],
                    actor=request.user,  # type: ignore[arg-type]
                    channel=data["channel"],
                    sender_name=data["sender_name"],
                    sender_code=data["sender_code"],
                    code_number=data["code_number"],
                    code_notation=data["code_notation"],
                    document_date=data["document_date"],
                    document_type=data["document_type"],
                    subject=data["subject"],
                    signer_name=data["signer_name"],
                    urgency=data["urgency"],
                    secrecy=data["secrecy"],
                    reply_due=data["reply_due"],
                    files=files,
                    note=data["note"],
                )
            except ValidationFailed as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Đã vào sổ văn bản đến số %(number)s/%(year)s.")
                    % {"number": document.number, "year": document.year},
                )
                return redirect("documents:incoming_detail", pk=document.pk)
        status = 400
    return render(
        request,
        "documents/incoming/register.html",
        {"form": form, "documents_tab": "incoming"},
        status=status,
    )


# ---------------------------------------------------------------- one document


def _load(request: HttpRequest, pk: int) -> IncomingDocument:
    try:
        return selectors.incoming_for(user=request.user, pk=pk)
    except NotFoundOrForbidden as error:
        raise Http404 from error


def _action_forms(
    request: HttpRequest,
    document: IncomingDocument,
    available: Sequence[str],
    *,
    bound: tuple[str, django_forms.Form] | None = None,
) -> list[tuple[str, Action, django_forms.Form]]:
    shown = []
    for slug, action in ACTIONS.items():
        if action.name not in available:
            continue
        form = bound[1] if bound is not None and bound[0] == slug else action.form(document=document, prefix=slug)
        shown.append((slug, action, form))
    return shown


def _optional_url(name: str, *args: Any) -> str:
    """The URL of a page another part of the section provides, or "" when this installation lacks it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _detail_context(
    request: HttpRequest, document: IncomingDocument, *, bound: tuple[str, django_forms.Form] | None = None
) -> dict[str, Any]:
    actions = transitions.available_actions(request.user, document)
    create_url = _optional_url("documents:outgoing_create")
    return {
        "document": document,
        "reply_url": f"{create_url}?reply_to={document.pk}" if create_url and "propose" in actions else "",
        "replies": [(reply, _optional_url("documents:outgoing_detail", reply.pk)) for reply in document.replies.all()],
        "status_label": IncomingStatus(document.status).label,
        "badge": selectors.deadline_badge(document),
        "files": list(document.files.all()),
        "comments": list(document.comments.all()),
        "coordinators": list(document.coordinating_departments.all()),
        "register_label": Register(document.register).label,
        "action_forms": _action_forms(request, document, actions, bound=bound),
        "open_action": bound[0] if bound else "",
        "documents_tab": "incoming",
    }


@official_required()
@require_safe
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _load(request, pk)
    return render(request, "documents/incoming/detail.html", _detail_context(request, document))


@official_required()
@require_safe
def incoming_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    try:
        item = selectors.incoming_file_for(user=request.user, pk=pk, file_id=file_id)
    except NotFoundOrForbidden as error:
        raise Http404 from error
    try:
        return file_download(item)
    except NotFoundOrForbidden as error:
        raise Http404 from error


@official_required()
@require_safe
def incoming_slip_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The handling slip (phiếu giải quyết văn bản đến) as a printable PDF."""
    import weasyprint  # imported here: it takes a second to load, and only the printing needs it

    document = _load(request, pk)
    html = render_to_string(
        "documents/incoming/slip_pdf.html",
        {
            "document": document,
            "agency_name": document.agency.name,
            "place": numbering.place_name(document.agency),
            "today": timezone.localdate(),
            "coordinators": list(document.coordinating_departments.all()),
            "comments": list(document.comments.all()),
        },
    )
    content = weasyprint.HTML(string=html).write_pdf()
    response = HttpResponse(bytes(content or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-giai-quyet-{document.year}-{document.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@official_required()
@require_POST
def incoming_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    document = _load(request, pk)
    spec = ACTIONS[action]
    page = reverse("documents:incoming_detail", args=[document.pk])
    form = spec.form(request.POST, document=document, prefix=action)
    if form.is_valid():
        try:
            spec.call(document, request.user, form.cleaned_data)
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect(page)
        except ValidationFailed as error:
            form.add_error(None, error.message)
        except NotFoundOrForbidden as error:
            raise Http404 from error
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(page)
        else:
            messages.success(request, str(spec.done))
            return redirect(page)
    context = _detail_context(request, document, bound=(action, form))
    return render(request, "documents/incoming/detail.html", context, status=400)
