from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _grant_app_role(using: str = "default", **kwargs: Any) -> None:
    """After every migrate (run as the owner): the application's role's rights on every table."""
    from django.db import connections

    from cqs.core.dbroles import app_role_name, role_grants

    role = app_role_name(using)
    if role is None:
        return
    with connections[using].cursor() as cursor:
        role_grants(cursor, role)


class CoreConfig(AppConfig):
    name = "cqs.core"
    label = "core"
    verbose_name = _("Lõi nền tảng")

    def ready(self) -> None:
        post_migrate.connect(_grant_app_role, sender=self, dispatch_uid="cqs_core_grant_app_role")
