"""Text messages (SMS): one seam, a backend named by ``CQS_SMS_BACKEND``.

The platform ships no gateway of its own: a province plugs in its operator's (Viettel,
VNPT…) by writing a class with ``send(*, to, text)`` and naming it in the setting. Shipped:

- ``FileSmsBackend`` (development): each message is written as a file under ``CQS_SMS_FILE_PATH``
  (``var/sms/``) so a developer can read the codes the portal sends;
- ``MemorySmsBackend`` (tests): messages are kept in ``outbox``;
- ``DisabledSmsBackend`` (the production default until a gateway is configured): nothing can be
  sent, and pages that offer SMS hide the choice (``sms_available()`` is False).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    at: dt.datetime


class SmsUnavailable(Exception):
    """No gateway is configured: the message cannot be sent."""


class BaseSmsBackend:
    available: ClassVar[bool] = True

    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError


class DisabledSmsBackend(BaseSmsBackend):
    available = False

    def send(self, *, to: str, text: str) -> None:
        raise SmsUnavailable("CQS_SMS_BACKEND chưa được cấu hình.")


class MemorySmsBackend(BaseSmsBackend):
    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, *, to: str, text: str) -> None:
        MemorySmsBackend.outbox.append(SmsMessage(to=to, text=text, at=timezone.now()))


class FileSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str) -> None:
        folder = Path(settings.CQS_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        name = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.txt"
        (folder / name).write_text(f"Đến: {to}\nLúc: {now.isoformat()}\n\n{text}\n", encoding="utf-8")


def sms_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.CQS_SMS_BACKEND)()
    return backend


def sms_available() -> bool:
    return bool(import_string(settings.CQS_SMS_BACKEND).available)
