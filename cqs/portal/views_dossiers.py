"""The citizen's dossiers after filing: follow, answer a supplement request, withdraw, choose the delivery, rate;
the public status look-up; the citizen's store of papers. Applying is in ``views_apply``.

Every write is one call to ``cqs.dossiers.services``; reads go through ``selectors_dossiers``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cqs.accounts.models import User
from cqs.core.errors import ApplicationError, NotFoundOrForbidden
from cqs.core.ratelimit import RateLimited, too_many_requests
from cqs.core.uploads import download_response, kind_extension
from cqs.dossiers import documents, services, transitions
from cqs.dossiers import selectors_filing as filing_selectors
from cqs.dossiers.models import Status
from cqs.portal import forms_dossiers as f
from cqs.portal import selectors_dossiers as sel

ViewFunc = Callable[..., HttpResponseBase]
PAGE_SIZE = 20


def citizen_required(view: ViewFunc) -> ViewFunc:
    """Anonymous → the login page; an official (or a disabled account) → 404, like a missing page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "is_official", False) or not user.is_active:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def citizen_of(request: HttpRequest) -> User:
    return cast(User, request.user)


# ---------------------------------------------------------------- my dossiers


@citizen_required
@require_safe
def dossier_list(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("loai", "")
    if which not in (sel.FILTER_OPEN, sel.FILTER_CLOSED):
        which = ""
    page = Paginator(sel.citizen_dossiers(user=citizen_of(request), which=which), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    return render(
        request,
        "portal/dossiers/list.html",
        {
            "page_obj": page,
            "which": which,
            "filters": [("", _("Tất cả")), (sel.FILTER_OPEN, _("Đang xử lý")), (sel.FILTER_CLOSED, _("Đã kết thúc"))],
        },
    )


def _page(request: HttpRequest, code: str) -> sel.DossierPage:
    try:
        return sel.citizen_dossier_page(user=citizen_of(request), code=code)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error


def _render_detail(request: HttpRequest, page: sel.DossierPage, status: int = 200, **forms: Any) -> HttpResponse:
    dossier = page.dossier
    offered = transitions.available_actions(citizen_of(request), dossier)
    context: dict[str, Any] = {
        "page": page,
        "dossier": dossier,
        "printed_forms": [
            (reverse("dossier_forms:form", args=[dossier.code, form]), form, title)
            for form, title in documents.forms_for(dossier, citizen=True)
        ],
        "can_withdraw": transitions.Action.WITHDRAW in offered,
        "can_choose_delivery": transitions.Action.CHOOSE_DELIVERY in offered,
        "can_rate": transitions.Action.RATE in offered,
        "can_supplement": transitions.Action.ANSWER_SUPPLEMENT in offered,
        "supplement_form": forms.get("supplement_form")
        or (f.SupplementForm(items=page.supplement.items) if page.supplement else None),
        "delivery_form": forms.get("delivery_form") or f.DeliveryForm(initial={"delivery": dossier.delivery}),
        "rate_form": forms.get("rate_form") or f.RateForm(),
        "status_closed": not dossier.is_open and dossier.status != Status.FINISHED,
    }
    return render(request, "portal/dossiers/detail.html", context, status=status)


@citizen_required
@require_safe
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _render_detail(request, _page(request, code))


@citizen_required
@require_POST
def dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    page = _page(request, code)
    if page.supplement is None:
        messages.error(request, _("Hồ sơ không có yêu cầu bổ sung đang chờ."))
        return redirect("portal:dossier", page.dossier.code)
    form = f.SupplementForm(request.POST, request.FILES, items=page.supplement.items)
    if form.is_valid():
        attachments = [
            services.Attachment(required_document_id=None, name=item, upload=upload) for item, upload in form.checked
        ]
        try:
            services.dossier_answer_supplement(
                dossier=page.dossier, actor=citizen_of(request), attachments=attachments, note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã gửi giấy tờ bổ sung; hồ sơ tiếp tục được giải quyết."))
            return redirect("portal:dossier", page.dossier.code)
    return _render_detail(request, page, status=400, supplement_form=form)


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Withdraw, after a confirmation page with the reason."""
    page = _page(request, code)
    dossier = page.dossier
    refused = transitions.refusal(dossier, transitions.Action.WITHDRAW)
    if refused is not None:
        messages.error(request, refused)
        return redirect("portal:dossier", dossier.code)
    form = f.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_withdraw(dossier=dossier, actor=citizen_of(request), reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã gửi yêu cầu rút hồ sơ."))
            return redirect("portal:dossier", dossier.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/dossiers/withdraw.html", {"dossier": dossier, "form": form}, status=status)


@citizen_required
@require_POST
def dossier_delivery(request: HttpRequest, code: str) -> HttpResponse:
    page = _page(request, code)
    form = f.DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.dossier_choose_delivery(
                dossier=page.dossier, actor=citizen_of(request), delivery=form.cleaned_data["delivery"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Đã lưu cách nhận kết quả."))
            return redirect("portal:dossier", page.dossier.code)
    return _render_detail(request, page, status=400, delivery_form=form)


@citizen_required
@require_POST
def dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    page = _page(request, code)
    form = f.RateForm(request.POST)
    if form.is_valid():
        try:
            services.dossier_rate(
                dossier=page.dossier,
                actor=citizen_of(request),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("portal:dossier", page.dossier.code)
        messages.success(request, _("Cảm ơn bạn đã đánh giá."))
        return redirect("portal:dossier", page.dossier.code)
    return _render_detail(request, page, status=400, rate_form=form)


@citizen_required
@require_safe
def dossier_file(request: HttpRequest, code: str, file_id: int) -> HttpResponseBase:
    """A file of the citizen's own dossier (their papers, the result) as a download."""
    try:
        item = sel.citizen_dossier_file(user=citizen_of(request), code=code, file_id=file_id)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    try:
        handle = item.file.storage.open(item.file.name, "rb")
    except OSError as error:
        raise Http404 from error
    return download_response(
        handle, filename=f"{item.name}.{kind_extension(item.kind)}", kind=item.kind, size=item.size
    )


# ---------------------------------------------------------------- the public lookup


@require_safe
def dossier_lookup(request: HttpRequest) -> HttpResponse:
    """Anyone with a code learns the dossier's progress, and no personal data."""
    form = f.LookupForm(request.GET or None)
    result = None
    searched = False
    if request.GET and form.is_valid():
        try:
            filing_selectors.lookup_rate_check(request)
        except RateLimited as error:
            return too_many_requests(request, error)
        searched = True
        result = sel.dossier_public_status(code=form.cleaned_data["ma"])
    return render(
        request,
        "portal/dossiers/lookup.html",
        {"form": form, "result": result, "searched": searched, "now": timezone.now()},
    )


# ---------------------------------------------------------------- my papers


@citizen_required
@require_safe
def paper_list(request: HttpRequest) -> HttpResponse:
    return _render_papers(request, f.PaperForm())


def _render_papers(request: HttpRequest, form: f.PaperForm, status: int = 200) -> HttpResponse:
    papers = list(sel.citizen_papers(user=citizen_of(request)))
    return render(request, "portal/dossiers/papers.html", {"papers": papers, "form": form}, status=status)


@citizen_required
@require_POST
def paper_add(request: HttpRequest) -> HttpResponse:
    form = f.PaperForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.stored_paper_add(
                owner=citizen_of(request), name=form.cleaned_data["name"], upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu giấy tờ vào kho."))
            return redirect("portal:papers")
    return _render_papers(request, form, status=400)


@citizen_required
@require_safe
def paper_download(request: HttpRequest, paper_id: int) -> HttpResponseBase:
    try:
        paper = sel.citizen_paper(user=citizen_of(request), paper_id=paper_id)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    try:
        handle = paper.file.storage.open(paper.file.name, "rb")
    except OSError as error:
        raise Http404 from error
    return download_response(
        handle, filename=f"{paper.name}.{kind_extension(paper.kind)}", kind=paper.kind, size=paper.size
    )
