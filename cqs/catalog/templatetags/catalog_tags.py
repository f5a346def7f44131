"""Template filters of the catalog pages: money in đồng, hours, status badges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def _group(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


@register.filter
def dong(value: object) -> str:
    """Whole đồng with a dot between thousands: ``1500000`` → ``1.500.000 đồng``."""
    if value is None or value == "":
        return ""
    try:
        amount = int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{_group(str(abs(amount)))} đồng"


@register.filter
def hours(value: object) -> str:
    """A number of working hours without trailing zeros, with a decimal comma: ``2.50`` → ``2,5``."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@register.filter
def status_badge(status: str) -> str:
    """The CSS class of a version status badge."""
    return {
        "published": "badge-full",
        "checked": "badge-partial",
        "draft": "badge-none",
        "superseded": "badge-none",
    }.get(status, "")
