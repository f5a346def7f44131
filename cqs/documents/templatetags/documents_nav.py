"""The tabs of the documents section, linking only to the pages that exist in this installation and that the
reader may open."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cqs.accounts.models import Role
from cqs.accounts.permissions import user_is_verified_official

register = template.Library()

# Each tab: its key (pages pass it as ``documents_tab``), its label, its URL name and the role its page
# asks for (None: any official); a tab whose page is missing from this installation is left out rather
# than breaking every page of the section, and so is a tab whose page would answer "not found".
TABS: list[tuple[str, Any, str, str | None]] = [
    ("incoming", _("Văn bản đến"), "documents:incoming_list", None),
    ("outgoing", _("Văn bản đi"), "documents:outgoing_list", None),
    ("pending", _("Chờ tiếp nhận điện tử"), "documents:exchange_pending", Role.CLERK),
    ("registers", _("Sổ văn bản"), "documents:register_incoming", None),
    ("search", _("Tra cứu"), "documents:search", None),
    ("work_files", _("Hồ sơ công việc"), "documents:workfiles", None),
]


@register.simple_tag
def documents_tabs(user: Any, current: str = "") -> list[dict[str, Any]]:
    """[{"key", "label", "url", "current"}] for the tabs whose page exists and lets ``user`` in."""
    tabs = []
    for key, label, name, role in TABS:
        if role is not None and not user_is_verified_official(user, role):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tabs.append({"key": key, "label": label, "url": url, "current": key == current})
    return tabs
