"""Background jobs of notifications (docs/worker.md): e-mail and text messages, retried with backoff."""

from __future__ import annotations

from cqs.core.jobs import app, retry_backoff
from cqs.notifications.services import email_deliver, notification_email, sms_deliver


@app.task(name="notifications.notification_email", retry=retry_backoff(attempts=6))
def notification_email_send(*, notification_id: int) -> None:
    notification_email(notification_id=notification_id)


@app.task(name="notifications.email_deliver", retry=retry_backoff(attempts=6))
def email_deliver_job(*, to: str, subject: str, body: str) -> None:
    email_deliver(to=to, subject=subject, body=body)


@app.task(name="notifications.sms_deliver", retry=retry_backoff(attempts=6))
def sms_deliver_job(*, to: str, text: str) -> None:
    sms_deliver(to=to, text=text)
