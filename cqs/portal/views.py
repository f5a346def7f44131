"""The citizen portal: find a procedure and read everything needed before applying.

Views only read GET parameters and call the catalog's selectors; pages work without JavaScript.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from cqs.catalog import selectors
from cqs.catalog.eforms import eform_class
from cqs.catalog.models import Level, OnlineLevel, ProcedureVersion
from cqs.catalog.revision_cache import catalogue_cache
from cqs.core.errors import NotFoundOrForbidden
from cqs.core.uploads import download_response

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200

# GET parameter names (Vietnamese, visible in the address bar).
PARAM_QUERY = "q"
PARAM_FIELD = "linh-vuc"
PARAM_LEVEL = "cap"
PARAM_AGENCY = "co-quan"
PARAM_ONLINE = "muc-do"
PARAM_PAGE = "trang"


@dataclass(frozen=True)
class Filters:
    """What the citizen asked for, cleaned: unknown values are dropped, never an error."""

    query: str = ""
    field_code: str | None = None
    level: str | None = None
    agency_code: str | None = None
    online_level: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Filters:
        def text(name: str, limit: int = 60) -> str | None:
            value = " ".join(request.GET.get(name, "").split())[:limit]
            return value or None

        level = text(PARAM_LEVEL)
        online = text(PARAM_ONLINE)
        return cls(
            query=text(PARAM_QUERY, MAX_QUERY_LENGTH) or "",
            field_code=text(PARAM_FIELD),
            level=level if level in Level.values else None,
            agency_code=text(PARAM_AGENCY),
            online_level=online if online in OnlineLevel.values else None,
        )

    def as_query(self) -> QueryDict:
        """The filters as the address's parameters (what the pagination links carry)."""
        params = QueryDict(mutable=True)
        for name, value in (
            (PARAM_QUERY, self.query),
            (PARAM_FIELD, self.field_code),
            (PARAM_LEVEL, self.level),
            (PARAM_AGENCY, self.agency_code),
            (PARAM_ONLINE, self.online_level),
        ):
            if value:
                params[name] = value
        return params

    @property
    def any_filter(self) -> bool:
        return any((self.field_code, self.level, self.agency_code, self.online_level))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    facets = selectors.catalog_facets()
    context: dict[str, Any] = {
        "fields": facets.fields,
        "agencies": facets.agencies,
        "levels": _level_rows(facets.levels),
        "figures": facets.figures,
    }
    return render(request, "portal/home.html", context)


@require_safe
def procedure_list(request: HttpRequest) -> HttpResponse:
    """The search page: its content is the same for everyone, so it is kept per catalogue revision.

    The content (search form, filters, results, pagination) is rendered without the request from
    the cleaned filters and the page asked for, and kept under those, the language and the day
    (the agency counts depend on it) in ``catalogue_cache``; the page around it (header with the
    user's name, CSRF tokens, CSP nonce) is rendered for each request.
    """
    filters = Filters.from_request(request)
    page = request.GET.get(PARAM_PAGE, "")[:12]
    key = ("portal.procedures", get_language(), timezone.localdate().isoformat(), *astuple(filters), page)
    body = catalogue_cache.get_or_build(key, lambda: _procedure_list_body(filters, page))
    return render(request, "portal/procedure_list.html", {"filters": filters, "body": body})


def _procedure_list_body(filters: Filters, page_number: str) -> str:
    """The list page's content (a safe string), from the catalogue only: no request, no user."""
    results = selectors.procedure_search(
        query=filters.query,
        field_code=filters.field_code,
        level=filters.level,
        agency_code=filters.agency_code,
        online_level=filters.online_level,
    )
    page = Paginator(results, PAGE_SIZE).get_page(page_number)
    facets = selectors.catalog_facets()
    fields = facets.fields
    context: dict[str, Any] = {
        "filters": filters,
        "params": filters.as_query(),
        "page_obj": page,
        "result_count": page.paginator.count,
        "fields": fields,
        "agencies": facets.agencies,
        "level_choices": Level.choices,
        "online_choices": OnlineLevel.choices,
        "suggested_fields": fields[:6],
    }
    return get_template("portal/_procedure_list_body.html").render(context)


@require_safe
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        procedure = selectors.procedure_get_published(code=code)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    version = procedure.current_version
    if version is None:  # a published procedure always has one; be safe anyway
        raise Http404
    version.procedure = procedure  # already loaded: spares the e-form builder a query
    context: dict[str, Any] = {
        "procedure": procedure,
        "version": version,
        "eform": _eform_preview(version),
        "online": procedure.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL),
    }
    return render(request, "portal/procedure_detail.html", context)


@require_safe
def document_template(request: HttpRequest, code: str, document_id: int) -> HttpResponse:
    """The template file (mẫu đơn, tờ khai) of a document of the procedure's current version, as a download."""
    try:
        document = selectors.document_template_get_published(code=code, document_id=document_id)
    except NotFoundOrForbidden as error:
        raise Http404(error.message) from error
    try:
        handle = document.template_file.storage.open(document.template_file.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return download_response(
        handle, filename=document.template_filename, kind=document.template_kind, size=document.template_size
    )


def _eform_preview(version: ProcedureVersion) -> forms.Form | None:
    """The procedure's electronic form, every field disabled: a preview, never submitted."""
    form_class = eform_class(version)
    form = form_class(auto_id="tk_%s")
    if not form.fields:
        return None
    for field in form.fields.values():
        field.disabled = True
    return form


def _level_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    """(value, label, count) rows for every level, in the order of the choices."""
    return [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Level.choices]
