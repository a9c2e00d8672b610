"""What importing plans in bulk found: each file keeps its own capacities, start date and currency; the export
writes the calendar's real time units and leveling delay as MS Project's LevelingDelay."""

from __future__ import annotations

from datetime import date, datetime
from xml.etree.ElementTree import fromstring

import pytest

from margin.accounts.actions import person_create
from margin.core.errors import Invalid
from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects import actions
from margin.projects.models import Constraint, Project, Task
from margin.projects.planning import to_aware, to_local
from margin.resourcing.models import Assignment, ResourcePool
from tests.checks import refused

NS = {"p": mspdi.NS}
FOUR_DAYS = {d: [(540, 780), (840, 1080)] if d < 4 else [] for d in range(7)}


def _project(planned: Planned, code: str, *, company: str = "usd", start: date | None = None) -> Project:
    firm = planned.firm
    manager = firm.manager_person
    if company != "usd":
        # A project is managed by someone of its own company.
        manager = person_create(
            viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eva", email="eva@example.test"
        )
    return actions.project_create(
        viewer=firm.admin,
        company=getattr(firm, company),
        client=firm.client,
        manager=manager,
        code=code,
        name=code,
        start_date=start,
    )


def _plan(pools: dict[str, int], **changes: object) -> bytes:
    """Two tasks, each asking for every pool at 100 %, the pools at the given Max Units."""
    resources = [mspdi.MsResource(n, name, "", units, pool=True) for n, (name, units) in enumerate(pools.items(), 1)]
    project = mspdi.MsProject(
        name="Bulk",
        start=datetime(2026, 3, 2, 9),
        tasks=[mspdi.MsTask(1, "A", 1, duration_minutes=480), mspdi.MsTask(2, "B", 1, duration_minutes=480)],
        calendar=mspdi.MsCalendar("Standard", {d: [(540, 780), (840, 1080)] if d < 5 else [] for d in range(7)}),
        resources=resources,
        assignments=[mspdi.MsAssignment(t, r.uid) for t in (1, 2) for r in resources],
    )
    return mspdi.write(mspdi.MsProject(**{**project.__dict__, **changes}))


def test_a_second_plan_with_the_same_pool_names_keeps_its_own_capacities(planned: Planned) -> None:
    first, second = _project(planned, "BULK-1"), _project(planned, "BULK-2")
    project_import_mspdi(viewer=planned.firm.manager, project=first, data=_plan({"R1": 400, "R2": 100}))
    result = project_import_mspdi(viewer=planned.firm.manager, project=second, data=_plan({"R1": 200, "R2": 100}))
    capacity = {
        a.pool.name: a.pool.max_units
        for a in Assignment.objects.filter(task__project=second).select_related("pool")
        if a.pool is not None
    }
    assert capacity == {"R1 (BULK-2)": 200, "R2": 100}  # the file's 200 %, not the first plan's 400 %
    assert ResourcePool.objects.get(name="R1").max_units == 400  # the first plan's pool is untouched
    warned = " ".join(result.warnings)
    assert "pool 'R1' has Max Units 400 %, the file 200 %" in warned  # the conflict is shown
    assert "pool 'R2' (100 %), shared with 1 other project(s)" in warned  # and so is the sharing


def test_the_files_start_date_is_where_the_plan_starts(planned: Planned) -> None:
    undated = _project(planned, "BULK-3")  # no start date: the plan would start the day the project was made
    data = _plan({}, start=datetime(2026, 3, 16, 9))
    result = project_import_mspdi(viewer=planned.firm.manager, project=undated, data=data)
    undated.refresh_from_db()
    assert result.start == undated.start_date == date(2026, 3, 16)
    first = Task.objects.get(project=undated, name="A")
    assert to_local(first.start) == datetime(2026, 3, 16, 9)


def _with_costs(currency: str, digits: int = 2) -> bytes:
    monday = datetime(2026, 3, 2, 9)
    base = mspdi.MsBaseline(0, monday, datetime(2026, 3, 2, 18), 480, 480, 123_450)  # 1,234.50
    return _plan(
        {},
        currency=currency,
        currency_digits=digits,
        tasks=[mspdi.MsTask(1, "A", 1, duration_minutes=480, baselines=(base,))],
    )


