"""Display formats of the web UI: money, durations, percentages and budget burn colours."""

from __future__ import annotations

from decimal import Decimal

from django import template

from margin.core.money import Money
from margin.core.periods import format_minutes, hours

register = template.Library()


@register.simple_tag
def money(minor: int, currency: str) -> str:
    """Integer minor units and a currency → `1,234.50 USD`."""
    return str(Money.from_minor(int(minor), currency))


@register.simple_tag
def money_amount(minor: int, currency: str) -> str:
    """Integer minor units → the amount without its currency: `1,234.50` (JPY `1,235`)."""
    return f"{Money.from_minor(int(minor), currency).amount:,}"


@register.filter
def amount(value: Money | None) -> str:
    """A Money amount without its currency, rounded to the minor unit: `1,234.50`."""
    if value is None:
        return ""
    return f"{value.rounded().amount:,}"


@register.filter
def hm(minutes: int | None) -> str:
    """Minutes as hours and minutes for totals: 90 → `1:30`, 0 → `0:00`, 137_415 → `2,290:15`."""
    value = int(minutes or 0)
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value), 60)
    return f"{sign}{whole:,}:{rest:02d}"


@register.filter
def hm_blank(minutes: int | None) -> str:
    """Minutes for an input cell: 90 → `1:30`, 0 → empty."""
    return format_minutes(minutes)


@register.filter
def decimal_hours(minutes: int | None) -> str:
    """Minutes as decimal hours with two places, for invoices: 90 → `1.50`."""
    return f"{hours(int(minutes or 0)).quantize(Decimal('0.01')):,}"


@register.filter
def pct(value: Decimal | None) -> str:
    """A percentage with one decimal, or a dash when it is undefined (no budget, no revenue)."""
    if value is None:
        return "—"
    return f"{value:,.1f} %"


@register.filter
def bar_width(value: Decimal | None) -> str:
    """Width of a progress bar: the percentage capped to 0..100, dot-decimal for CSS."""
    if value is None:
        return "0"
    return f"{min(max(value, Decimal(0)), Decimal(100)):.1f}"


@register.filter
def burn_colour(value: Decimal | None) -> str:
    """Red over budget, yellow close to it, green otherwise."""
    if value is None:
        return "bg-secondary"
    if value > 100:
        return "bg-red"
    if value >= 85:
        return "bg-yellow"
    return "bg-green"


@register.filter
def signed_class(minor: int | None) -> str:
    """Text colour for an amount: red when negative."""
    return "text-danger" if minor is not None and minor < 0 else ""


@register.filter
def status_badge(status: str) -> str:
    """Badge classes for entry, invoice, project and job states."""
    return {
        "draft": "bg-secondary-lt",
        "submitted": "bg-blue-lt",
        "approved": "bg-green-lt",
        "rejected": "bg-red-lt",
        "issued": "bg-green-lt",
        "reimbursed": "bg-teal-lt",
        "active": "bg-green-lt",
        "planned": "bg-blue-lt",
        "on_hold": "bg-yellow-lt",
        "closed": "bg-secondary-lt",
        "queued": "bg-secondary-lt",
        "running": "bg-blue-lt",
        "done": "bg-green-lt",
        "failed": "bg-red-lt",
    }.get(status, "bg-secondary-lt")


@register.filter
def status_label(status: str) -> str:
    """`on_hold` → `On hold`."""
    text = str(status or "").replace("_", " ")
    return text[:1].upper() + text[1:]
