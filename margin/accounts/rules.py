"""Pure rules of accounts, no Django: checks of what a firm types when it sets itself up (invoice number
formats, bank accounts, months; each raises `Invalid` naming the field at fault), and the arithmetic of
sign-in (throttling, the client's address behind proxies, recovery codes).

Invoice numbers are gapless per company *and year* (billing.InvoiceSequence restarts every January),
so a format must name the year, or the first invoice of next year would repeat this year's first number.
"""

from __future__ import annotations

import ipaddress
import math
import re
import string
from collections.abc import Sequence
from datetime import datetime, timedelta

from margin.core.errors import Invalid

# What Company.invoice_number_format is by default: `2026-0001`, Margin's numbers before formats existed.
DEFAULT_INVOICE_NUMBER_FORMAT = "{YYYY}-{NNNN}"
INVOICE_NUMBER_MAX_LENGTH = 32  # billing.Invoice.number
FORMAT_MAX_LENGTH = 64
MAX_NUMBER_DIGITS = 10
# Literal characters a number may hold besides the tokens: what accounting systems and e-invoices accept.
_LITERAL = re.compile(r"[A-Za-z0-9/._# -]*")
_TOKEN = re.compile(r"\{([^{}]*)\}")


def digits_format(digits: int) -> str:
    """The format that writes numbers as they were written with `digits` digits: `{YYYY}-{NNNN}`."""
    return "{YYYY}-{" + "N" * digits + "}"


def _parts(pattern: str) -> list[str]:
    """The pattern split into literals and tokens (`{YYYY}`, `{YY}`, `{NNN}`); Invalid if it is not one."""
    field = "invoice_number_format"
    if not pattern:
        raise Invalid("An invoice number format is required, e.g. INV-{YYYY}-{NNNN}.", field=field)
    if len(pattern) > FORMAT_MAX_LENGTH:
        raise Invalid(f"An invoice number format has at most {FORMAT_MAX_LENGTH} characters.", field=field)
    parts: list[str] = []
    at = 0
    for match in _TOKEN.finditer(pattern):
        parts.append(pattern[at : match.start()])
        parts.append(match.group(0))
        at = match.end()
    parts.append(pattern[at:])
    years = numbers = 0
    for part in parts:
        if part.startswith("{"):
            token = part[1:-1]
            if token in ("YYYY", "YY"):
                years += 1
            elif token and set(token) == {"N"} and len(token) <= MAX_NUMBER_DIGITS:
                numbers += 1
            else:
                raise Invalid(
                    f"{part} is not a part of an invoice number: use {{YYYY}} or {{YY}} for the year and "
                    f"{{NNNN}} for the number (one N per digit, at most {MAX_NUMBER_DIGITS}).",
                    field=field,
                )
        elif not _LITERAL.fullmatch(part):
            bad = next(c for c in part if not _LITERAL.fullmatch(c))
            raise Invalid(
                f"{bad!r} cannot be in an invoice number: use letters, digits, spaces and - / . _ #.", field=field
            )
    if years != 1:
        raise Invalid(
            "Name the year once ({YYYY} or {YY}): numbers restart every year, so without it they would repeat.",
            field=field,
        )
    if numbers != 1:
        raise Invalid("Put the number in the format once, e.g. {NNNN} for 0001.", field=field)
    if parts[0].startswith(" ") or parts[-1].endswith(" "):
        raise Invalid("An invoice number format cannot start or end with a space.", field=field)
    return parts


def check_invoice_number_format(pattern: str) -> str:
    """The pattern, if it makes valid numbers that fit an invoice (sequences up to 999,999 a year)."""
    parts = _parts(pattern)
    widest = format_invoice_number(pattern, year=2999, sequence=999_999, parts=parts)
    if len(widest) > INVOICE_NUMBER_MAX_LENGTH:
        raise Invalid(
            f"Numbers made by this format would be longer than {INVOICE_NUMBER_MAX_LENGTH} characters ({widest}).",
            field="invoice_number_format",
        )
    return pattern