def test_costs_in_another_currency_are_refused_not_relabelled(planned: Planned) -> None:
    euro = _project(planned, "BULK-4", company="eur")
    with refused(Invalid, euro, match="costs are in USD and project BULK-4 is in EUR") as info:
        project_import_mspdi(viewer=planned.firm.admin, project=euro, data=_with_costs("USD"))
    assert info.value.code == "currency_mismatch"
    # Without costs there is nothing to relabel: imported, with a word about it.
    result = project_import_mspdi(viewer=planned.firm.admin, project=euro, data=_plan({}, currency="USD"))
    assert result.currency == "USD" and "no costs to convert" in " ".join(result.warnings)
    # In the project's own currency the costs come in as they are.
    dollars = _project(planned, "BULK-5")
    project_import_mspdi(viewer=planned.firm.manager, project=dollars, data=_with_costs("USD"))
    assert dollars.baselines.get(index=0).tasks.get().cost_minor == 123_450


def test_costs_convert_with_the_currencys_digits() -> None:
    """MSPDI costs are hundredths of a unit whatever the currency: ¥1,234 is 123400 in the file, 1234 in Margin."""
    data = _with_costs("JPY", 0).replace(b"<Cost>1234.5</Cost>", b"<Cost>123400</Cost>")
    monday = datetime(2026, 3, 2, 9)
    jpy = mspdi.MsProject(
        name="Yen",
        start=monday,
        currency="JPY",
        currency_digits=0,
        tasks=[mspdi.MsTask(1, "A", 1, baselines=(mspdi.MsBaseline(0, monday, monday, 0, 0, 1234),))],
        calendar=mspdi.MsCalendar("Standard", FOUR_DAYS),
    )
    written = mspdi.write(jpy)
    cost = fromstring(written).find("p:Tasks/p:Task/p:Baseline/p:Cost", NS)
    assert cost is not None and cost.text == "123400"
    assert mspdi.read(written).tasks[0].baselines[0].cost_minor == 1234
    assert mspdi.read(data).currency == "JPY"
    with pytest.raises(mspdi.MspdiError, match="not an ISO 4217"):
        mspdi.read(written.replace(b"<CurrencyCode>JPY</CurrencyCode>", b"<CurrencyCode>yen!</CurrencyCode>"))


def test_the_export_writes_the_calendars_time_units_and_the_currency(planned: Planned) -> None:
    four_days = _project(planned, "BULK-6", start=date(2026, 3, 2))
    project_import_mspdi(
        viewer=planned.firm.manager,
        project=four_days,
        data=_plan({}, calendar=mspdi.MsCalendar("Four days", FOUR_DAYS)),
    )
    four_days.refresh_from_db()
    root = fromstring(project_export_mspdi(four_days, costs=True))

    def text(tag: str) -> str | None:
        found = root.find(f"p:{tag}", NS)
        return None if found is None else found.text

    assert (text("MinutesPerDay"), text("MinutesPerWeek"), text("DaysPerMonth")) == ("480", "1920", "17")
    assert (text("CurrencyCode"), text("CurrencyDigits")) == ("USD", "2")


def test_leveling_delay_travels_as_ms_projects_leveling_delay(planned: Planned) -> None:
    """An accepted leveling holds a delay as the delay and a "start no earlier than" the leveled start; the file
    carries it as MS Project does (LevelingDelay on an as-soon-as-possible task), and reading it back restores it."""
    design = planned.design
    leveled_start = to_aware(datetime(2026, 3, 6, 9))
    Task.objects.filter(pk=design.pk).update(
        leveling_delay_minutes=960, constraint=Constraint.SNET, constraint_date=leveled_start
    )
    actions.project_reschedule(viewer=planned.firm.manager, project=planned.firm.project)
    written = project_export_mspdi(planned.firm.project, costs=True)
    task = next(t for t in mspdi.read(written).tasks if t.uid == design.pk)
    assert (task.constraint, task.constraint_date, task.leveling_delay_minutes) == ("ASAP", None, 960)
    element = next(
        e for e in fromstring(written).iterfind("p:Tasks/p:Task", NS) if e.findtext("p:UID", None, NS) == str(design.pk)
    )
    assert (element.findtext("p:LevelingDelay", None, NS), element.findtext("p:LevelingDelayFormat", None, NS)) == (
        "9600",
        "7",
    )
    project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=written)
    back = Task.objects.get(project=planned.empty, name=design.name)
    assert (back.leveling_delay_minutes, back.constraint) == (960, Constraint.SNET)
    assert back.start == Task.objects.get(pk=design.pk).start
