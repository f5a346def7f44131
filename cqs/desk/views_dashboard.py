"""The unit's one-stop figures for a period, with a per-month chart and its table, and the digitisation shares."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cqs.accounts.permissions import official_required
from cqs.core.dbrouters import reading_from_replica
from cqs.desk import forms
from cqs.documents.outgoing import dashboard as selectors_dashboard
from cqs.dossiers import selectors
from cqs.dossiers.permissions import may_print_register

CHART_HEIGHT = 160
BAR_WIDTH = 14
GROUP_GAP = 14
CHART_TOP = 10
AXIS_LEFT = 30
SHARE_WIDTH = 240  # the length of a 100 % bar
SHARE_ROW = 40
SHARE_BAR = 14


def chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry for received vs finished per month, and the on-time rate as a dot (0–100 %)."""
    peak = max([1, *(m["received"] for m in months), *(m["finished"] for m in months)])
    group = 2 * BAR_WIDTH + GROUP_GAP
    bars = []
    for index, month in enumerate(months):
        x = AXIS_LEFT + index * group + GROUP_GAP // 2
        received_h = round(CHART_HEIGHT * month["received"] / peak)
        finished_h = round(CHART_HEIGHT * month["finished"] / peak)
        rate = month["on_time_rate"]
        bars.append(
            {
                **month,
                "x": x,
                "received_y": CHART_TOP + CHART_HEIGHT - received_h,
                "received_h": received_h,
                "finished_x": x + BAR_WIDTH,
                "finished_y": CHART_TOP + CHART_HEIGHT - finished_h,
                "finished_h": finished_h,
                "label_x": x + BAR_WIDTH,
                "rate_y": None if rate is None else round(CHART_TOP + CHART_HEIGHT * (1 - rate / 100), 1),
            }
        )
    return {
        "bars": bars,
        "width": AXIS_LEFT + len(months) * group + 10,
        "height": CHART_TOP + CHART_HEIGHT + 30,
        "base_y": CHART_TOP + CHART_HEIGHT,
        "label_y": CHART_TOP + CHART_HEIGHT + 16,
        "top_y": CHART_TOP,
        "peak": peak,
        "bar_width": BAR_WIDTH,
        "axis_left": AXIS_LEFT,
    }


def shares(figures: dict[str, Any], documents: dict[str, Any]) -> list[dict[str, Any]]:
    """The digitisation shares (766 criteria 4.1, 4.2 and the outgoing documents), each with its bar geometry."""
    rows = [
        (_("4.1 Hồ sơ có kết quả điện tử"), figures["e_result"], figures["finished"], figures["e_result_rate"]),
        (_("4.2 Hồ sơ được số hóa"), figures["digitised"], figures["finished"], figures["digitised_rate"]),
        (_("Văn bản đi gửi điện tử"), documents["electronic"], documents["may_travel"], documents["electronic_rate"]),
        (_("Văn bản đi ký số"), documents["signed"], documents["issued"], documents["signed_rate"]),
    ]
    result = []
    for index, (label, part, whole, rate) in enumerate(rows):
        top = index * SHARE_ROW
        result.append(
            {
                "label": label,
                "part": part,
                "whole": whole,
                "rate": rate,
                "label_y": top + 11,
                "bar_y": top + 16,
                "width": round(SHARE_WIDTH * (rate or 0) / 100, 1),
                "value_x": round(SHARE_WIDTH * (rate or 0) / 100, 1) + 4,
                "value_y": top + 16 + SHARE_BAR - 3,
            }
        )
    return result


@official_required()
@require_safe
@reading_from_replica()
def dashboard(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agencies_of(user=request.user)
    if not agencies:
        raise Http404
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("co_quan"):
        data["co_quan"] = str(agencies[0].pk)
    today = timezone.localdate()
    form = forms.PeriodForm(
        data,
        agencies=agencies,
        initial={"co_quan": agencies[0].pk, "tu_ngay": today.replace(month=1, day=1), "den_ngay": today},
    )
    figures: dict[str, Any] | None = None
    documents: dict[str, Any] | None = None
    if data is None:
        agency, start, end = agencies[0], today.replace(month=1, day=1), today
    elif form.is_valid():
        agency = next(a for a in agencies if a.pk == form.cleaned_data["co_quan"])
        start, end = form.cleaned_data["tu_ngay"], form.cleaned_data["den_ngay"]
    else:
        agency = None
    if agency is not None:
        figures = selectors.unit_dashboard(agency=agency, start=start, end=end)
        documents = selectors_dashboard.outgoing_shares(agency=agency, start=start, end=end)
    return render(
        request,
        "desk/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "documents": documents,
            "chart": chart(figures["months"]) if figures else None,
            "may_print_register": agency is not None and may_print_register(request.user, agency.pk),
            "shares": shares(figures, documents) if figures and documents else None,
            "share_chart": {
                "width": SHARE_WIDTH + 60,
                "height": 4 * SHARE_ROW,
                "bar": SHARE_BAR,
                "full": SHARE_WIDTH,
            },
        },
        status=200 if figures else 400,
    )