def format_invoice_number(pattern: str, *, year: int, sequence: int, parts: list[str] | None = None) -> str:
    """`INV-{YYYY}/{NNNN}`, 2026, 7 → `INV-2026/0007`. Gapless per company and year: the caller allocates
    `sequence`. A sequence wider than its token is written in full (10000 in `{NNNN}`)."""
    written = []
    for part in parts if parts is not None else _parts(pattern):
        if part == "{YYYY}":
            written.append(f"{year:04d}")
        elif part == "{YY}":
            written.append(f"{year % 100:02d}")
        elif part.startswith("{"):
            written.append(f"{sequence:0{len(part) - 2}d}")
        else:
            written.append(part)
    return "".join(written)


# --- bank accounts -------------------------------------------------------------------------------

# Length of an IBAN per country (ISO 13616 registry, the SEPA countries and others that use IBANs).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")


def check_iban(text: str) -> str:
    """An IBAN in its electronic form (no spaces, upper case), if its country, length and ISO 7064
    mod-97 check digits are right; '' stays '' (no bank account)."""
    iban = "".join(text.split()).upper()
    if not iban:
        return ""
    if not _IBAN.fullmatch(iban):
        raise Invalid(
            "An IBAN is a country code, two check digits and up to 30 letters or digits, e.g. DE89 3704 0044 "
            "0532 0130 00.",
            field="iban",
        )
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        raise Invalid(f"{iban[:2]} is not a country that uses IBANs.", field="iban")
    if len(iban) != expected:
        raise Invalid(f"An IBAN of {iban[:2]} has {expected} characters, not {len(iban)}.", field="iban")
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(string.digits.index(c)) if c.isdigit() else str(ord(c) - 55) for c in rearranged)
    if int(number) % 97 != 1:
        raise Invalid("This IBAN's check digits are wrong: a character is mistyped.", field="iban")
    return iban


def format_iban(iban: str) -> str:
    """The IBAN in groups of four, as it is printed on an invoice."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def check_bic(text: str) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters: bank, country, location, branch; '' stays ''."""
    bic = "".join(text.split()).upper()
    if not bic:
        return ""
    if not _BIC.fullmatch(bic):
        raise Invalid("A BIC has 8 or 11 characters: 4 letters for the bank, 2 for the country, then 2 or 5 "
                      "letters or digits, e.g. DEUTDEFF.", field="bic")  # fmt: skip
    return bic


def check_month(value: object, *, field: str = "fiscal_year_start_month") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise Invalid("A month is a number from 1 (January) to 12 (December).", field=field)
    return value


# --- sign-in ---------------------------------------------------------------------------------------

# Recovery codes: 16 characters of Crockford's base32 (80 bits), shown as four groups of four.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_LENGTH = 16


def throttle_wait(failures: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> timedelta | None:
    """How long until another try is allowed, or None when it is allowed now.

    `failures` are the times of failures inside the window. At `limit` of them the next try waits until
    enough of the oldest leave the window to bring the count below the limit."""
    recent = sorted(at for at in failures if now - at < window)
    if limit <= 0 or len(recent) < limit:
        return None
    # The try is allowed again once the (len - limit + 1)-th oldest failure is older than the window.
    pivot = recent[len(recent) - limit]
    return max(pivot + window - now, timedelta(seconds=1))


def minutes_text(wait: timedelta) -> str:
    """`12 minutes`, `1 minute`: a wait rounded up to whole minutes for a message."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The address a request came from. Behind `trusted_proxies` proxies that each append to
    X-Forwarded-For, it is the entry that many places from the right; a malformed entry falls back to
    the connection's own address (a client can write anything to the left of what proxies add)."""
    candidate = remote_addr
    if trusted_proxies > 0:
        hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(hops) >= trusted_proxies:
            candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        try:
            return str(ipaddress.ip_address(remote_addr))
        except ValueError:
            return "0.0.0.0"  # noqa: S104 - an address to count under, never one to bind to


def recovery_code_normalised(text: str) -> str:
    """What a person typed, as stored: upper case, no dashes or spaces; Crockford's look-alikes mapped
    (O→0, I and L→1)."""
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t")
    return cleaned.translate(str.maketrans("OIL", "011"))


def recovery_code_display(code: str) -> str:
    """`ABCD-EFGH-JKMN-PQRS`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def looks_like_recovery_code(text: str) -> bool:
    code = recovery_code_normalised(text)
    return len(code) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def looks_like_totp(text: str) -> bool:
    code = text.replace(" ", "")
    return len(code) == 6 and code.isdigit()
