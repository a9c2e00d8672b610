"""The money rule as an authorisation matrix: every operation of the OpenAPI document × seven roles.

The operations come from the published document itself, so a new endpoint is in the matrix the day it is
added (and fails here until its path parameters have a value below). For every role and operation:

- **reads** (GET) answer the expected status: 404 for an object the role cannot see, 403 for money the role
  may not see on a project it can see (operations marked ``x-money: operation``), else 200, with the few
  role rules of other apps listed in ``READ_RULES``;
- **writes** are sent too (with a body made from their request schema, each inside a rolled-back
  savepoint): never a 5xx, never a success on another organisation's object or on a project the role does
  not see, and the writes whose answer carries money (``MONEY_WRITES``) answer the expected status;
- no answer to a role that may not see GLX-1's money contains any of its amounts (`tests.roles.NEEDLES`, in
  JSON, CSV or XML), and every field marked ``x-money: true`` in a JSON answer is null for that role;
- a schema check: every answered property whose name says money is marked ``x-money`` or listed in
  ``NOT_PROJECT_MONEY`` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from margin.api.openapi import openapi_document
from margin.api.tests.conftest import BASE
from tests.roles import NEEDLES, ROLES, SEES_MONEY, SEES_PROJECT, Roles, build_roles

DOCUMENT: dict[str, Any] = json.loads(openapi_document())
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
IN_ORG = set(ROLES) - {"other_org"}
NO_MONEY_AT_ALL = {"member", "member_elsewhere"}  # the others manage (or run) a project of their own

# Who sees the object a path parameter names (anyone else: 404). Parameters not listed name an object of the
# organisation that every member of it may read (a company, a person, a calendar, an exchange rate...).
AUDIENCE: dict[str, set[str]] = {
    "project_id": SEES_PROJECT,
    "task_id": SEES_PROJECT,
    "proposal_id": SEES_PROJECT,
    "dependency_id": SEES_PROJECT,
    "assignment_id": SEES_PROJECT,
    "entry_id": {"admin", "finance", "manager", "member"},  # Tom's entry: his, his approver's, finance's
    "claim_id": {"admin", "finance", "manager", "member"},  # Tom's claim, approved by GLX-1's manager
    "line_id": {"admin", "finance", "manager", "member"},
    "receipt_id": {"admin", "finance", "manager", "member"},
    "invoice_id": SEES_MONEY,  # an invoice is money: invisible to anyone else
    "contract_id": SEES_MONEY,  # so is a contract (GLX-1's), and its billing lines
    "billing_line_id": SEES_MONEY,
    "token_id": {"member"},  # Tom's own API token
    "delegate_id": {"admin", "manager", "member"},  # given by Maya on GLX-1 to Lea: admins, Maya (and Lea)
    # Payments and bank statements are finance's (receivables): invisible to anyone else.
    "payment_id": {"admin", "finance"},
    "statement_id": {"admin", "finance"},
    "statement_line_id": {"admin", "finance"},
    # The books and revenue runs are finance's: a journal entry, an account or a run is invisible to anyone else.
    "journal_entry_id": {"admin", "finance"},
    "ledger_account_id": {"admin", "finance"},
    "revenue_run_id": {"admin", "finance"},
    # Bookings, staffing requests and plans are for those who see everyone's load (a member: their own bookings).
    "booking_id": {"admin", "finance", "manager", "manager_elsewhere", "member"},
    "request_id": {"admin", "finance", "manager", "manager_elsewhere"},
    "plan_id": {"admin", "finance", "manager", "manager_elsewhere"},
    # Tom's time off: his, and his approver's (he has no line manager: the administrators').
    "time_off_id": {"admin", "member"},
    # RAID: whoever sees GLX-1 reads its risks, issues, decisions and change requests (money fields: null for Tom).
    "risk_id": SEES_PROJECT,
    "issue_id": SEES_PROJECT,
    "decision_id": SEES_PROJECT,
    "change_request_id": SEES_PROJECT,
    # The organisation's webhook and allowed host: administrators manage them (a manager only their projects').
    "webhook_id": {"admin"},
    "allowed_host_id": {"admin"},
    # A comment or a file on GLX-1's Design task: whoever sees the task (an invoice's thread: whoever sees it).
    "comment_id": SEES_PROJECT,
    "attachment_id": SEES_PROJECT,
}
# Reads restricted by a rule of their own (not the money rule): operationId suffix → role → status.
FINANCE_ONLY = {"manager": 403, "manager_elsewhere": 403, "member": 403, "member_elsewhere": 403}
ADMIN_ONLY = {"finance": 403, **FINANCE_ONLY}
READ_RULES: dict[str, dict[str, int]] = {
    # Finding people by skills is staffing: for those who see everyone's load; the skill asked for is Acme's.
    "skills_skill_search": {"member": 403, "member_elsewhere": 403, "other_org": 404},
    # Users and their access are the administrators' (Settings → Users).
    "users_user_list": ADMIN_ONLY,
    "users_user_detail": ADMIN_ONLY,
    # A person's cost rate is the firm's cost of their hour: finance and administrators (not a project's rate).
    "people_cost_rate_list": FINANCE_ONLY,
    # What changed after a period was closed: finance's audit of its close.
    "periods_period_changes": FINANCE_ONLY,
    # What is left to do before a close (counts and company totals): finance's, who close; another
    # organisation does not find the company.
    "periods_period_checklist": {**FINANCE_ONLY, "other_org": 404},
    # A company's tax codes are finance's settings.
    "contracts_tax_code_list": FINANCE_ONLY,
    # Converting needs a rate of the caller's own organisation: the other one has none.
    "exchange_rates_rate_convert": {"other_org": 422},
    "exchange_rates_rate_lookup": {"other_org": 422},
    # An invoice's documents: GLX-1's invoice was billed without a tax code (its contract has none), so it cannot
    # be written as an e-invoice, and those who may read it are told which lines lack a tax category.
    "invoice_documents_invoice_pdf": {"admin": 422, "finance": 422, "manager": 422},
    "invoice_documents_invoice_ubl": {"admin": 422, "finance": 422, "manager": 422},
    "invoice_documents_invoice_cii": {"admin": 422, "finance": 422, "manager": 422},
    # Receivables (payments, bank statements, ageing, statements of account, DSO) are finance's.
    "receivables_payment_list": FINANCE_ONLY,
    "receivables_statement_list": FINANCE_ONLY,
    "receivables_ageing": FINANCE_ONLY,
    "receivables_dso": FINANCE_ONLY,
    "receivables_client_statement": FINANCE_ONLY,
    # The books (chart, journal, trial balance, verification) and revenue recognition are finance's.
    "books_account_list": FINANCE_ONLY,
    "books_entry_list": FINANCE_ONLY,
    "books_trial_balance_get": FINANCE_ONLY,
    "books_verification_get": FINANCE_ONLY,
    "books_profit_and_loss_get": FINANCE_ONLY,
    "books_balance_sheet_get": FINANCE_ONLY,
    "books_consolidated_get": FINANCE_ONLY,
    "books_category_accounts": FINANCE_ONLY,
    "revenue_run_list": FINANCE_ONLY,
    "revenue_run_preview_get": FINANCE_ONLY,
    "revenue_contract_history_get": FINANCE_ONLY,
    # The ledger exports (beancount, GnuCash, Xero, QuickBooks Online) are the books: finance's.
    "margin_integrations_ledgers_api_books_export_beancount": FINANCE_ONLY,
    "margin_integrations_ledgers_api_books_export_gnucash": FINANCE_ONLY,
    "margin_integrations_ledgers_api_books_export_xero": FINANCE_ONLY,
    "margin_integrations_ledgers_api_books_export_quickbooks": FINANCE_ONLY,
    # Allowed webhook hosts are the administrators' (the other organisation's admin lists its own, empty list).
    "webhooks_allowed_host_list": ADMIN_ONLY,
    # The thread of GLX-1's Design task (?target=task:…): whoever sees the task; anyone else does not find it.
    "comments_comment_list": dict.fromkeys(set(ROLES) - SEES_PROJECT, 404),
    "attachments_attachment_list": dict.fromkeys(set(ROLES) - SEES_PROJECT, 404),
}
# Writes whose answer can carry money: operationId suffix → the status of each role, in the order of ROLES
# (admin, finance, manager, manager_elsewhere, member, member_elsewhere, other_org). Each is called on the world
# of tests.roles (the claim approved, the invoice issued, Tom's entry billed), inside a rolled-back savepoint.
MONEY_WRITES: dict[str, tuple[int, ...]] = {
    "expenses_claim_add": (201, 403, 403, 403, 201, 403, 404),  # finance and Maya have no person of their own…
    "expenses_claim_change": (409, 403, 403, 404, 409, 404, 404),  # …to claim for; an approved claim is settled
    "expenses_claim_approve": (409, 409, 409, 404, 403, 404, 404),
    "expenses_claim_reject": (409, 409, 409, 404, 403, 404, 404),
    "expenses_claim_submit": (409, 403, 403, 404, 409, 404, 404),
    "expenses_claim_reimburse": (200, 200, 403, 404, 403, 404, 404),
    "expenses_line_add": (409, 403, 403, 404, 409, 404, 404),
    "expenses_line_change": (409, 403, 403, 404, 409, 404, 404),
    "invoices_invoice_draft": (422, 422, 403, 404, 403, 404, 404),  # nothing left to invoice
    "invoices_invoice_issue_post": (409, 409, 403, 404, 404, 404, 404),  # issued already
    "invoices_invoice_discard_post": (409, 409, 403, 404, 404, 404, 404),
    # Reviewing a draft and crediting are finance's; the matrix's invoice is issued (a draft changes, a credit
    # note needs lines or an amount), and nothing is left to draft on GLX-1's contract.
    "invoice_review_contract_draft": (422, 422, 403, 404, 404, 404, 404),
    "invoice_review_line_adjust": (409, 409, 403, 404, 404, 404, 404),
    "invoice_review_line_remove": (409, 409, 403, 404, 404, 404, 404),
    "invoices_invoice_line_add": (409, 409, 403, 404, 404, 404, 404),
    "invoice_review_time_hold": (409, 409, 403, 404, 404, 404, 404),
    "invoice_review_credit_note": (422, 422, 403, 404, 404, 404, 404),
    "invoice_review_rerating_post": (200, 200, 403, 404, 404, 404, 404),  # nothing to re-rate: an empty answer
    # Sending is finance's; Globex has no billing e-mail and the matrix names no recipient.
    "invoice_documents_invoice_send_post": (422, 422, 403, 404, 404, 404, 404),
    "people_cost_rate_add": (201, 201, 403, 403, 403, 403, 404),
    "projects_project_add": (201, 403, 201, 404, 403, 403, 404),
    "projects_project_change": (200, 403, 200, 404, 403, 404, 404),
    "projects_rate_set": (201, 201, 201, 404, 403, 404, 404),
    "planning_baseline_add": (201, 403, 201, 404, 403, 404, 404),
    "time_entries_entry_add": (201, 403, 403, 404, 201, 404, 404),
    "time_entries_entry_change": (409, 403, 403, 404, 409, 404, 404),  # billed
    "timers_timer_end": (404, 404, 404, 404, 404, 404, 404),  # no timer runs
    "project_copies_project_copy_add": (201, 403, 201, 404, 403, 404, 404),
    "project_copies_template_save": (201, 403, 201, 404, 403, 404, 404),
    "project_copies_archive": (409, 403, 409, 404, 403, 404, 404),  # GLX-1 is open: close it first
    "project_copies_unarchive": (409, 403, 409, 404, 403, 404, 404),  # not archived
    "projects_rate_card_put": (200, 200, 200, 404, 403, 404, 404),
    # Contracts are finance's: GLX-1's manager reads its contract but changes nothing.
    "contracts_contract_add": (201, 201, 403, 403, 403, 403, 404),
    "contracts_contract_change": (200, 200, 403, 404, 404, 404, 404),
    "contracts_contract_project_put": (200, 200, 403, 404, 404, 404, 404),
    "contracts_line_add": (201, 201, 403, 404, 404, 404, 404),
    "contracts_line_change": (200, 200, 403, 404, 404, 404, 404),
    "contracts_instalment_add": (422, 422, 403, 404, 404, 404, 404),  # the first line bills time, not a fixed fee
    "contracts_client_card_put": (200, 200, 403, 403, 403, 403, 404),
    "contracts_default_card_put": (200, 200, 403, 403, 403, 403, 200),  # other_org: its own default card
    # A form with a file: the matrix sends none, so every role is refused before any access check (who may
    # import is tested in margin/integrations/projectfile/tests/test_api.py).
    "margin_integrations_projectfile_api_project_from_file": (422, 422, 422, 422, 422, 422, 422),
    # Receivables are finance's: a manager sees the company and the client but records no payment; a payment or
    # a statement line is invisible to anyone else. The bank-statement upload is a form with a file (see above;
    # margin/api/tests/test_receivables_api.py tests who may import).
    "receivables_payment_add": (201, 201, 403, 403, 403, 403, 404),
    "receivables_payment_remove": (204, 204, 404, 404, 404, 404, 404),
    "receivables_allocation_add": (200, 200, 404, 404, 404, 404, 404),  # the rest of the payment, to the invoice
    "receivables_allocation_remove": (200, 200, 404, 404, 404, 404, 404),  # every allocation taken back
    "receivables_statement_add": (422, 422, 422, 422, 422, 422, 422),
    "receivables_line_accept": (201, 201, 404, 404, 404, 404, 404),
    # The books and revenue recognition are finance's. The matrix's manual entry has one line (refused before any
    # access check); its journal entry was posted from an invoice (corrected through documents, not reversed).
    "books_entry_add": (422, 422, 422, 422, 422, 422, 422),
    "books_entry_reverse": (409, 409, 404, 404, 404, 404, 404),
    # GLX-1's billing line bills time: no estimate without a figure, no price to modify.
    "revenue_estimate_add": (422, 422, 403, 403, 403, 403, 404),
    "revenue_modification_add": (422, 422, 403, 403, 403, 403, 404),
    # The matrix asks for a month before the run it holds; nothing is open in another currency to revalue.
    "revenue_run_add": (409, 409, 403, 403, 403, 403, 404),
    "books_fx_revaluation_post": (201, 201, 403, 403, 403, 403, 404),
    # RAID and change control: the project's manager and administrators write (finance and members read); a risk's
    # contingency and a change request's cost and price are the project's money. The world's change request is a
    # draft: it can be changed and submitted, not decided or applied.
    "risks_risk_add": (201, 403, 201, 404, 403, 404, 404),
    "risks_risk_change": (200, 403, 200, 404, 403, 404, 404),
    "risks_change_request_add": (201, 403, 201, 404, 403, 404, 404),
    "risks_change_request_change": (200, 403, 200, 404, 403, 404, 404),
    "risks_change_request_submit": (200, 403, 200, 404, 403, 404, 404),
    "risks_change_request_approve": (409, 403, 409, 404, 403, 404, 404),
    "risks_change_request_reject": (409, 403, 409, 404, 403, 404, 404),
    "risks_change_request_apply": (409, 403, 409, 404, 403, 404, 404),
}

# Properties whose name says money but that are not a project's money, and why.
NOT_PROJECT_MONEY = {
    # The close checklist's totals are a company's, answered to finance only (the read rule above).
    ("ChecklistAmountOut", "amount_minor"): "a company total for finance's close",
    ("ChecklistItemOut", "amounts"): "a company total for finance's close",
    # An expense claim is its claimant's own document: what they spent and the markup they asked for.
    ("ClaimOut", "total"): "the claimant's own spending",
    ("ClaimDetailOut", "total"): "the claimant's own spending",
    ("LineOut", "amount"): "the claimant's own spending",
    ("LineOut", "converted"): "the claimant's own spending",
    ("LineOut", "exchange_rate"): "a published exchange rate",
    ("LineOut", "unit_rate"): "the company's mileage or per-diem rate, public to its people",
    ("CompanyRateOut", "rate"): "the company's mileage or per-diem rate, public to its people",
    # Exchange rates are the organisation's reference rates (every member converts expenses with them).
    ("ExchangeRateOut", "rate"): "a published exchange rate",
    ("RateLookupOut", "rate"): "a published exchange rate",
    ("ConvertOut", "rate"): "a published exchange rate",
    ("TranslationRateOut", "closing_rate"): "a published exchange rate",
    ("TranslationRateOut", "average_rate"): "an average of published exchange rates",
    ("ConvertOut", "amount_minor"): "the caller's own amount, converted",
    ("ConvertOut", "converted_minor"): "the caller's own amount, converted",
    ("EcbImportOut", "rates"): "a count of imported rates",
    # Counts and durations.
    ("JobOut", "total"): "a count of items",
    ("TaxCodeOut", "rate"): "a VAT rate (percent), public law",
    ("WeekRowOut", "total"): "minutes",
    ("WeekOut", "total"): "minutes",
    # Utilisation's totals are minutes and percentages of everyone shown (realisation in them is marked x-money).
    ("UtilisationOut", "total"): "minutes and percentages",
    ("ForecastOut", "total"): "minutes and percentages",
}
MONEY_NAME = re.compile(
    r"amount|_rate$|^rate$|hourly|cost|revenue|margin|price|^total$|^wip$|^(bac|pv|ev|ac|sv|cv|eac|etc|vac)$"
)


def _ref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _response_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status in ("200", "201", "202"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        if "application/json" in content:
            return dict(content["application/json"]["schema"])
    return None


def _money_values(schema: dict[str, Any], data: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of ``data`` that the schema marks as money (``x-money`` on a property or on a shape)."""
    schema = _ref(schema)
    if schema.get("x-money") == "shape" and data is not None:
        yield where or "(answer)", data
        return
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            yield from _money_values(option, data, where)
    if isinstance(data, list) and "items" in schema:
        for i, item in enumerate(data):
            yield from _money_values(schema["items"], item, f"{where}[{i}]")
    if isinstance(data, dict):
        for name, prop in schema.get("properties", {}).items():
            if prop.get("x-money") is True:
                yield f"{where}.{name}", data.get(name)
            elif name in data:
                yield from _money_values(prop, data[name], f"{where}.{name}")


