"""Checks on free text that every input path shares. No Django here.

PostgreSQL refuses NUL bytes in text columns with an error deep inside the driver; we refuse them at
the door with a message instead, on both databases, so the behaviour is the same everywhere.
"""

from __future__ import annotations

from margin.core.errors import Invalid


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise Invalid(f"{field.capitalize()} contains a NUL byte, which is not allowed.", field=field)
    if required and not text:
        raise Invalid(f"{field.capitalize()} is required.", field=field)
    if len(text) > max_length:
        raise Invalid(f"{field.capitalize()} is longer than {max_length} characters.", field=field)
    return text
