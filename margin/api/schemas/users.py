"""Shapes of users (accounts with their access), invitations and the organisation's two-factor rule."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from margin.api.schemas.common import Email, Id, ShortText


class UserOut(Schema):
    id: int = Field(description="The user's id")
    username: str
    email: str
    first_name: str
    last_name: str
    role: str = Field(description="Access role: admin, finance, manager or member")
    company_ids: list[int] = Field(description="The companies they may see; empty: every company")
    can_log_for_others: bool
    status: str = Field(description="invited, expired (the invitation), active or deactivated")
    two_factor: bool = Field(description="Signs in with a second factor")
    invitation_expires_at: datetime | None
    last_login: datetime | None


class InvitationIn(Schema):
    email: Email
    role: str = Field(description="Access role: admin, finance, manager or member")
    company_ids: list[Id] = Field(default_factory=list, description="Restrict to these companies; empty: every one")
    can_log_for_others: bool = False
    first_name: ShortText = ""
    last_name: ShortText = ""


class AccessIn(Schema):
    role: str = Field(description="Access role: admin, finance, manager or member")
    company_ids: list[Id] = Field(default_factory=list, description="Restrict to these companies; empty: every one")
    can_log_for_others: bool = False


class TwoFactorPolicyIn(Schema):
    required: bool = Field(description="Every member must sign in with a second factor")


class TwoFactorPolicyOut(Schema):
    required: bool