def _operations() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for path, methods in sorted(DOCUMENT["paths"].items()):
        for method, operation in methods.items():
            yield method, path, operation["operationId"].replace("margin_api_routers_", ""), operation


def _params(world: Roles) -> dict[str, Any]:
    return {
        "project_id": world.project.pk,
        "task_id": world.firm.design.pk,
        "invoice_id": world.invoice.pk,
        "entry_id": world.entry.pk,
        "person_id": world.firm.member_person.pk,
        "manager_id": world.firm.manager_person.pk,
        "company_id": world.firm.usd.pk,
        "client_id": world.firm.client.pk,
        "role_id": world.firm.consultant.pk,
        "claim_id": world.claim.pk,
        "line_id": world.line.pk,
        "receipt_id": world.receipt.pk,
        "run_id": world.run.pk,
        "proposal_id": world.proposal.pk,
        "calendar_id": world.calendar.pk,
        "rate_id": world.exchange_rate.pk,
        "lock_id": world.lock.pk,
        "index": 0,
        "predecessor_id": world.firm.build.pk,
        "successor_id": world.firm.design.pk,
        "entry_ids": [world.entry.pk],
        "contract_id": world.contract.pk,
        "billing_line_id": world.contract.billing_lines.order_by("position").first().pk,  # type: ignore[union-attr]
        "currency": "USD",
        **world.extra,
    }


