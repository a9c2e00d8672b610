"""A comment and an image attachment on GLX-1's Design task, for the test worlds that call every operation
(tests/roles.py, the money matrix): the ids their paths name."""

from __future__ import annotations

import io

from PIL import Image

from margin.accounts.queries import Viewer
from margin.collaboration.actions import attachment_add, comment_create
from margin.collaboration.queries import target_get
from tests.firm import Firm


def discussion_ids(firm: Firm, manager: Viewer) -> dict[str, object]:
    target = target_get(manager, "task", firm.design.pk)
    comment = comment_create(viewer=manager, target=target, body="Design review on Friday, @tom")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 90, 200)).save(out, format="PNG")
    attachment = attachment_add(viewer=manager, target=target, data=out.getvalue(), filename="sketch.png")
    return {"comment_id": comment.pk, "attachment_id": attachment.pk}
