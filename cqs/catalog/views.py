"""The catalog manager's pages (not Django admin).

The pages live in ``views_manage`` (list, procedure, version and its lists) and
``views_exchange`` (import and export); this module holds what they share: the
access rule and the way a service refusal is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from cqs.accounts.permissions import official_required
from cqs.catalog import selectors
from cqs.catalog.models import ProcedureVersion
from cqs.catalog.permissions import can_manage_catalog
from cqs.core.errors import ApplicationError, NotFoundOrForbidden

View = Callable[..., HttpResponse]


def catalog_manager_required(view: View) -> View:
    """A signed-in, TOTP-verified official whom the catalog policy lets manage; anyone else gets a 404.

    ``official_required`` sends anonymous visitors to the login page and officials who have not
    passed the second factor to it; citizens, and officials without a catalog role, get a 404.
    """

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_manage_catalog(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return official_required()(checked)


def version_or_404(pk: int) -> ProcedureVersion:
    """The version for the manager's pages; "not found" and "forbidden" both end in a 404."""
    try:
        return selectors.version_get_for_manager(pk=pk)
    except (NotFoundOrForbidden, ProcedureVersion.DoesNotExist) as error:
        raise Http404 from error


def error_details(error: ApplicationError) -> list[dict[str, Any]]:
    """The detailed problems a refusal carries (``extra["errors"]``), each as a dict with a message."""
    details = error.extra.get("errors") if error.extra else None
    if isinstance(details, dict):
        details = [{"field": key, "where": key, "message": value} for key, value in details.items()]
    if not isinstance(details, list | tuple):
        return []
    found: list[dict[str, Any]] = []
    for item in details:
        if isinstance(item, dict):
            found.append({**item, "message": str(item.get("message") or item.get("error") or item)})
        else:
            found.append({"message": str(item)})
    return found


def add_form_errors(form: Any, error: ApplicationError, *, fields: dict[str, str] | None = None) -> None:
    """Show a refusal on a form: each problem next to its field when the form has it, the rest on top."""
    fields = fields or {}
    details = error_details(error)
    if not details:
        form.add_error(None, error.message)
        return
    for item in details:
        key = str(item.get("field") or "")
        key = fields.get(key, key)
        if key and key in form.fields:
            form.add_error(key, item["message"])
        else:
            form.add_error(None, item["message"])
