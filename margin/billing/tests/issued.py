"""Issued invoices and credit notes made directly in the database, for the document and sending tests.

The drafting and issuing actions are tested elsewhere (and evolve on their own); these tests need documents of
every shape EN 16931 knows (reverse charge, export, several rates, a foreign currency, a credit note, a
discount), so `issued()` writes one as the issue action leaves it: a draft with its lines and tax summary first
(the database refuses lines on an issued invoice), then number, dates, status and the parties snapshot in one
UPDATE. The tax summary is computed by `contracts.taxes.tax_summary`, the same arithmetic drafting uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from margin.accounts import actions as accounts
from margin.accounts.models import Company, Person
from margin.billing.documents import parties_of
from margin.billing.models import DocumentKind, Invoice, InvoiceLine, InvoiceStatus, InvoiceTaxRow, LineKind
from margin.contracts import taxes
from margin.contracts.models import Contract
from margin.core.money import minor_units
from margin.crm import actions as crm
from margin.crm.models import Client
from margin.projects import actions as projects
from margin.projects.models import Project
from tests.firm import Firm

D = Decimal
ONE, ZERO, NINETEEN = D(1), D(0), D(19)
ISSUED_ON = date(2026, 12, 1)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
GERMAN_ADDRESS = "Friedrichstraße 68\n3. OG\n10117 Berlin\nGermany"


@dataclass(frozen=True)
class Line:
    """One line to write: `quantity` × `price` (the amount, rounded to the currency), or `amount_minor` as given
    (a discount: negative)."""

    description: str
    quantity: Decimal = ONE
    price: Decimal = ZERO
    category: str = "S"
    rate: Decimal = NINETEEN
    unit: str = "HUR"
    kind: str = LineKind.TIME
    amount_minor: int | None = None
    project: Project | None = None
    period: tuple[date, date] | None = None
    minutes: int = 0

    def amount(self, currency: str) -> int:
        if self.amount_minor is not None:
            return self.amount_minor
        return int((self.quantity * self.price).scaleb(minor_units(currency)).quantize(D(1), rounding="ROUND_HALF_UP"))


def german_seller(firm: Firm, **changes: str) -> Company:
    """The firm's EUR company as a German GmbH with a VAT id, an address, a bank account and an e-mail."""
    values = {
        "legal_name": "Acme Beratung GmbH",
        "tax_id": "DE123456789",
        "address": GERMAN_ADDRESS,
        "country": "DE",
        "email": "rechnung@acme-beratung.example",
        "bank_name": "Commerzbank",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        **changes,
    }
    Company.objects.filter(pk=firm.eur.pk).update(**values)
    firm.eur.refresh_from_db()
    return firm.eur


def client(firm: Firm, name: str, **details: object) -> Client:
    """A client of the firm; a German business (domestic) unless told otherwise."""
    values: dict[str, object] = {
        "billing_address": "Hauptstraße 5\n80331 München",
        "country": "DE",
        "tax_id": "DE987654321",
        "billing_email": "ap@kunde.example",
        **details,
    }
    return crm.client_create(viewer=firm.admin, name=name, currency=str(values.pop("currency", "EUR")), **values)


def french_business(firm: Firm) -> Client:
    return client(
        firm,
        "Client Industrie SA",
        billing_address="1 avenue Foch\nBâtiment B\n69006 Lyon\nFrance",
        country="FR",
        tax_id="FR44987654321",
        tax_treatment="eu_business",
        billing_email="ap@client-industrie.example",
    )


def american_client(firm: Firm) -> Client:
    return client(
        firm,
        "Bluefin Logistics Inc.",
        billing_address="1200 Harbor Way\nSeattle, WA 98134\nUnited States",
        country="US",
        tax_id="EIN 91-4827310",
        tax_treatment="export",
        billing_email="ap@bluefin.example",
        currency="USD",
    )


def project_of(firm: Firm, company: Company, buyer: Client, code: str) -> Project:
    """A project of `company` for `buyer`: managed by the firm's manager when it is their company's, else by a
    manager of that company (made on first use)."""
    manager = firm.manager_person
    if manager.company_id != company.pk:
        manager = Person.objects.filter(company=company, email="erik@example.test").first() or accounts.person_create(
            viewer=firm.admin, company=company, role=firm.senior, name="Erik", email="erik@example.test"
        )
    return projects.project_create(
        viewer=firm.admin, company=company, client=buyer, manager=manager, code=code, name=f"{code} work"
    )


