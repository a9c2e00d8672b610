"""The download link and the upload form of MS Project XML."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.projects.models import Task


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_plan_page_links_and_export_download(planned: Planned) -> None:
    client = _client(planned.firm.manager_user)
    page = client.get(f"/projects/{planned.firm.project.pk}/gantt/")
    assert f"/projects/{planned.firm.project.pk}/msproject/export.xml".encode() in page.content
    answer = client.get(f"/projects/{planned.firm.project.pk}/msproject/export.xml")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/xml")
    assert 'filename="GLX-1.xml"' in answer["Content-Disposition"]
    names = {t.name for t in mspdi.read(answer.content).tasks}
    assert names == set(Task.objects.filter(project=planned.firm.project).values_list("name", flat=True))


def test_export_of_another_organisations_project_is_404(planned: Planned) -> None:
    client = _client(planned.firm.manager_user)
    assert client.get(f"/projects/{planned.firm.other_project.pk}/msproject/export.xml").status_code == 404


def test_upload_imports_and_shows_what_was_imported(planned: Planned) -> None:
    client = _client(planned.firm.manager_user)
    url = f"/projects/{planned.empty.pk}/msproject/import/"
    assert b'type="file"' in client.get(url).content
    xml = client.get(f"/projects/{planned.firm.project.pk}/msproject/export.xml").content
    xml = xml.replace(b"<Resources>", b"<Resources><Resource><UID>77</UID><Name>Nobody here</Name></Resource>")
    answer = client.post(url, {"file": SimpleUploadedFile("plan.xml", xml, content_type="application/xml")})
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'data-testid="count-tasks">6<' in body and 'data-testid="count-links">4<' in body
    assert 'data-testid="count-assignments">2<' in body and 'data-testid="count-baselines">1<' in body
    assert "Nobody here" in body and 'data-testid="import-warnings"' in body
    assert f'href="/projects/{planned.empty.pk}/gantt/"' in body
    assert 'type="file"' not in body  # the project has tasks now
    assert Task.objects.filter(project=planned.empty).count() == 6


def test_bad_upload_shows_the_error_and_imports_nothing(planned: Planned) -> None:
    client = _client(planned.firm.manager_user)
    url = f"/projects/{planned.empty.pk}/msproject/import/"
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><Project><Name>&b;</Name></Project>'
    answer = client.post(url, {"file": SimpleUploadedFile("bomb.xml", bomb)})
    assert answer.status_code == 422
    assert b"refused" in answer.content
    missing = client.post(url, {})
    assert missing.status_code == 422 and b"Choose a file" in missing.content
    assert not Task.objects.filter(project=planned.empty).exists()


def test_members_may_not_import(planned: Planned) -> None:
    client = _client(planned.firm.member_user)
    xml = b"<Project><Tasks><Task><UID>1</UID><Name>A</Name></Task></Tasks></Project>"
    answer = client.post(
        f"/projects/{planned.firm.project.pk}/msproject/import/", {"file": SimpleUploadedFile("p.xml", xml)}
    )
    assert answer.status_code == 403
    assert Task.objects.filter(project=planned.firm.project, name="A").count() == 0