def _query(world: Roles) -> dict[str, Any]:
    day = world.work_date.isoformat()
    return {
        "skill": f"{world.extra['skill_id']}:1",
        "week": day,
        "from": day,
        "to": (world.work_date + timedelta(days=6)).isoformat(),
        "from_currency": "USD",
        "to_currency": "EUR",
        "day": "2024-01-05",
        "amount_minor": 1000,
        "person_id": world.firm.member_person.pk,
        "up_to": day,
        "since": day,
        "company": world.firm.usd.pk,
        "through": day,
        "date_from": day,
        "date_to": day,
        "as_of": day,
        "year": world.work_date.year,
        "month": world.work_date.month,
        "target": f"task:{world.firm.design.pk}",
    }


def _value(name: str, schema: dict[str, Any], params: dict[str, Any], day: date) -> Any:
    """A plausible value for a request field, from its name and schema."""
    schema = _ref(schema)
    if name in params:
        return params[name]
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if options:
        return _value(name, options[0], params, day)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object":
        return _body(schema, params, day)
    if kind == "array":
        return [_value(name, schema.get("items", {}), params, day)] if schema.get("minItems") else []
    if kind == "boolean":
        return False
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(int(low), min(30, int(schema.get("maximum", 30))))
    if kind == "number" or fmt == "decimal":
        return "10"
    if fmt == "date":
        return day.isoformat()
    if fmt == "date-time":
        return timezone.now().isoformat()
    if "currency" in name:
        return "USD"
    if name == "email":
        return "matrix@example.test"
    return "MTX-1" if name == "code" else "Matrix"


