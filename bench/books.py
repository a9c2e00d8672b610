"""The books at scale, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/books.py                                  # both databases, the issue's sizes
    .venv/bin/python bench/books.py --backends sqlite --invoices 20000 --lines 200000
    make bench-books BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py) and ``--clients``
clients, then loads ``--invoices`` issued invoices of one company with set-based statements (the loader of
bench/receivables.py; one in ten in EUR at 1.08, the rest in USD), each with a time line and a fixed-fee line
and 19 % tax (written with the issued-invoice guards set aside, as a bulk load would; they are put back before
anything is timed). It then times, once each (wall seconds, this process's CPU seconds, load average):

- ``post``: ``books.actions.journal_sync_unattended`` — reads every unposted invoice in one grouped query and
  posts one balanced, hash-chained entry per invoice (receivable, tax, revenue by kind); target < 20 s for
  100,000 invoices;
- ``fill``: more entries of four lines through the same store until the journal holds ``--lines`` lines;
- ``trial_balance``: ``books.queries.trial_balance`` over all of them (median of ``--repeat``); target < 1 s
  for 1,000,000 lines;
- ``verify``: ``books.chain.ledger_verify`` walking the whole chain; target < 10 s for 1,000,000 lines.

Checks: the trial balance balances, its receivable equals the invoices' converted totals, the chain is intact.
Results: printed, and bench/results/books.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, once, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_books"
SQLITE_URL = "sqlite:////tmp/margin-bench/books.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"post": 20.0, "trial_balance": 1.0, "verify": 10.0}


def _lines(company: Any) -> None:
    """Two lines per loaded invoice (60 % time, the rest a fixed fee) and 19 % tax, set-based, with the
    issued-invoice guards dropped for the load and installed again after it."""
    from django.db import connection

    from margin.billing import frozen
    from margin.billing.models import Invoice, InvoiceLine

    inv, line = Invoice._meta.db_table, InvoiceLine._meta.db_table
    with connection.schema_editor() as editor:
        frozen.drop_all(editor)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {inv} SET tax_minor = total_minor * 19 / 119, "
                "net_minor = total_minor - total_minor * 19 / 119 WHERE company_id = %s",
                [company.pk],
            )
            for position, kind, amount in (
                (1, "time", "net_minor * 6 / 10"),
                (2, "fixed", "net_minor - net_minor * 6 / 10"),
            ):
                cursor.execute(
                    f"""INSERT INTO {line} (invoice_id, position, kind, description, quantity, unit, unit_price,
                            minutes, hourly_rate, amount_minor, time_value_minor, standard_minor, adjustment_reason,
                            tax_category, tax_rate, tax_minor)
                        SELECT id, %s, %s, 'Work', 1, 'C62', 0, 0, 0, {amount}, 0, 0, '', 'S', 19, 0
                        FROM {inv} WHERE company_id = %s""",
                    [position, kind, company.pk],
                )
        frozen.install_all(editor)


def _fill(company: Any, lines: int) -> int:
    """Four-line entries through the store until the journal holds `lines` lines; returns entries added."""
    from datetime import timedelta

    from django.db import transaction

    from margin.books.actions import _store
    from margin.books.models import Account, JournalLine
    from margin.books.rules import EntrySpec, LineSpec, Role

    accounts = {a.role: a.pk for a in Account.objects.filter(company=company, role__isnull=False)}
    have = JournalLine.objects.filter(company=company).count()
    added = 0
    day0 = datetime(2025, 1, 1).date()
    while have < lines:
        batch = []
        for n in range(min(20000, (lines - have + 3) // 4)):
            amount = 1000 + (added + n) % 5000
            batch.append(
                EntrySpec(
                    company_id=company.pk,
                    organisation_id=company.organisation_id,
                    date=day0 + timedelta(days=(added + n) % 700),
                    description=f"Bench entry {added + n}",
                    source_kind="manual",
                    currency=company.base_currency,
                    lines=[
                        LineSpec(accounts[Role.EXPENSES], amount, "USD", amount, "Travel"),
                        LineSpec(accounts[Role.BANK_CHARGES], 100, "USD", 100, "Fees"),
                        LineSpec(accounts[Role.BANK], -amount - 50, "USD", -amount - 50, "Paid"),
                        LineSpec(accounts[Role.EMPLOYEE_PAYABLE], -50, "USD", -50, "Owed"),
                    ],
                )
            )
        with transaction.atomic():
            _store(company, batch, actor_id=None)
        added += len(batch)
        have += 4 * len(batch)
    return added


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from bench.receivables import _load_invoices
    from margin.books.actions import journal_sync_unattended
    from margin.books.chain import ledger_verify
    from margin.books.models import JournalEntry, JournalLine
    from margin.books.queries import trial_balance
    from margin.crm.models import Client
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "invoices": args.invoices, "lines_target": args.lines}
    rec["server_version"] = server_version()
    firm = build_firm()
    company = firm.usd
    today = timezone.localdate()
    with transaction.atomic():
        Client.objects.bulk_create(
            [
                Client(organisation_id=company.organisation_id, name=f"Client {i:05d}", currency="USD")
                for i in range(args.clients)
            ]
        )
        client_ids = list(
            Client.objects.filter(organisation_id=company.organisation_id, name__startswith="Client ")
            .order_by("id")
            .values_list("id", flat=True)
        )
        _load_invoices(company, client_ids, args.invoices, today)
    _lines(company)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result, rec["post"] = once(lambda: journal_sync_unattended(company=company))
    rec["posted"] = result.posted
    rec["problems"] = result.problems
    invoice_lines = JournalLine.objects.filter(company=company).count()
    rec["invoice_lines"] = invoice_lines
    added, rec["fill"] = once(lambda: _fill(company, args.lines))
    rec["fill_entries"] = added
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rec["entries"] = JournalEntry.objects.filter(company=company).count()
    rec["lines"] = JournalLine.objects.filter(company=company).count()
    times = []
    cpu0 = time.process_time()
    load = os.getloadavg()[0]
    balance = trial_balance(company, date_to=today)  # warm-up
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        balance = trial_balance(company, date_to=today)
        times.append(time.perf_counter() - t0)
    rec["trial_balance"] = {
        "wall_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "cpu_s": round((time.process_time() - cpu0) / args.repeat, 3),
        "load": round(max(load, os.getloadavg()[0]), 2),
    }
    verification, rec["verify"] = once(lambda: ledger_verify(company.pk))
    from margin.billing.models import Invoice

    usd = Invoice.objects.filter(company=company, currency="USD").aggregate(t=Sum("total_minor"))["t"] or 0
    eur = Invoice.objects.filter(company=company, currency="EUR").values_list("total_minor", flat=True)
    from decimal import Decimal

    from margin.books.rules import convert_minor

    expected = usd + sum(convert_minor(t, Decimal("1.08"), "EUR", "USD") for t in eur)
    receivable = next((r.closing_minor for r in balance.rows if r.code == "1100"), None)
    checks = {
        "balances": balance.balances,
        "receivable": receivable == expected,
        "chain_intact": verification.intact and verification.lines == rec["lines"],
        "posted_all": result.posted == args.invoices,
    }
    rec["check"] = "ok" if all(checks.values()) else f"FAILED {checks}"
    return rec


def _row(r: dict[str, Any]) -> str:
    def cell(key: str) -> str:
        mark = "✓" if r[key]["wall_s"] < TARGETS[key] else "✗"
        return f"{r[key]['wall_s']:.2f} s (CPU {r[key]['cpu_s']:.2f}, load {r[key]['load']:.1f}) {mark}"

    return (
        f"| {r['backend']} {r['server_version']} | {r['posted']:,} ({r['invoice_lines']:,} lines) | {cell('post')} "
        f"| {r['lines']:,} | {cell('trial_balance')} | {cell('verify')} | {r['check']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["invoices", "lines", "clients", "repeat"],
        title=lambda b: f"== books on {b}: {args.invoices:,} invoices, {args.lines:,} journal lines",
    )
    lines = [
        "# The books",
        "",
        f"`{' '.join(['bench/books.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Wall seconds (this process's CPU seconds, 1-minute load average); "
        f"the trial balance is the median of {args.repeat} warm runs. ✓: under the issue's target "
        "(posting 20 s, trial balance 1 s, verification 10 s).",
        "",
        "| backend | invoices posted | posting | journal lines | trial balance | verification | check |",
        "|---|---:|---:|---:|---:|---:|---|",
        *[_row(r) for r in runs],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "books.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "books.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