def contract_of(project: Project) -> Contract | None:
    return Contract.objects.filter(covered__project=project).first()


def issued(
    *,
    company: Company,
    buyer: Client,
    project: Project | None,
    lines: list[Line],
    number: str,
    currency: str = "EUR",
    kind: str = DocumentKind.INVOICE,
    credited: Invoice | None = None,
    reason: str = "",
    exchange_rate: Decimal = ONE,
    exchange_rate_date: date | None = None,
    rounding: str = taxes.PER_LINE,
    issue_date: date = ISSUED_ON,
    due_days: int = 30,
    buyer_reference: str = "",
    contract: Contract | None = None,
    snapshot: bool = True,
    period_end: date = NOVEMBER[1],
    note: str = "",
    sign: int = 1,
    issue: bool = True,
) -> Invoice:
    """An issued invoice (or credit note) with these lines, its tax summary and totals. `sign` -1 stores a
    credit note's amounts as negative numbers (the documents must read either convention); `issue` False
    leaves it a draft. A line with category "" is one made before tax codes existed."""
    taxable = [
        taxes.TaxableLine(key=n, net_minor=sign * line.amount(currency), category=line.category, rate=line.rate)
        for n, line in enumerate(lines)
        if line.category
    ]
    summary = taxes.tax_summary(taxable, currency=currency, method=rounding)
    net = sum(sign * line.amount(currency) for line in lines)
    invoice = Invoice.objects.create(
        organisation_id=company.organisation_id,
        company=company,
        client=buyer,
        contract=contract if contract is not None else (contract_of(project) if project else None),
        project=project,
        kind=kind,
        credited_invoice=credited,
        reason=reason,
        currency=currency,
        company_currency=company.base_currency,
        exchange_rate=exchange_rate,
        exchange_rate_date=exchange_rate_date,
        tax_rounding=rounding,
        buyer_reference=buyer_reference,
        note=note,
        period_end=period_end,
        net_minor=net,
        tax_minor=summary.tax_total_minor,
        total_minor=net + summary.tax_total_minor,
        total_minutes=sum(line.minutes for line in lines),
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=n,
                kind=line.kind,
                project=line.project or project,
                quantity=sign * line.quantity,
                unit=line.unit,
                unit_price=line.price,
                period_start=line.period[0] if line.period else None,
                period_end=line.period[1] if line.period else None,
                description=line.description,
                minutes=line.minutes,
                hourly_rate=line.price if line.unit == "HUR" else D(0),
                amount_minor=sign * line.amount(currency),
                standard_minor=sign * line.amount(currency),
                tax_category=line.category,
                tax_rate=line.rate,
                tax_minor=summary.line_tax_minor.get(n, 0),
            )
            for n, line in enumerate(lines)
        ]
    )
    InvoiceTaxRow.objects.bulk_create(
        [
            InvoiceTaxRow(
                invoice=invoice,
                category=row.category,
                rate=row.rate,
                taxable_minor=row.basis_minor,
                tax_minor=row.tax_minor,
                exemption_reason=(exemption.reason if (exemption := taxes.exemption_for(row.category)) else ""),
            )
            for row in summary.rows
        ]
    )
    if not issue:
        return invoice
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.ISSUED,
        number=number,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        parties=parties_of(company, buyer, invoice.contract) if snapshot else {},
    )
    invoice.refresh_from_db()
    return invoice


def kunde_invoice(firm: Firm, number: str = "RE-2026-0001", **changes: object) -> Invoice:
    """An issued invoice of the German seller to Kunde AG (ten hours at 120.00, 19 % VAT), on a project of its
    own; `changes` override the arguments of `issued` (lines, issue=False for a draft…)."""
    seller = german_seller(firm)
    buyer = Client.objects.filter(name="Kunde AG").first() or client(firm, "Kunde AG")
    values: dict[str, object] = {
        "company": seller,
        "buyer": buyer,
        "project": project_of(firm, seller, buyer, f"K-{number[-4:]}"),
        "number": number,
        "buyer_reference": "PO-4711",
        "lines": [Line("Beratung", Decimal(10), Decimal(120))],
        **changes,
    }
    return issued(**values)  # type: ignore[arg-type]