def _body(schema: dict[str, Any], params: dict[str, Any], day: date) -> dict[str, Any]:
    schema = _ref(schema)
    required = set(schema.get("required", []))
    return {
        name: _value(name, prop, params, day)
        for name, prop in schema.get("properties", {}).items()
        if name in required or name in params
    }


# Request fields the made-up body must leave out for the call to be a real one.
BODY_OMITS: dict[str, set[str]] = {
    "planning_baseline_add": {"index"},  # the first free slot (0 is taken)
    "projects_rate_set": {"person_id"},  # a role's rate, not a person's override as well
}


def _call(client: Client, method: str, url: str, operation: dict[str, Any], world: Roles) -> Any:
    omit = BODY_OMITS.get(operation["operationId"].replace("margin_api_routers_", ""), set())
    params = {k: v for k, v in _params(world).items() if k not in omit}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _value("body", content["application/json"]["schema"], params, world.work_date)  # an object or a list
        return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    query = {
        p["name"]: _query(world)[p["name"]]
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")  # a $ref is the Idempotency-Key header
    }
    return getattr(client, method)(url, query) if method == "get" else getattr(client, method)(url)


def _url(path: str, world: Roles) -> str:
    params = _params(world)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        assert name in params, f"{path}: give the path parameter {name!r} a value in _params()"
        return str(params[name])

    return re.sub(r"\{([^}]+)\}", fill, path)


