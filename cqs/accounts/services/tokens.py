"""Bearer tokens for integrations: issued (with an end date, always), revoked."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqs.accounts.models import ApiToken, User
from cqs.accounts.permissions import is_administrator
from cqs.accounts.selectors import token_digest
from cqs.accounts.services._common import invalid
from cqs.core.audit import audit_record, snapshot
from cqs.core.errors import NotFoundOrForbidden, ValidationFailed
from cqs.core.text import nfc

API_TOKEN_FIELDS = ["id", "user", "name", "prefix", "expires_at", "revoked_at", "created_at"]


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, actor: User | None, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and only its SHA-256 digest is kept.

    Without ``expires_at`` the token lasts ``CQS_API_TOKEN_DAYS``; none lasts longer than
    ``CQS_API_TOKEN_MAX_DAYS``. An account whose identity is not verified gets none.
    """
    if not (actor is not None and actor.pk == user.pk) and not is_administrator(actor):
        raise NotFoundOrForbidden(_("Bạn không có quyền thực hiện thao tác này."))
    if not user.is_active:
        raise ValidationFailed(_("Tài khoản đã bị khoá, không cấp mã truy cập được."))
    if not user.identity_verified:
        raise ValidationFailed(
            _(
                "Tài khoản chưa được xác minh danh tính nên chưa được cấp mã truy cập. "
                "Hãy đăng nhập bằng VNeID hoặc mang CCCD tới Bộ phận Một cửa để xác minh."
            ),
            code="identity_unverified",
        )
    now = timezone.now()
    errors: dict[str, str] = {}
    clean_name = nfc(name or "")
    if not clean_name:
        errors["name"] = _("Vui lòng đặt tên cho mã truy cập (ví dụ: tên hệ thống dùng mã).")
    elif len(clean_name) > 100:
        errors["name"] = _("Tên mã truy cập dài quá 100 ký tự.")
    if expires_at is None:
        expires_at = now + dt.timedelta(days=settings.CQS_API_TOKEN_DAYS)
    elif expires_at <= now:
        errors["expires_at"] = _("Thời điểm hết hạn phải ở tương lai.")
    elif expires_at > now + dt.timedelta(days=settings.CQS_API_TOKEN_MAX_DAYS, hours=24):
        errors["expires_at"] = _("Mã truy cập dùng được tối đa %(days)s ngày.") % {
            "days": settings.CQS_API_TOKEN_MAX_DAYS
        }
    if errors:
        raise invalid(errors)
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=clean_name, digest=token_digest(raw), prefix=raw[:8], expires_at=expires_at
    )
    audit_record(actor=actor, action="account.api_token_issue", obj=token, after=snapshot(token, API_TOKEN_FIELDS))
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    if not (actor is not None and actor.pk == token.user_id) and not is_administrator(actor):
        raise NotFoundOrForbidden(_("Không tìm thấy mã truy cập."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationFailed(_("Mã truy cập này đã bị thu hồi từ trước."))
    before = snapshot(token, API_TOKEN_FIELDS)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="account.api_token_revoke",
        obj=token,
        before=before,
        after=snapshot(token, API_TOKEN_FIELDS),
    )
    return token
