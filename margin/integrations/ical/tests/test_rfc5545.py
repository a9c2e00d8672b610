"""Escaping and folding of the hand-written iCalendar, checked against the icalendar parser."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.integrations.ical.rfc5545 import Event, calendar, escape, fold

icalendar = pytest.importorskip("icalendar")


def test_escape_text_values() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_fold_keeps_lines_within_75_octets_and_characters_whole() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_calendar_parses_back_with_the_same_events() -> None:
    summary = 'Sign-off; phase 1, "beta" \\ ' + "ü" * 60
    text = calendar(
        "Margin · Maya",
        [Event("due-1@x", summary, date(2026, 3, 6), "line one\nline two", categories=("Deadline",))],
        datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = icalendar.Calendar.from_ical(text)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == "due-1@x"
    assert str(event["SUMMARY"]) == summary
    assert str(event["DESCRIPTION"]) == "line one\nline two"
    assert event.decoded("DTSTART") == date(2026, 3, 6) and event.decoded("DTEND") == date(2026, 3, 7)
    assert str(parsed["X-WR-CALNAME"]) == "Margin · Maya"