def _expected_read(path: str, name: str, operation: dict[str, Any], role: str) -> int:
    for param in re.findall(r"\{(?:\w+:)?(\w+)\}", path):
        if role == "other_org" or role not in AUDIENCE.get(param, IN_ORG):
            return 404
    rule = READ_RULES.get(name, {})
    if role in rule:
        return rule[role]
    if operation.get("x-money") == "operation" and role not in SEES_MONEY and "{" in path:
        return 403
    return 200


def _text(response: Any) -> str:
    kind = response.get("Content-Type", "")
    if not any(t in kind for t in ("json", "csv", "xml", "text")):
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return str(body.decode("utf-8", "replace"))


def _leaks(role: str, operation: dict[str, Any], response: Any, text: str) -> list[str]:
    """GLX-1's amounts in an answer to a role that may not see them; and for the members, who may see no
    project's money at all, any non-null marked money field."""
    if role in SEES_MONEY or response.status_code >= 400:
        return []
    found = [f"amount {needle} in the answer" for needle in NEEDLES if needle in text]
    schema = _response_schema(operation)
    json_answer = response.get("Content-Type", "").startswith("application/json")
    if role in NO_MONEY_AT_ALL and schema is not None and text and json_answer:
        found += [f"{where} = {value!r}" for where, value in _money_values(schema, json.loads(text)) if value]
    return found


