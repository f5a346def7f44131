from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    name = "cqs.administration"
    label = "administration"
    verbose_name = _("Quản trị hệ thống")
