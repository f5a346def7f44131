from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cqs.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản và vai trò")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cqs.accounts.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="cqs.accounts.start_idle_clock")
