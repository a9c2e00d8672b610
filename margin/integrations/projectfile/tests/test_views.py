"""New project → From a file, on the web: the project and the file's plan, or a form error and nothing at all."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from margin.contracts.models import BillRate
from margin.integrations.sheets.tests.test_import import JIRA
from margin.projects.models import Project, Task
from tests.checks import table_counts
from tests.firm import Firm


def _form(firm: Firm, data: bytes, **overrides: object) -> dict[str, object]:
    return {
        "system": "jira",
        "file": SimpleUploadedFile("issues.csv", data, content_type="text/csv"),
        "code": "JIRA-1",
        "name": "From Jira",
        "company": firm.usd.pk,
        "client": firm.client.pk,
        "manager": firm.manager_person.pk,
        "status": "active",
        "start_date": "2026-03-02",
        "members": [firm.member_person.pk],
        "rates-TOTAL_FORMS": "1",
        "rates-INITIAL_FORMS": "0",
        "rates-0-who": f"role:{firm.consultant.pk}",
        "rates-0-valid_from": "2026-01-01",
        "rates-0-hourly_rate": "100",
        **overrides,
    }


def test_a_jira_file_makes_a_project(client: Client, firm: Firm) -> None:
    client.force_login(firm.manager_user)
    url = reverse("integrations:project_from_file")
    assert "Kind of file" in client.get(url).content.decode()
    response = client.post(url, _form(firm, JIRA))
    project = Project.objects.get(code="JIRA-1")
    assert response["Location"] == reverse("web:project", args=[project.pk])
    assert Task.objects.filter(project=project).count() == 4
    assert BillRate.objects.filter(rate_card__contract__covered__project=project).count() == 1


def test_a_bad_file_is_a_form_error_and_leaves_nothing(client: Client, firm: Firm) -> None:
    client.force_login(firm.manager_user)
    url = reverse("integrations:project_from_file")
    before = table_counts()
    response = client.post(url, _form(firm, b"Summary\r\nx\r\n"))
    assert response.status_code == 422 and 'data-testid="file-error"' in response.content.decode()
    response = client.post(url, _form(firm, JIRA, code="GLX-1"))
    assert response.status_code == 422 and "exists already" in response.content.decode()
    assert table_counts() == before
    assert client.get(url).status_code == 200
    client.force_login(firm.member_user)
    assert client.get(url).status_code == 403
