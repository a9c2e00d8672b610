"""Schemas of outgoing hooks (/webhooks, /allowed-hosts, /me/channels): endpoints, their deliveries and attempts."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.schemas.common import Id, NoNul

FormatValue = Literal["webhook", "slack", "teams"]
ChannelFormatValue = Literal["slack", "teams"]
DeliveryStatusValue = Literal["pending", "retrying", "delivered", "failed"]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000), NoNul]
EndpointName = Annotated[str, StringConstraints(min_length=1, max_length=120), NoNul]
KindName = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
HostName = Annotated[str, StringConstraints(min_length=1, max_length=253), NoNul]


class WebhookIn(Schema):
    format: FormatValue = Field(description="webhook: signed JSON; slack: incoming webhook; teams: Workflows")
    name: EndpointName
    url: Url = Field(description="http(s) only; private, loopback and link-local addresses are refused")
    kinds: list[KindName] = Field([], max_length=50, description="Event kinds to send (empty: every kind)")
    project_id: Id | None = Field(None, description="Only this project's events (its manager may add one)")


class WebhookChangeIn(Schema):
    name: EndpointName | None = None
    url: Url | None = None
    kinds: list[KindName] | None = Field(None, max_length=50)
    active: bool | None = Field(None, description="false: switch off; true: switch on (resets failures)")


class ChannelIn(Schema):
    format: ChannelFormatValue
    name: EndpointName
    url: Url = Field(description="Your Slack incoming-webhook or Teams Workflows URL")


class WebhookOut(Schema):
    id: int
    format: FormatValue
    name: str
    url: str
    kinds: list[str]
    project_id: int | None
    owner_id: int | None
    active: bool
    disabled_reason: str
    consecutive_failures: int
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="The signing secret: shown when made or rotated; administrators may reveal it")


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    error: str
    response_excerpt: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    event_id: int
    event_kind: str
    event_text: str
    status: DeliveryStatusValue
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    tries: list[AttemptOut]


class AllowedHostIn(Schema):
    host: HostName = Field(description="A host name or IP address, exactly as it appears in webhook URLs")


class AllowedHostOut(Schema):
    id: int
    host: str
    created_at: datetime
