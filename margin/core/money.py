"""Exact money: an amount in one currency, rounded to the currency's minor unit.

Rounding rule (ADR 0001): ROUND_HALF_UP, i.e. halves go away from zero (commercial rounding, the
rule invoices and EN 16931 examples use). It is applied in exactly one place, `Money.rounded()`.
Stored amounts are integer minor units (`to_minor` / `from_minor`) so that SQL sums are exact.
This module must not import Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ROUNDING = ROUND_HALF_UP

# ISO 4217 minor units of the currencies in circulation (the list-one table, active codes).
# Absent codes are refused rather than guessed.
_TWO_DIGITS = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR
    KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD
    SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD
    TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
"""
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DIGITS.split(), 2),
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}

# Far beyond any real invoice, far below 2**63 minor units: refuses absurd input early.
MAX_ABS_AMOUNT = Decimal("1e13")


class CurrencyError(ValueError):
    """An unknown currency, or arithmetic across two currencies."""


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise CurrencyError(f"Unknown currency {currency!r}: use an ISO 4217 code such as EUR.") from None


def is_currency(code: str) -> bool:
    return code in MINOR_UNITS


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        minor_units(self.currency)
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))
        if not self.amount.is_finite():
            raise ValueError("A money amount must be a finite number.")

    # construction ------------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    @classmethod
    def parse(cls, text: str | int | Decimal, currency: str) -> Money:
        try:
            amount = Decimal(str(text).strip())
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a number.") from None
        if not amount.is_finite() or abs(amount) >= MAX_ABS_AMOUNT:
            raise ValueError(f"{text!r} is out of range for a money amount.")
        return cls(amount, currency)

    # rounding ----------------------------------------------------------------------------------
    def rounded(self) -> Money:
        """Round to the currency's minor unit with the one documented rule (ROUND_HALF_UP)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUNDING), self.currency)

    def to_minor(self) -> int:
        """Integer minor units of the rounded amount (what the database stores)."""
        return int(self.rounded().amount.scaleb(minor_units(self.currency)))

    # arithmetic --------------------------------------------------------------------------------
    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}.")
        if other.currency != self.currency:
            raise CurrencyError(f"Cannot combine {self.currency} with {other.currency}.")
        return other

    def __add__(self, other: object) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: object) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, Money | float):
            raise TypeError("Multiply money by an exact Decimal or int, never by money or a float.")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __str__(self) -> str:
        return f"{self.rounded().amount:,} {self.currency}"

    # splitting ---------------------------------------------------------------------------------
    def allocate(self, weights: Sequence[int | Decimal]) -> list[Money]:
        """Split the rounded amount by weights so the parts add up exactly (largest remainder).

        Each part gets the floor of its exact share in minor units; the minor units left over go,
        one each, to the parts with the largest remainders (ties: earlier part first).
        """
        if not weights:
            raise ValueError("allocate() needs at least one weight.")
        if any(Decimal(w) < 0 for w in weights):
            raise ValueError("allocate() weights must not be negative.")
        total_weight = sum(Decimal(w) for w in weights)
        if total_weight == 0:
            raise ValueError("allocate() weights must not all be zero.")
        total_minor = self.to_minor()
        sign = -1 if total_minor < 0 else 1
        magnitude = abs(total_minor)
        shares = [Decimal(magnitude) * Decimal(w) / total_weight for w in weights]
        parts = [int(share) for share in shares]  # floor: shares are non-negative
        leftover = magnitude - sum(parts)
        by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
        for i in by_remainder[:leftover]:
            parts[i] += 1
        return [Money.from_minor(sign * p, self.currency) for p in parts]


def sum_money(items: Sequence[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total
