"""The demo firm's conversations: on the demo manager's largest project that the demo member works on, a thread
on the project (a mention of the member, who answers) and one on a task with a small sketch and a one-page PDF
brief attached, through the actions, so the panels, the mention highlight, the bell and the previews (the PDF's
first page) show real things."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from margin.accounts.queries import Viewer
from margin.collaboration.actions import attachment_add, comment_create
from margin.collaboration.queries import target_get
from margin.demo.specs import DEMO_MANAGER, DEMO_MEMBER
from margin.projects.models import Project, ProjectMember, Task


def _sketch() -> bytes:
    """A small wireframe: a header bar, a sidebar and three cards."""
    image = Image.new("RGB", (480, 300), (248, 250, 252))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 479, 40), fill=(32, 107, 196))
    draw.rectangle((0, 41, 110, 299), fill=(226, 232, 240))
    for i in range(3):
        left = 130 + i * 115
        draw.rectangle((left, 70, left + 100, 180), outline=(100, 116, 139), width=2)
        draw.line((left + 10, 200, left + 90, 200), fill=(148, 163, 184), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


_BRIEF = """<style>
@page { size: A4; margin: 2cm }
body { font-family: sans-serif; font-size: 11pt; color: #1e293b }
h1 { background: #206bc4; color: #fff; padding: 8mm; margin: 0 0 8mm; font-size: 22pt }
.box { border: 1.5pt solid #64748b; height: 38mm; margin: 5mm 0 }
</style>
<h1>Wireframe brief — v1</h1>
<p>Three cards on the dashboard: open tasks, this week's hours, budget burn. Sidebar for navigation.</p>
<div class="box"></div><div class="box"></div><div class="box"></div>
<p>Feedback by Friday, please.</p>"""


def _brief() -> bytes:
    """A one-page A4 PDF made with WeasyPrint (already a dependency: invoices), so the demo shows a PDF preview."""
    import weasyprint  # imported here: only the demo build draws it

    data: bytes = weasyprint.HTML(string=_BRIEF).write_pdf()
    return data


def demo_discussion(viewers: dict[str, Viewer]) -> None:
    manager, member = viewers.get(DEMO_MANAGER), viewers.get(DEMO_MEMBER)
    if manager is None or member is None or manager.person_id is None or member.person_id is None:
        return
    project = (
        Project.objects.filter(manager_id=manager.person_id, is_template=False)
        .filter(pk__in=ProjectMember.objects.filter(person_id=member.person_id).values("project_id"))
        .order_by("-budget_minutes", "id")
        .first()
    )
    if project is None:
        return
    thread = target_get(manager, "project", project.pk)
    comment_create(
        viewer=manager,
        target=thread,
        body=f"Steering committee moved to **Thursday**. @{DEMO_MEMBER}, can you bring the latest burn-down?",
    )
    comment_create(
        viewer=member,
        target=target_get(member, "project", project.pk),
        body="Will do. I'll also add:\n\n- the open risks\n- the two change requests waiting for a decision",
    )
    task = Task.objects.filter(project=project, children__isnull=True).order_by("position", "id").first()
    if task is None:
        return
    on_task = target_get(manager, "task", task.pk)
    comment_create(
        viewer=manager,
        target=on_task,
        body=f"First wireframe attached, @{DEMO_MEMBER}: comments welcome before `Friday`.",
    )
    attachment_add(
        viewer=manager, target=on_task, data=_sketch(), filename="wireframe-v1.png", declared_type="image/png"
    )
    attachment_add(
        viewer=manager, target=on_task, data=_brief(), filename="wireframe-brief.pdf", declared_type="application/pdf"
    )
