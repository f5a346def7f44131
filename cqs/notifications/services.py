"""Sending notices: in the account's inbox, and by email when it has an address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from cqs.accounts.models import User
from cqs.core.errors import NotFoundOrForbidden
from cqs.notifications.models import Notification

logger = logging.getLogger(__name__)


def notification_send(*, user: User, title: str, body: str, url: str = "") -> Notification:
    """Store the notice, then email it once the transaction has committed."""
    notice = Notification.objects.create(user=user, title=title[:300], body=body, url=url[:500])
    if user.email:
        transaction.on_commit(lambda: notification_email(notification_id=notice.pk))
    return notice


def notification_email(*, notification_id: int) -> None:
    """Email one notice; a mail server that is down leaves the notice unsent (logged), never lost."""
    notice = Notification.objects.select_related("user").filter(pk=notification_id, emailed_at__isnull=True).first()
    if notice is None or not notice.user.email:
        return
    link = f"{settings.CQS_PUBLIC_URL.rstrip('/')}{notice.url}" if notice.url else ""
    try:
        send_mail(
            subject=notice.title,
            message=f"{notice.body}\n\n{link}".strip(),
            from_email=None,
            recipient_list=[notice.user.email],
        )
    except OSError:
        logger.warning("Không gửi được thư thông báo %s", notification_id, exc_info=True)
        return
    Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notice = Notification.objects.filter(pk=notification_id, user=user).first()
    if notice is None:
        raise NotFoundOrForbidden("Không tìm thấy thông báo.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
