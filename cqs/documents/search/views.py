"""The full-text search page over incoming and outgoing documents."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.dbrouters import reading_from_replica
from cqs.documents.permissions import agencies_with_role
from cqs.documents.search import selectors as selectors_search
from cqs.documents.search.forms import SearchForm


@official_required()
@require_safe
@reading_from_replica()
def search(request: HttpRequest) -> HttpResponse:
    if not agencies_with_role(request.user):
        raise Http404
    form = SearchForm(request.GET or None)
    result: selectors_search.SearchPage | None = None
    params = ""
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        filters = selectors_search.SearchFilters(
            query=data["q"],
            kind=data["loai"] or "",
            year=data["nam"],
            document_type=data["loai_van_ban"].pk if data["loai_van_ban"] else None,
            urgency=data["do_khan"] or "",
        )
        try:
            page = int(request.GET.get("trang", "1"))
        except ValueError:
            page = 1
        result = selectors_search.document_search(user=request.user, filters=filters, page=page)
        copy = request.GET.copy()
        copy.pop("trang", None)
        params = copy.urlencode()
    return render(
        request,
        "documents/registers/search.html",
        {
            "documents_tab": "search",
            "form": form,
            "result": result,
            "params": params,
            "page_size": selectors_search.PAGE_SIZE,
        },
        status=400 if form.errors else 200,
    )
