"""The whole billable-hour chain through the API alone: log → submit → approve → draft → issue → profitability."""

from __future__ import annotations

from datetime import timedelta

from margin.api.tests.conftest import bearer, last_monday
from margin.core.models import AuditEntry
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def test_billable_hour_chain_through_the_api(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    monday = last_monday()
    # Tom works with a personal token, as a script would; the others use their browser session.
    tom = bearer(api_as(firm.member_user).post("/me/tokens", {"name": "timer"}).json()["secret"])
    maya, finance = api_as(firm.manager_user), api_as(firm.finance_user)

    def log(who, task, day: int, minutes: int, **extra: object) -> int:  # type: ignore[no-untyped-def]
        body = {
            "project_id": firm.project.pk,
            "task_id": task.pk,
            "work_date": (monday + timedelta(days=day)).isoformat(),
            "minutes": minutes,
            **extra,
        }
        response = who.post("/time-entries", body)
        assert response.status_code == 201, response.content
        return int(response.json()["id"])

    e1 = log(tom, firm.design, 0, 90)
    e2 = log(tom, firm.build, 1, 480)
    e3 = log(tom, firm.build, 2, 60, billable=False)
    e4 = log(maya, firm.design, 0, 45)
    assert tom.post("/time-entries/submit", {"week": monday.isoformat()}).json() == {"count": 3}
    assert maya.post("/time-entries/submit", {"week": monday.isoformat()}).json() == {"count": 1}

    assert maya.post("/time-entries/approve", {"entry_ids": [e1, e2, e3]}).json() == {"count": 3}
    assert api_as(firm.admin_user).post("/time-entries/approve", {"entry_ids": [e4]}).json() == {"count": 1}
    assert maya.get(f"/time-entries/{e2}").json()["bill_amount"]["amount_minor"] == 80000
    assert tom.get(f"/time-entries/{e2}").json()["bill_amount"] is None  # his hours, not their value

    draft = finance.post("/invoices", {"project_id": firm.project.pk, "up_to": (monday + timedelta(6)).isoformat()})
    assert draft.status_code == 201, draft.content
    invoice = draft.json()
    assert invoice["total"] == {"amount_minor": 106250, "amount": "1062.50", "currency": "USD"}
    lines = finance.get(f"/invoices/{invoice['id']}/lines").json()["items"]
    assert [(line["description"], line["minutes"], line["amount"]["amount_minor"]) for line in lines] == [
        ("Build — Consultant", 480, 80000),
        ("Design — Consultant", 90, 15000),
        ("Design — Senior Consultant", 45, 11250),
    ]
    assert TimeEntry.objects.filter(billing__line__invoice_id=invoice["id"]).count() == 3  # not the non-billable one

    figures = maya.get(f"/projects/{firm.project.pk}/profitability").json()
    assert (figures["billed"]["amount_minor"], figures["wip"]["amount_minor"]) == (0, 106250)

    issued = finance.post(f"/invoices/{invoice['id']}/issue", {"issue_date": "2026-03-02"}).json()
    assert issued["number"] == "2026-0001"
    figures = maya.get(f"/projects/{firm.project.pk}/profitability").json()
    assert (figures["billed"]["amount_minor"], figures["wip"]["amount_minor"]) == (106250, 0)
    assert figures["cost"]["amount_minor"] == 6000 + 32000 + 4000 + 4500
    assert figures["margin"] == {"amount_minor": 106250 - 46500, "amount": "597.50", "currency": "USD"}
    assert figures["approved_minutes"] == 90 + 480 + 60 + 45
    assert AuditEntry.objects.filter(action="invoice.issue", object_id=invoice["id"]).exists()
    assert tom.get(f"/time-entries/{e1}").json()["billed"] is True
