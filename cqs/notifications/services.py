"""Sending notices: in the account's inbox, and by email when it has an address; mail and text
messages to an address that has no account yet (the codes of registration and password reset).

The inbox notice is written at once; mail and text messages are background jobs
(``cqs.notifications.tasks``) deferred in the transaction that asks for them, so a refused change
never sends anything and a mail server or gateway that is down is retried with backoff.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.mail import send_mail
from django.utils import timezone

from cqs.core.errors import NotFoundOrForbidden
from cqs.notifications.models import Notification
from cqs.notifications.sms import sms_backend


def notification_send(*, user: AbstractUser, title: str, body: str, url: str = "") -> Notification:
    """Store the notice, and defer its email in the same transaction."""
    from cqs.notifications.tasks import notification_email_send

    notice = Notification.objects.create(user_id=user.pk, title=title[:300], body=body, url=url[:500])
    if user.email:
        notification_email_send.defer(notification_id=notice.pk)
    return notice


def notification_email(*, notification_id: int) -> None:
    """Email one notice not yet emailed; a mail server that is down raises (the job is retried)."""
    notice = Notification.objects.select_related("user").filter(pk=notification_id, emailed_at__isnull=True).first()
    if notice is None or not notice.user.email:
        return
    link = f"{settings.CQS_PUBLIC_URL.rstrip('/')}{notice.url}" if notice.url else ""
    send_mail(
        subject=notice.title,
        message=f"{notice.body}\n\n{link}".strip(),
        from_email=None,
        recipient_list=[notice.user.email],
    )
    Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())


def email_send(*, to: str, subject: str, body: str) -> None:
    """Mail to an address (not an account's inbox): a job deferred in the current transaction."""
    from cqs.notifications.tasks import email_deliver_job

    email_deliver_job.defer(to=to, subject=subject, body=body)


def email_deliver(*, to: str, subject: str, body: str) -> None:
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


def sms_send(*, to: str, text: str) -> None:
    """A text message (``CQS_SMS_BACKEND``): a job deferred in the current transaction."""
    from cqs.notifications.tasks import sms_deliver_job

    sms_deliver_job.defer(to=to, text=text)


def sms_deliver(*, to: str, text: str) -> None:
    sms_backend().send(to=to, text=text)


def notification_mark_read(*, user: AbstractUser, notification_id: int) -> Notification:
    notice = Notification.objects.filter(pk=notification_id, user_id=user.pk).first()
    if notice is None:
        raise NotFoundOrForbidden("Không tìm thấy thông báo.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
