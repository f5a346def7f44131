"""Sending notices: in the account's inbox, and by email when it has an address; mail and text
messages to an address that has no account yet (the codes of registration and password reset).

Mail and text messages leave only after the transaction that asked for them commits, so a
refused change never sends anything.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from cqs.core.errors import NotFoundOrForbidden
from cqs.notifications.models import Notification
from cqs.notifications.sms import SmsUnavailable, sms_backend

logger = logging.getLogger(__name__)


def notification_send(*, user: AbstractUser, title: str, body: str, url: str = "") -> Notification:
    """Store the notice, then email it once the transaction has committed."""
    notice = Notification.objects.create(user_id=user.pk, title=title[:300], body=body, url=url[:500])
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


def email_send(*, to: str, subject: str, body: str) -> None:
    """Mail to an address (not an account's inbox), sent once the transaction commits."""

    def deliver() -> None:
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
        except OSError:
            logger.warning("Không gửi được thư tới một địa chỉ (%s)", subject, exc_info=True)

    transaction.on_commit(deliver)


def sms_send(*, to: str, text: str) -> None:
    """A text message through the configured backend (``CQS_SMS_BACKEND``), sent once the transaction commits."""

    def deliver() -> None:
        try:
            sms_backend().send(to=to, text=text)
        except (SmsUnavailable, OSError):
            logger.warning("Không gửi được tin nhắn SMS", exc_info=True)

    transaction.on_commit(deliver)


def notification_mark_read(*, user: AbstractUser, notification_id: int) -> Notification:
    notice = Notification.objects.filter(pk=notification_id, user_id=user.pk).first()
    if notice is None:
        raise NotFoundOrForbidden("Không tìm thấy thông báo.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