@pytest.mark.django_db
def test_every_operation_for_every_role() -> None:
    world = build_roles()
    clients = {}
    for role, user in world.users.items():
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(user)
    problems: list[str] = []
    seen_by_finance: list[str] = []
    for method, path, name, operation in _operations():
        url = _url(path.removeprefix(BASE), world)
        url = BASE + url
        for role in ROLES:
            with transaction.atomic():
                response = _call(clients[role], method, url, operation, world)
                text = _text(response)
                transaction.set_rollback(True)
            status = response.status_code
            where = f"{method.upper()} {path} as {role}"
            problems += [f"{where}: {leak}" for leak in _leaks(role, operation, response, text)]
            if role == "finance":
                seen_by_finance.append(text)
            if status >= 500:
                problems.append(f"{where}: {status}")
            elif method == "get":
                expected = _expected_read(path, name, operation, role)
                if status != expected:
                    problems.append(f"{where}: {status}, expected {expected}: {text[:160]}")
            elif name in MONEY_WRITES and status != MONEY_WRITES[name][ROLES.index(role)]:
                expected = MONEY_WRITES[name][ROLES.index(role)]
                problems.append(f"{where}: {status}, expected {expected}: {text[:160]}")
            elif status < 300 and _expected_read(path, name, {}, role) == 404:
                problems.append(f"{where}: {status} on an object this role cannot see")
    assert not problems, "\n".join(problems)
    # The needles are real: finance reads every one of them somewhere (the web-only spellings aside).
    everything = "\n".join(seen_by_finance)
    assert [n for n in NEEDLES if n not in everything and "," not in n] == []


