"""Contracts through the API: the contract every project has, billing lines of each model, instalments, tax
codes that must fit the client, rate cards at three levels with the explanation, and bad input refused with
nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

from margin.api.tests.conftest import error_of, last_monday, unchanged
from margin.contracts.models import BillingLine, Contract
from margin.timesheets.models import TimeEntry
from tests.firm import RATE_FROM, Firm


def _contract(firm: Firm) -> Contract:
    return Contract.objects.get(covered__project=firm.project)


def test_every_project_has_its_contract_with_time_and_expenses_lines(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finn = api_as(firm.finance_user)
    contract = _contract(firm)
    listed = finn.get("/contracts").json()["items"]
    assert [c["reference"] for c in listed] == ["GLX-1"]
    assert listed[0]["client_name"] == "Globex" and listed[0]["currency"] == "USD"
    lines = finn.get(f"/contracts/{contract.pk}/lines").json()
    assert [(line["model"], line["name"]) for line in lines] == [
        ("time", "Time and materials"),
        ("expenses", "Expenses"),
    ]
    assert [p["code"] for p in finn.get(f"/contracts/{contract.pk}/projects").json()] == ["GLX-1"]
    # The project's manager reads the contract of their project; a member does not see it at all.
    assert api_as(firm.manager_user).get(f"/contracts/{contract.pk}").status_code == 200
    error_of(api_as(firm.member_user).get(f"/contracts/{contract.pk}"), 404)
    assert api_as(firm.member_user).get("/contracts").json()["items"] == []


def test_finance_sets_up_a_contract_with_each_billing_model(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finn = api_as(firm.finance_user)
    made = finn.post(
        "/contracts",
        {
            "company_id": firm.usd.pk,
            "client_id": firm.client.pk,
            "reference": "GLX-2027",
            "name": "Globex 2027 framework",
            "start_date": "2027-01-01",
            "invoice_grouping": "contract",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["currency"], body["payment_terms_days"], body["status"]) == ("USD", 30, "active")
    url = f"/contracts/{body['id']}/lines"
    capped = finn.post(url, {"model": "time", "name": "Support", "cap_kind": "minutes", "cap_limit": 40 * 60})
    assert capped.status_code == 201, capped.content
    fixed = finn.post(url, {"model": "fixed", "name": "Discovery", "price_minor": 1_000_000})
    assert fixed.json()["price"] == {"amount_minor": 1_000_000, "amount": "10000.00", "currency": "USD"}
    retainer = finn.post(
        url,
        {
            "model": "retainer",
            "name": "Care plan",
            "allowance": 20 * 60,
            "fee_minor": 250_000,
            "rollover": "periods",
            "rollover_periods": 1,
            "overage_rate": "140",
            "start_date": "2027-01-01",
            "end_date": "2027-12-31",
        },
    )
    assert retainer.status_code == 201, retainer.content
    assert (retainer.json()["overage_rate"], retainer.json()["rollover_periods"]) == ("140.0000", 1)
    progress = finn.post(url, {"model": "progress", "name": "Build", "price_minor": 5_000_000})
    assert progress.json()["progress_source"] == "plan"
    instalments = f"{url}/{fixed.json()['id']}/instalments"
    first = finn.post(instalments, {"description": "Kick-off", "amount_minor": 400_000, "due_date": "2027-01-15"})
    assert first.status_code == 201, first.content
    at_milestone = finn.post(
        instalments, {"description": "Sign-off", "amount_minor": 600_000, "milestone_task_id": firm.design.pk}
    )
    # The milestone is a task of GLX-1, which this contract does not cover yet.
    error_of(at_milestone, 422)
    covered = finn.put(f"/contracts/{body['id']}/projects/{firm.project.pk}")
    assert covered.status_code == 200, covered.content
    at_milestone = finn.post(
        instalments, {"description": "Sign-off", "amount_minor": 600_000, "milestone_task_id": firm.design.pk}
    )
    assert at_milestone.status_code == 201, at_milestone.content
    assert [i["description"] for i in finn.get(f"/contracts/{body['id']}/instalments").json()] == [
        "Kick-off",
        "Sign-off",
    ]
    assert Contract.objects.get(covered__project=firm.project).reference == "GLX-2027"


def test_bad_contract_input_is_refused_and_changes_nothing(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finn = api_as(firm.finance_user)
    contract = _contract(firm)
    url = f"/contracts/{contract.pk}/lines"
    retainer = finn.post(
        url, {"model": "retainer", "name": "Care", "allowance": 600, "fee_minor": 0, "start_date": "2027-01-01"}
    )
    assert retainer.status_code == 201, retainer.content
    fixed = finn.post(url, {"model": "fixed", "name": "Fee", "price_minor": 1000})
    with unchanged(contract, firm.client):
        # A retainer period that overlaps another.
        error_of(
            finn.post(
                url,
                {"model": "retainer", "name": "Care 2", "allowance": 600, "fee_minor": 0, "start_date": "2027-06-01"},
            ),
            409,
            "retainer_overlap",
        )
        error_of(finn.post(url, {"model": "fixed", "name": "No price"}), 422)
        error_of(finn.post(url, {"model": "time", "name": "Cap", "cap_kind": "money"}), 422)
        error_of(finn.post(url, {"model": "retainer", "name": "R", "allowance": 60, "fee_minor": 0}), 422)
        error_of(finn.post(url, {"model": "progress", "name": "P", "price_minor": 10, "entered_percent": "101"}), 422)
        # Instalments adding up to more than the fee; an instalment with neither a date nor a milestone.
        instalments = f"{url}/{fixed.json()['id']}/instalments"
        error_of(
            finn.post(instalments, {"description": "Too much", "amount_minor": 1001, "due_date": "2027-01-01"}), 422
        )
        error_of(finn.post(instalments, {"description": "When?", "amount_minor": 10}), 422)
        error_of(finn.patch(f"/contracts/{contract.pk}", {"end_date": "2000-01-01"}), 422)
        error_of(finn.patch(f"/contracts/{contract.pk}", {"currency": "XXY"}), 422)
        error_of(api_as(firm.manager_user).post(url, {"model": "time", "name": "T"}), 403)
        error_of(api_as(firm.member_user).post(url, {"model": "time", "name": "T"}), 404)
    assert BillingLine.objects.filter(contract=contract).count() == 4


def test_tax_codes_must_fit_the_client(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finn = api_as(firm.finance_user)
    contract = _contract(firm)
    codes = f"/companies/{firm.usd.pk}/tax-codes"
    vat = finn.post(codes, {"code": "S20", "name": "Standard 20 %", "kind": "standard", "rate": "20"})
    assert vat.status_code == 201, vat.content
    assert (vat.json()["category"], vat.json()["rate"]) == ("S", "20")
    reverse = finn.post(codes, {"code": "RC", "name": "Reverse charge", "kind": "reverse_charge", "rate": "0"})
    assert reverse.json()["category"] == "AE"
    with unchanged(contract):
        error_of(finn.post(codes, {"code": "S0", "name": "Standard at 0", "kind": "standard", "rate": "0"}), 422)
        error_of(finn.post(codes, {"code": "S20", "name": "Again", "kind": "standard", "rate": "20"}), 409)
        # Globex is a domestic client: reverse charge does not fit it.
        refused = error_of(finn.patch(f"/contracts/{contract.pk}", {"tax_code_id": reverse.json()["id"]}), 422)
        assert refused["code"] == "tax_code_does_not_fit"
    assert (
        finn.patch(f"/contracts/{contract.pk}", {"tax_code_id": vat.json()["id"]}).json()["tax_code_id"]
        == (vat.json()["id"])
    )
    # Once the client is an EU business with a VAT id, reverse charge fits.
    finn.patch(f"/clients/{firm.client.pk}", {"tax_treatment": "eu_business", "tax_id": "FR40303265045"})
    changed = finn.patch(f"/contracts/{contract.pk}", {"tax_code_id": reverse.json()["id"]})
    assert changed.status_code == 200, changed.content


def test_client_and_default_cards_price_what_the_contract_does_not(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    finn, maya, tom = api_as(firm.finance_user), api_as(firm.manager_user), api_as(firm.member_user)
    contract = _contract(firm)
    # The contract prices consultants (100) and seniors (150); take the consultant rate away.
    put = maya.put(
        f"/projects/{firm.project.pk}/rates",
        [{"role_id": firm.senior.pk, "valid_from": RATE_FROM.isoformat(), "hourly_rate": "150"}],
    )
    assert put.status_code == 200, put.content
    day = last_monday() + timedelta(days=1)
    explained = maya.get(f"/projects/{firm.project.pk}/rate-explanation?person_id={firm.member_person.pk}&day={day}")
    assert explained.status_code == 200, explained.content
    assert explained.json()["hourly_rate"] is None and explained.json()["text"].startswith("No rate card")
    card = finn.put(
        f"/clients/{firm.client.pk}/rate-card",
        {"currency": "USD", "rates": [{"valid_from": "2020-01-01", "hourly_rate": "90"}]},
    )
    assert card.status_code == 200, card.content
    default = finn.put(
        "/organisation/rate-card",
        {
            "currency": "USD",
            "rates": [{"role_id": firm.consultant.pk, "valid_from": "2020-01-01", "hourly_rate": "120"}],
        },
    )
    assert default.status_code == 200, default.content
    explained = maya.get(f"/projects/{firm.project.pk}/rate-explanation?person_id={firm.member_person.pk}&day={day}")
    assert (explained.json()["hourly_rate"], explained.json()["card"]) == ("90.0000", "client")
    assert "the client's rate card" in explained.json()["text"]
    assert [s["found"] != "—" for s in explained.json()["steps"]] == [False] * 5 + [True, False, True, False]
    # Approved time is valued with the client's rate, and says so in its snapshot.
    entry = tom.post(
        "/time-entries",
        {"project_id": firm.project.pk, "task_id": firm.build.pk, "work_date": day.isoformat(), "minutes": 60},
    )
    assert entry.status_code == 201, entry.content
    TimeEntry.objects.filter(pk=entry.json()["id"]).update(status="submitted")
    approved = maya.post("/time-entries/approve", {"entry_ids": [entry.json()["id"]]})
    assert approved.status_code == 200, approved.content
    assert TimeEntry.objects.get(pk=entry.json()["id"]).bill_rate == 90
    # Rate cards of other levels are finance's; the explanation is money, refused to a member.
    with unchanged(contract):
        error_of(maya.put(f"/clients/{firm.client.pk}/rate-card", {"currency": "USD", "rates": []}), 403)
        error_of(
            tom.get(f"/projects/{firm.project.pk}/rate-explanation?person_id={firm.member_person.pk}&day={day}"), 403
        )
        error_of(
            finn.put(
                "/organisation/rate-card",
                {"currency": "USD", "rates": [{"valid_from": "2020-01-01", "hourly_rate": "-1"}]},
            ),
            422,
        )
    assert date.fromisoformat(str(day))
