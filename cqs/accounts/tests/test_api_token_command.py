"""``manage.py api_token USERNAME``: a new bearer token printed once, audited; clear refusals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from cqs.accounts.models import ApiToken, Role, User
from cqs.accounts.selectors import api_token_user
from cqs.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_prints_a_working_token_with_its_name_and_lifetime(make_official: Callable[..., User]) -> None:
    official = make_official("motcua", roles=(Role.ONE_STOP_OFFICER,))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        raw, note = _run("motcua", "--name", "Phần mềm một cửa", "--days", "30")
    assert api_token_user(token=raw) == official
    token = ApiToken.objects.get()
    assert token.name == "Phần mềm một cửa" and token.expires_at == start + dt.timedelta(days=30)
    assert "hết hạn" in note and raw not in note
    assert Client().get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    event = AuditEvent.objects.get(action="account.api_token_issue")
    assert event.actor is None and event.actor_label == "hệ thống" and event.after["name"] == "Phần mềm một cửa"


def test_the_default_lifetime(citizen: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CQS_API_TOKEN_DAYS = 90
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _run(citizen.username)
    assert ApiToken.objects.get().expires_at == start + dt.timedelta(days=90)


def test_refusals_are_clear(make_official: Callable[..., User], unverified_citizen: User) -> None:
    citizen = unverified_citizen
    locked = make_official("dakhoa")
    locked.is_active = False
    locked.save()
    with pytest.raises(CommandError, match=re.escape("Tài khoản 'dakhoa' đã bị khoá: không cấp mã truy cập.")):
        _run("dakhoa")
    with pytest.raises(CommandError, match=re.escape("Không có tài khoản 'khongco'.")):
        _run("khongco")
    with pytest.raises(CommandError, match="Tài khoản chưa được xác minh danh tính"):
        _run(citizen.username)
    make_official("motcua")
    for days in ("0", "400"):
        with pytest.raises(CommandError, match=re.escape("--days phải từ 1 đến 365.")):
            _run("motcua", "--days", days)
    assert not ApiToken.objects.exists()
