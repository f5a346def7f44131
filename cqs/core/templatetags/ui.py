"""Small pieces every page draws the same way."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def code(value: Any) -> SafeString:
    """A dossier or document code kept on one line (never broken mid-number), copied as typed."""
    return format_html('<span class="code">{}</span>', value)
