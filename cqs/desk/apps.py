from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "cqs.desk"
    label = "desk"
    verbose_name = _("Bộ phận Một cửa")
