"""The tabs of the documents section, linking only to the pages that exist in this installation."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Each tab: its key (pages pass it as ``documents_tab``), its label and its URL name; a tab whose
# page is missing from this installation is left out rather than breaking every page of the section.
TABS: list[tuple[str, Any, str]] = [
    ("incoming", _("Văn bản đến"), "documents:incoming_list"),
    ("outgoing", _("Văn bản đi"), "documents:outgoing_list"),
    ("pending", _("Chờ tiếp nhận điện tử"), "documents:exchange_pending"),
    ("registers", _("Sổ văn bản"), "documents:register_incoming"),
    ("search", _("Tra cứu"), "documents:search"),
    ("work_files", _("Hồ sơ công việc"), "documents:workfiles"),
]


@register.simple_tag
def documents_tabs(current: str = "") -> list[dict[str, Any]]:
    """[{"key", "label", "url", "current"}] for the tabs whose page exists."""
    tabs = []
    for key, label, name in TABS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tabs.append({"key": key, "label": label, "url": url, "current": key == current})
    return tabs
