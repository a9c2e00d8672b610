"""The kinds of event people can hear of, and what each sends them unless they chose otherwise (pure).

One place for the list: the preferences screen, the API, the webhook subscription form and `publish` all read
`EVENT_KINDS`. A kind nobody registered is refused by `publish`, so a typo cannot send an event nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventKind:
    kind: str
    label: str
    group: str
    app: bool = True
    email: str = "off"  # off | immediate | digest
    # Addressed to one person ("Tom mentioned you…"): sent to that person's own channels only, never to the
    # organisation's or a project's shared Slack, Teams or webhook endpoints.
    personal: bool = False
    # The label where a shared endpoint subscribes (no "I follow": a channel follows no one); the label if empty.
    channel_label: str = ""

    @property
    def shared_label(self) -> str:
        return self.channel_label or self.label


EVENT_KINDS: dict[str, EventKind] = {
    k.kind: k
    for k in [
        EventKind(
            "comment.mentioned", "Someone mentions me in a comment", "Conversation", email="immediate", personal=True
        ),
        EventKind(
            "comment.created",
            "A comment on something I follow",
            "Conversation",
            email="digest",
            channel_label="A comment is posted",
        ),
        EventKind(
            "attachment.added",
            "A file added to something I follow",
            "Conversation",
            app=False,
            channel_label="A file is attached",
        ),
        EventKind(
            "risk.raised",
            "A risk is logged on a project I follow",
            "Risks and issues",
            email="digest",
            channel_label="A risk is logged",
        ),
        EventKind("risk.changed", "A risk's score or status changes", "Risks and issues", app=False),
        EventKind(
            "issue.raised",
            "An issue is logged on a project I follow",
            "Risks and issues",
            email="digest",
            channel_label="An issue is logged",
        ),
        EventKind("issue.resolved", "An issue is resolved", "Risks and issues", app=False),
        EventKind("decision.recorded", "A decision is recorded", "Risks and issues", app=False),
        EventKind("change_request.submitted", "A change request waits for a decision", "Change control"),
        EventKind("change_request.decided", "A change request is approved or rejected", "Change control"),
        EventKind("change_request.applied", "An approved change is applied to the plan", "Change control"),
        EventKind(
            "assignment.owner",
            "I am made owner of a risk, issue or action",
            "Risks and issues",
            email="immediate",
            personal=True,
        ),
    ]
}


def event_kind(kind: str) -> EventKind | None:
    return EVENT_KINDS.get(kind)


def shared_kinds() -> list[EventKind]:
    """The kinds a shared endpoint (the organisation's or a project's) may carry: all but the personal ones."""
    return [k for k in EVENT_KINDS.values() if not k.personal]


EMAIL_MODES = ("off", "immediate", "digest")


@dataclass(frozen=True)
class Choice:
    """How one person hears of one kind of event: in the app, by e-mail (off, at once, in the daily digest),
    in their own Slack or Teams channel."""

    app: bool
    email: str
    slack: bool
    teams: bool


def default_choice(kind: str) -> Choice:
    """What a kind sends to someone who chose nothing: its registered defaults, never Slack or Teams (those
    need a channel of the person's own)."""
    known = EVENT_KINDS.get(kind)
    if known is None:
        return Choice(app=True, email="off", slack=False, teams=False)
    return Choice(app=known.app, email=known.email, slack=False, teams=False)


def choice_of(kind: str, stored: Choice | None) -> Choice:
    """The person's stored choice, else the kind's defaults."""
    return stored if stored is not None else default_choice(kind)
