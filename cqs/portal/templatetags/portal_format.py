"""Formatting for citizens: money in đồng with dots, plain numbers, counts of copies."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _group(number: int) -> str:
    return f"{number:,}".replace(",", ".")


@register.filter
def dong(amount: int | None) -> str:
    """8000 → "8.000 đồng"; 0 → "Miễn phí"; None → ""."""
    if amount is None or amount == "":
        return ""
    value = int(amount)
    if value == 0:
        return _("Miễn phí")
    return _("%(amount)s đồng") % {"amount": _group(value)}


@register.filter
def plain_number(value: Decimal | int | float | None) -> str:
    """1.00 → "1", 0.50 → "0,5", 1200 → "1.200": no trailing zeros, Vietnamese separators."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return _group(int(number))
    whole, _dot, fraction = format(number.normalize(), "f").partition(".")
    return f"{_group(int(whole))},{fraction}"


@register.filter
def copies_text(document: object) -> str:
    """ "1 bản chính, 2 bản sao" for a required document (nothing when both are zero)."""
    originals = int(getattr(document, "originals", 0) or 0)
    copies = int(getattr(document, "copies", 0) or 0)
    parts = []
    if originals:
        parts.append(ngettext("%(n)d bản chính", "%(n)d bản chính", originals) % {"n": originals})
    if copies:
        parts.append(ngettext("%(n)d bản sao", "%(n)d bản sao", copies) % {"n": copies})
    return ", ".join(parts)


@register.filter
def percent_of(part: int | None, whole: int | None) -> int:
    """The whole-number percentage ``part`` is of ``whole`` (0 when ``whole`` is 0)."""
    if not whole:
        return 0
    return round(100 * int(part or 0) / int(whole))
