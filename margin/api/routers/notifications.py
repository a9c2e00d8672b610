"""Notifications of the signed-in user: list them, count the unread ones, mark them read."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from margin.api.pagination import Pages
from margin.api.schemas.common import Count, responses
from margin.api.schemas.notifications import MarkReadIn, NotificationOut, UnreadOut
from margin.api.security import viewer_of
from margin.core.models import Notification
from margin.core.notifications import notifications_mark_read, notifications_of, unread_count

router = Router(tags=["notifications"])


class NotificationFilter(Schema):
    unread: bool | None = None


@router.get("", response=responses(list[NotificationOut]), summary="Your notifications (newest first)")
@paginate(Pages)
def notification_list(request: HttpRequest, filters: Query[NotificationFilter]) -> QuerySet[Notification]:
    viewer = viewer_of(request)
    rows = notifications_of(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    if filters.unread is not None:
        rows = rows.filter(read_at__isnull=filters.unread)
    return rows


@router.get("/unread", response=responses(UnreadOut), summary="How many of your notifications are unread")
def notification_unread(request: HttpRequest) -> UnreadOut:
    viewer = viewer_of(request)
    return UnreadOut(unread=unread_count(organisation_id=viewer.organisation_id, user_id=viewer.user_id))


@router.post("/read", response=responses(Count), summary="Mark some (ids) or all of your notifications read")
def notification_mark_read(request: HttpRequest, payload: MarkReadIn) -> Count:
    viewer = viewer_of(request)
    count = notifications_mark_read(organisation_id=viewer.organisation_id, user_id=viewer.user_id, ids=payload.ids)
    return Count(count=count)
