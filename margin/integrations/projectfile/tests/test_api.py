"""POST /project-imports: a new project from a file through the API (multipart), all or nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.api.tests.conftest import BASE, Api, error_of, unchanged
from margin.integrations.sheets.tests.test_import import JIRA
from margin.projects.models import Project, Task
from tests.firm import Firm


def _new(firm: Firm, **overrides: object) -> dict[str, object]:
    return {
        "company_id": firm.usd.pk,
        "client_id": firm.client.pk,
        "manager_id": firm.manager_person.pk,
        "code": "NEW-1",
        "name": "New project",
        "start_date": "2026-03-02",
        **overrides,
    }


def test_a_project_from_a_file(firm: Firm) -> None:
    client = Client()
    client.force_login(firm.manager_user)
    maya = Api(client)
    form = {k: str(v) for k, v in _new(firm, system="jira").items()} | {"member_ids": [firm.member_person.pk]}
    upload = SimpleUploadedFile("jira.csv", JIRA, content_type="text/csv")
    answer = maya.client.post(f"{BASE}/project-imports", {**form, "file": upload})
    assert answer.status_code == 201, answer.content
    project = Project.objects.get(pk=answer.json()["id"])
    assert Task.objects.filter(project=project).count() == 4
    bad = SimpleUploadedFile("bad.csv", b"Summary\r\nx\r\n", content_type="text/csv")
    with unchanged():
        body = error_of(maya.client.post(f"{BASE}/project-imports", {**form, "code": "NEW-2", "file": bad}), 422)
    assert body["field"] == "file"
