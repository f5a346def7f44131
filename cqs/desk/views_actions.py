"""One POST per desk action: validate the small form, call the one service, say what happened."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cqs.accounts.permissions import official_required
from cqs.core.errors import ApplicationError, NotFoundOrForbidden, ValidationFailed
from cqs.desk.actions import ACTIONS, make_form
from cqs.desk.views import _load, dossier_context
from cqs.dossiers.models import Status
from cqs.dossiers.permissions import may_see


@official_required()
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    dossier = _load(request, code)
    page = reverse("desk:dossier", args=[dossier.code])
    form = make_form(action, dossier, data=request.POST, files=request.FILES)
    if not form.is_valid():
        context = dossier_context(request, dossier, bound={action: form})
        context["open_action"] = action
        return render(request, "desk/dossier.html", context, status=400)
    try:
        result = ACTIONS[action].call(dossier, request.user, form.cleaned_data)  # type: ignore[arg-type]
    except NotFoundOrForbidden as error:
        shown = form.cleaned_data.get("state") or ""
        if shown and shown != dossier.status:
            # Someone acted first and the dossier moved on: say so instead of "not found".
            messages.error(
                request,
                _("Không thể thực hiện: hồ sơ %(code)s vừa được người khác xử lý, đang ở trạng thái «%(status)s».")
                % {"code": dossier.code, "status": Status(dossier.status).label},
            )
            return redirect(page)
        raise Http404 from error
    except ValidationFailed as error:
        form.add_error(None, error.message)
        context = dossier_context(request, dossier, bound={action: form})
        context["open_action"] = action
        return render(request, "desk/dossier.html", context, status=400)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(page)
    messages.success(request, str(ACTIONS[action].done))
    if not may_see(request.user, result):
        return redirect("desk:worklist")
    return redirect(page)