def _carries_money(schema: Any, depth: int = 0) -> bool:
    if depth > 8 or not isinstance(schema, dict | list):
        return False
    if isinstance(schema, list):
        return any(_carries_money(item, depth + 1) for item in schema)
    if "x-money" in schema:
        return True
    if "$ref" in schema:
        return _carries_money(_ref(schema), depth + 1)
    return any(_carries_money(value, depth + 1) for value in schema.values())


def test_every_write_that_answers_money_has_its_row() -> None:
    """A new write whose answer can carry money fails here until its statuses are in MONEY_WRITES."""
    writes = {
        name
        for method, _, name, operation in _operations()
        if method != "get" and (operation.get("x-money") or _carries_money(_response_schema(operation) or {}))
    }
    assert writes == set(MONEY_WRITES)


def test_every_money_property_is_marked() -> None:
    """A property whose name says money is marked x-money (on itself or on its shape) or listed as not a
    project's money: a new money field cannot slip into the API unmarked."""
    unmarked = []
    for shape, schema in SCHEMAS.items():
        if schema.get("x-money") == "shape" or shape == "MoneyOut" or shape.endswith(("In", "Patch", "Query")):
            continue
        for name, prop in schema.get("properties", {}).items():
            refs = json.dumps(prop)
            moneyish = "#/components/schemas/MoneyOut" in refs or (
                MONEY_NAME.search(name) is not None and '"boolean"' not in refs
            )
            if moneyish and prop.get("x-money") is not True and (shape, name) not in NOT_PROJECT_MONEY:
                unmarked.append(f"{shape}.{name}")
    assert unmarked == []


def test_money_operations_and_fields_are_documented() -> None:
    """The document says what a viewer without the money gets: null in marked fields, a refusal from
    money-only operations."""
    operations = [op for _, _, _, op in _operations() if op.get("x-money") == "operation"]
    assert len(operations) >= 12
    fields = [
        prop
        for schema in SCHEMAS.values()
        for prop in schema.get("properties", {}).values()
        if prop.get("x-money") is True
    ]
    assert fields and all("Null unless you may see this project's money" in f["description"] for f in fields)
