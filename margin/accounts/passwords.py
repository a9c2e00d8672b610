"""Refusing guessable passwords: zxcvbn's estimate, fed with what an attacker of this firm would try first.

Django's CommonPasswordValidator knows 20,000 leaked passwords, but not `ada12345` (a first name and a
run of digits) or `Northwind2026` (the firm's name and the year). zxcvbn scores a password by how it is
built (dictionary words, names, dates, sequences, keyboard patterns, l33t) and takes extra words to treat
as known: here the user's names, username and e-mail, and the names of their organisation and companies.
Passwords scoring below `min_score` (3 of 4: "safely unguessable") are refused with zxcvbn's own hint.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

from margin.accounts.models import Company, Membership

# zxcvbn's run time grows with the length; the first 100 characters decide anyway.
CHECKED_LENGTH = 100


def _words(text: str) -> list[str]:
    """`Acme Partners GmbH` → the whole, the whole without spaces and each word (zxcvbn matches user inputs as
    dictionary words)."""
    text = text.strip().lower()
    if not text:
        return []
    parts = [part for part in re.split(r"[^0-9a-zà-ÿ]+", text) if len(part) >= 3]
    return [text, "".join(re.split(r"[^0-9a-zà-ÿ]+", text)), *parts]


def known_words(user: AbstractBaseUser | None) -> list[str]:
    """What an attacker of this user would try first: their names and e-mail, their firm's names."""
    if user is None:
        return []
    words: list[str] = []
    for attribute in ("username", "first_name", "last_name", "email"):
        value = getattr(user, attribute, "") or ""
        words += _words(value.split("@")[0] if attribute == "email" else value)
        if attribute == "email" and "@" in value:
            words += _words(value.split("@", 1)[1].split(".")[0])
    if user.pk is not None:
        for membership in Membership.objects.filter(user_id=user.pk).select_related("organisation"):
            words += _words(membership.organisation.name) + _words(membership.organisation.slug)
            for name in Company.objects.filter(organisation_id=membership.organisation_id).values_list(
                "name", "legal_name"
            ):
                words += _words(name[0]) + _words(name[1])
        person = getattr(user, "person", None)  # the reverse one-to-one: None when there is none
        if person is not None:
            words += _words(person.name)
    return list(dict.fromkeys(words))


class GuessablePasswordValidator:
    """A Django password validator (AUTH_PASSWORD_VALIDATORS) refusing what zxcvbn scores below `min_score`."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        result: dict[str, Any] = zxcvbn(password[:CHECKED_LENGTH], user_inputs=known_words(user))
        if result["score"] >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
        hint = " ".join(h for h in hints if h)
        message = "This password is too easy to guess."
        if hint:
            message += f" {hint}"
        raise ValidationError(message, code="password_guessable")

    def get_help_text(self) -> str:
        return (
            "Your password must not be easy to guess: avoid your name, your firm's name, years and common "
            "words; a few unrelated words make a good password."
        )
