"""Tell the applicant what happened to their dossier (in-app and by email), after the change commits."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cqs.dossiers.models import DossierEvent, Status
from cqs.notifications.services import notification_send

# Events that concern the applicant; hand-overs between officials do not (texts marked for extraction).
CITIZEN_EVENTS = {
    "submit": gettext_noop("Đã nhận hồ sơ nộp trực tuyến, chờ Bộ phận Một cửa tiếp nhận."),
    "receive": gettext_noop("Hồ sơ đã được tiếp nhận tại Bộ phận Một cửa."),
    "accept": gettext_noop("Hồ sơ đã được tiếp nhận và đang được giải quyết."),
    "refuse": gettext_noop("Hồ sơ không được tiếp nhận."),
    "request_supplement": gettext_noop("Cơ quan giải quyết yêu cầu bổ sung, hoàn thiện hồ sơ."),
    "answer_supplement": gettext_noop("Đã nhận giấy tờ bổ sung; hồ sơ tiếp tục được giải quyết."),
    "request_payment": gettext_noop("Vui lòng nộp phí, lệ phí để hồ sơ tiếp tục được giải quyết."),
    "record_payment": gettext_noop("Đã ghi nhận phí, lệ phí; hồ sơ tiếp tục được giải quyết."),
    "apologise": gettext_noop("Cơ quan giải quyết xin lỗi, đề nghị gia hạn; xem ngày hẹn trả mới."),
    "stop": gettext_noop("Hồ sơ đã bị dừng giải quyết."),
    "withdraw": gettext_noop("Đã nhận yêu cầu rút hồ sơ."),
    "confirm_withdrawal": gettext_noop("Hồ sơ đã được rút."),
    "finish": gettext_noop("Hồ sơ đã có kết quả."),
    "approve": gettext_noop("Hồ sơ đã có kết quả."),
    "return_result": gettext_noop("Kết quả đã được trả."),
}


def dossier_event_notify(*, event_id: int) -> None:
    event = DossierEvent.objects.select_related("dossier__applicant").filter(pk=event_id).first()
    if event is None or event.action not in CITIZEN_EVENTS:
        return
    if event.action == "approve" and event.to_status != Status.FINISHED:
        return
    dossier = event.dossier
    if dossier.applicant is None:
        return
    body = _(CITIZEN_EVENTS[event.action])
    if event.note:
        body += "\n" + _("Nội dung: %(note)s") % {"note": event.note}
    if dossier.due_at is not None and dossier.is_open:
        body += "\n" + _("Hẹn trả kết quả: %(due)s") % {
            "due": timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
        }
    notification_send(
        user=dossier.applicant,
        title=_("Hồ sơ %(code)s: %(status)s") % {"code": dossier.code, "status": Status(dossier.status).label},
        body=body,
        url=reverse("portal:dossier", args=[dossier.code]),
    )
