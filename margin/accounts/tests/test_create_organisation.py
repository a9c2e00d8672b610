"""`manage.py create_organisation`: from flags and $MARGIN_ADMIN_PASSWORD, or asking in a terminal; refusals
create nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from margin.accounts.models import Membership, Organisation
from margin.core.models import AuditEntry
from tests.checks import table_counts

FLAGS = ["--name", "Initech Consulting", "--username", "bill", "--email", "Bill@Initech.test", "--no-input"]
GOOD = "a long enough passphrase"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_organisation", *args, stdout=out)
    return out.getvalue()


def test_from_flags_and_the_environment(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", GOOD)
    said = _run(*FLAGS)
    assert "Created the organisation Initech Consulting (initech-consulting)" in said
    assert "Settings → Organisation" in said
    organisation = Organisation.objects.get()
    user = User.objects.get()
    assert (organisation.slug, user.username, user.email) == ("initech-consulting", "bill", "bill@initech.test")
    assert Membership.objects.get(user=user, organisation=organisation).role == "admin"
    assert authenticate(username="bill", password=GOOD) == user
    assert AuditEntry.objects.get(action="organisation.create").actor_id == user.pk


@pytest.mark.parametrize(
    ("extra", "password", "match"),
    [
        ([], "", "Set \\$MARGIN_ADMIN_PASSWORD"),
        ([], "short", "Nothing was created \\(password\\): This password is too short"),
        ([], "password123", "too common"),
        (["--slug", "Not A Slug"], GOOD, "Nothing was created \\(slug\\): A slug has lower-case"),
        (["--email", "bill"], GOOD, "Nothing was created \\(email\\)"),
    ],
)
def test_refusals_create_nothing(
    db: None, monkeypatch: pytest.MonkeyPatch, extra: list[str], password: str, match: str
) -> None:
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", password)
    before = table_counts()
    with pytest.raises(CommandError, match=match):
        _run(*FLAGS, *extra)
    assert table_counts() == before


def test_duplicates_are_refused(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", GOOD)
    _run(*FLAGS)
    before = table_counts()
    with pytest.raises(CommandError, match="slug 'initech-consulting' is taken"):
        _run("--name", "Initech Consulting", "--username", "bob", "--email", "bob@x.test", "--no-input")
    with pytest.raises(CommandError, match="user named 'BILL' exists already"):
        _run("--name", "Other", "--username", "BILL", "--email", "b@x.test", "--no-input")
    assert table_counts() == before


def test_missing_flags_without_a_terminal(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", GOOD)
    with pytest.raises(CommandError, match="Give --username"):
        _run("--name", "Initech", "--no-input")
    assert not Organisation.objects.exists()


def test_asks_in_a_terminal(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARGIN_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["Hooli", "", "gavin", "gavin@hooli.test"])  # an empty slug answer takes the default
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    passwords = iter(["first try", "a typo", GOOD, GOOD])  # the first pair differs: asked again
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(passwords))
    err = StringIO()
    out = StringIO()
    call_command("create_organisation", stdout=out, stderr=err)
    assert "differ" in err.getvalue()
    assert Organisation.objects.get().slug == "hooli"
    assert authenticate(username="gavin", password=GOOD) is not None
