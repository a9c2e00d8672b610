"""The MS Project endpoints of /api/v1, through the real URLconf, with a personal API token."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.accounts.actions import api_token_create
from margin.api.openapi import openapi_document
from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import POOL_UID_OFFSET
from margin.projects.models import Dependency, Task
from margin.resourcing.models import ResourcePool


def _bearer(user: object) -> dict[str, str]:
    _, secret = api_token_create(user=user, name="test")  # type: ignore[arg-type]
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_export_xml(planned: Planned) -> None:
    auth = _bearer(planned.firm.member_user)
    answer = Client().get(f"/api/v1/projects/{planned.firm.project.pk}/export.xml", **auth)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/xml")
    assert len(mspdi.read(answer.content).tasks) == Task.objects.filter(project=planned.firm.project).count()
    missing = Client().get(f"/api/v1/projects/{planned.firm.other_project.pk}/export.xml", **auth)
    assert missing.status_code == 404 and missing.json()["detail"]
    assert Client().get(f"/api/v1/projects/{planned.firm.project.pk}/export.xml").status_code == 401


def test_import_multipart(planned: Planned) -> None:
    auth = _bearer(planned.firm.manager_user)
    xml = Client().get(f"/api/v1/projects/{planned.firm.project.pk}/export.xml", **auth).content
    url = f"/api/v1/projects/{planned.empty.pk}/import"
    answer = Client().post(url, {"file": SimpleUploadedFile("p.xml", xml)}, **auth)
    assert answer.status_code == 201, answer.content
    pool_uid = POOL_UID_OFFSET + ResourcePool.objects.get(name="Developers").pk  # the file names pools by their id
    assert answer.json() == {
        "project_id": planned.empty.pk,
        "tasks": 6,
        "links": 4,
        "calendar": "Standard",
        "calendars": 0,
        "resources_matched": 3,
        "pools": 1,
        "pools_created": 0,
        "assignments": 2,
        "baselines": 1,
        "warnings": [
            f"Resource 'Developers' (UID {pool_uid}, line 2) uses the organisation's pool 'Developers' (300 %), shared "
            "with 1 other project(s): their work on it counts when this plan is leveled."
        ],
        "start": "2026-03-02",
        "currency": "USD",
    }
    assert Dependency.objects.filter(project=planned.empty).count() == 4
    # The published document describes this answer (not the time import's `{created}`, once under the same name).
    document = json.loads(openapi_document())
    ref = document["paths"]["/api/v1/projects/{project_id}/import"]["post"]["responses"]["201"]["content"]
    schema = document["components"]["schemas"][ref["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(schema["properties"]) == set(answer.json()) and set(schema["required"]) <= set(answer.json())
    again = Client().post(url, {"file": SimpleUploadedFile("p.xml", xml)}, **auth)
    assert again.status_code == 409 and again.json()["field"] == "file"


def test_import_refusals_change_nothing(planned: Planned) -> None:
    url = f"/api/v1/projects/{planned.empty.pk}/import"
    manager = _bearer(planned.firm.manager_user)
    bad = Client().post(url, {"file": SimpleUploadedFile("p.xml", b"<Project><Tasks><Task>")}, **manager)
    assert bad.status_code == 422 and "well-formed" in bad.json()["detail"]
    member = _bearer(planned.firm.member_user)
    xml = b"<Project><Tasks><Task><UID>1</UID><Name>A</Name></Task></Tasks></Project>"
    other = Client().post(
        f"/api/v1/projects/{planned.firm.project.pk}/import", {"file": SimpleUploadedFile("p.xml", xml)}, **member
    )
    assert other.status_code == 403
    assert not Task.objects.filter(project=planned.empty).exists()
    assert not Task.objects.filter(name="A").exists()
