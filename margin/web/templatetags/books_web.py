"""Display helpers of the books and revenue screens: a signed journal amount as its debit or credit column, a
hash shortened, a progress fraction as a percentage."""

from __future__ import annotations

from decimal import Decimal

from django import template

from margin.core.money import Money

register = template.Library()


@register.simple_tag
def debit(minor: int, currency: str) -> str:
    """A line's debit column: the amount when it is a debit (positive), else nothing."""
    return f"{Money.from_minor(int(minor), currency).amount:,}" if minor > 0 else ""


@register.simple_tag
def credit(minor: int, currency: str) -> str:
    """A line's credit column: the amount when it is a credit (negative), else nothing."""
    return f"{Money.from_minor(-int(minor), currency).amount:,}" if minor < 0 else ""


@register.simple_tag
def unsigned_money(minor: int, currency: str) -> str:
    """`-1234.50 EUR` → `1,234.50 EUR`: a foreign amount beside its line, whose column says the side."""
    return str(Money.from_minor(abs(int(minor)), currency))


@register.filter
def short_hash(value: str) -> str:
    return f"{value[:10]}…" if value else ""


@register.filter
def progress_pct(value: Decimal | float | None) -> str:
    """A progress of 0 to 1 as a percentage with one decimal: 0.6667 → `66.7 %`."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.1f} %"
