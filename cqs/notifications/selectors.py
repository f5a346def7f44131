from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db.models import QuerySet

from cqs.notifications.models import Notification


def notifications_for(*, user: AbstractUser) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk)


def unread_count(*, user: AbstractUser) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
