"""The receivables ageing over 100,000 issued invoices, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/receivables.py                          # both databases, 100,000 invoices
    .venv/bin/python bench/receivables.py --backends sqlite --invoices 20000 --repeat 10
    make bench-receivables BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database (SQLite file under /tmp/margin-bench, PostgreSQL at
``--pg-url``, dropped and created again) builds the test firm (tests/firm.py, through the actions) and
``--clients`` clients, then loads with set-based statements (one ``INSERT … SELECT`` over a recursive series each,
no Python loop over rows):

- ``--invoices`` issued invoices of one company, spread over 400 days of issue dates, due 30 days later; one in ten
  in EUR at 1.08, the rest in USD; a quarter paid, a quarter half paid, half open;
- one payment per client dated in the last 30 days, and the allocations that paid those invoices (so
  ``paid_minor`` is the sum of its allocations, as the actions keep it), the payments' amounts set from them.

After ``ANALYZE`` it times, as the median of ``--repeat`` warm runs (wall ms; CPU seconds of this process over all
the runs; the 1-minute load average before and after, since the machine is shared):

- ``ageing_now``: ``receivables.queries.ageing_of(finance, as_of=today, company)``, the whole read model (the
  grouped query, the client names, the conversion into the company's currency): target < 300 ms;
- ``ageing_past``: the same as of 20 days ago, where payments received since are added back (the query's
  second form, with the aggregated allocations joined);
- ``ageing_sql``: the grouped query alone (``ageing_groups``);
- ``dso``: ``dso_of`` over 90 days.

Results: printed, and bench/results/receivables.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_receivables"
SQLITE_URL = "sqlite:////tmp/margin-bench/receivables.sqlite3"
TARGET_MS = 300.0
RESULTS = ROOT / "bench" / "results"


def _timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()  # warm-up
    times = []
    cpu0 = time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "cpu_s": round(time.process_time() - cpu0, 3),
    }


def _load_invoices(company: Any, client_ids: list[int], n: int, today: Any) -> None:
    """`n` issued invoices in one INSERT … SELECT over a recursive series; the columns not written here take
    their model default (or NULL), so new columns of billing_invoice do not break the loader."""
    from django.db import connection

    from margin.billing.models import Invoice

    first_client, clients = client_ids[0], len(client_ids)
    assert client_ids == list(range(first_client, first_client + clients)), "clients need consecutive ids"
    if connection.vendor == "postgresql":
        issue = "(%s::date - (s.n %% 400))"
        due = "(%s::date - (s.n %% 400) + 30)"
        stamp = "%s::timestamptz"
    else:
        issue = "date(%s, '-' || (s.n %% 400) || ' days')"
        due = "date(%s, '-' || (s.n %% 400) || ' days', '+30 days')"
        stamp = "%s"
    total = "(10000 + (s.n * 37) %% 90000)"
    written: dict[str, tuple[str, list[Any]]] = {
        "organisation_id": ("%s", [company.organisation_id]),
        "company_id": ("%s", [company.pk]),
        "client_id": (f"({first_client} + s.n %% {clients})", []),
        "kind": ("'invoice'", []),
        "currency": ("CASE WHEN s.n %% 10 = 0 THEN 'EUR' ELSE 'USD' END", []),
        "company_currency": ("'USD'", []),
        "exchange_rate": ("CASE WHEN s.n %% 10 = 0 THEN 1.08 ELSE 1 END", []),
        "status": ("'issued'", []),
        "period_end": (issue, [today]),
        "number": ("'B-' || s.n", []),
        "issue_date": (issue, [today]),
        "due_date": (due, [today]),
        "net_minor": (total, []),
        "tax_minor": ("0", []),
        "total_minor": (total, []),
        "paid_minor": (
            f"CASE WHEN s.n %% 4 = 0 THEN {total} WHEN s.n %% 4 = 1 THEN {total} / 2 ELSE 0 END",
            [],
        ),
        "credited_minor": ("0", []),
        "created_at": (stamp, [datetime.now().astimezone()]),
        "issued_at": (stamp, [datetime.now().astimezone()]),
    }
    columns, expressions, params = [], [], []
    for field in Invoice._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in written:
            expression, values = written[field.column]
            expressions.append(expression)
            params.extend(values)
        elif field.null:
            expressions.append("NULL")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s) "
        f"INSERT INTO {Invoice._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [n, *params])


def _load_payments(company: Any, user_id: int, today: Any) -> None:
    """One payment per client that has paid invoices, and the allocations of what `paid_minor` says: set-based."""
    from django.db import connection

    from margin.billing.models import Invoice
    from margin.receivables.models import Payment, PaymentAllocation

    inv, pay, alloc = Invoice._meta.db_table, Payment._meta.db_table, PaymentAllocation._meta.db_table
    received = (
        "(%s::date - (c.client_id %% 30)::int)"
        if connection.vendor == "postgresql"
        else ("date(%s, '-' || (c.client_id %% 30) || ' days')")
    )
    now = datetime.now().astimezone()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {pay} (organisation_id, company_id, client_id, received_on, currency, amount_minor,
                    bank_charges_minor, reference, method, note, statement_line_id, created_at, created_by_id)
                SELECT %s, %s, c.client_id, {received}, c.currency, 1, 0, 'bench', 'bank_transfer', '', NULL, %s, %s
                FROM (SELECT DISTINCT client_id, currency FROM {inv} WHERE company_id = %s AND paid_minor > 0) c""",
            [company.organisation_id, company.pk, today, now, user_id, company.pk],
        )
        cursor.execute(
            f"""INSERT INTO {alloc} (organisation_id, payment_id, invoice_id, amount_minor, created_at)
                SELECT %s, p.id, i.id, i.paid_minor, %s
                FROM {inv} i JOIN {pay} p ON p.client_id = i.client_id AND p.currency = i.currency
                    AND p.company_id = i.company_id
                WHERE i.company_id = %s AND i.paid_minor > 0""",
            [company.organisation_id, now, company.pk],
        )
        cursor.execute(
            f"""UPDATE {pay}
                SET amount_minor = (SELECT SUM(a.amount_minor) FROM {alloc} a WHERE a.payment_id = {pay}.id)
                WHERE company_id = %s""",
            [company.pk],
        )


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    t0 = time.perf_counter()
    django_on(url)
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from margin.crm.models import Client
    from margin.receivables.models import Payment, PaymentAllocation
    from margin.receivables.queries import ageing_groups, ageing_of, dso_of
    from tests.firm import build_firm

    rec: dict[str, Any] = {"backend": backend, "invoices": args.invoices, "clients": args.clients}
    rec["migrate_s"] = round(time.perf_counter() - t0, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            rec["server_version"] = cursor.fetchone()[0]
    else:
        import sqlite3

        rec["server_version"] = sqlite3.sqlite_version
    firm = build_firm()
    company, finance = firm.usd, firm.finance
    today = timezone.localdate()
    t0 = time.perf_counter()
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
        _load_payments(company, firm.finance_user.pk, today)
    rec["load_s"] = round(time.perf_counter() - t0, 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    paid = PaymentAllocation.objects.aggregate(t=Sum("amount_minor"))["t"]
    rec["payments"] = Payment.objects.count()
    rec["allocations"] = PaymentAllocation.objects.count()
    org, ids = company.organisation_id, [company.pk]
    rec["loadavg_start"] = round(os.getloadavg()[0], 2)
    rec["ageing_now"] = _timed(lambda: ageing_of(finance, as_of=today, company=company), args.repeat)
    past = today - timedelta(days=20)
    rec["ageing_past"] = _timed(lambda: ageing_of(finance, as_of=past, company=company), args.repeat)
    rec["ageing_sql"] = _timed(lambda: ageing_groups(organisation_id=org, company_ids=ids, as_of=today), args.repeat)
    rec["dso"] = _timed(lambda: dso_of(finance, company=company, as_of=today, days=90), args.repeat)
    rec["loadavg_end"] = round(os.getloadavg()[0], 2)
    [now] = ageing_of(finance, as_of=today, company=company)
    # The ageing's open total equals the invoices' totals less what the allocations paid (EUR converted apart).
    expected_usd = sum(
        (10000 + (n * 37) % 90000)
        - ((10000 + (n * 37) % 90000) if n % 4 == 0 else (10000 + (n * 37) % 90000) // 2 if n % 4 == 1 else 0)
        for n in range(1, args.invoices + 1)
        if n % 10 != 0
    )
    rec["open_invoices"] = now.invoices
    rec["check"] = (
        "ok"
        if now.by_currency.get("USD") and sum(now.by_currency["USD"]) == expected_usd
        else (f"MISMATCH {sum(now.by_currency.get('USD', ()))} != {expected_usd}")
    )
    rec["allocated_minor"] = int(paid or 0)
    return rec


def _row(r: dict[str, Any]) -> str:
    def ms(key: str) -> str:
        return f"{r[key]['median_ms']:.1f} ({r[key]['min_ms']:.1f}–{r[key]['max_ms']:.1f})"

    mark = "✓" if r["ageing_now"]["median_ms"] < TARGET_MS else "✗"
    return (
        f"| {r['backend']} {r['server_version']} | {r['invoices']:,} | {r['open_invoices']:,} "
        f"| {ms('ageing_now')} {mark} "
        f"| {ms('ageing_past')} | {ms('ageing_sql')} | {ms('dso')} | {r['ageing_now']['cpu_s']:.2f} "
        f"| {r['loadavg_start']:.1f}–{r['loadavg_end']:.1f} | {r['load_s']:.1f} | {r['check']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if args.child:
        Path(args.result_file).write_text(json.dumps(measure(args.child, args), default=str))
        return
    runs = []
    for backend in [b for b in args.backends.split(",") if b]:
        if backend not in ("sqlite", "postgresql"):
            raise SystemExit(f"bench: unknown backend {backend!r}")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            result = handle.name
        print(f"== receivables ageing on {backend}, {args.invoices:,} invoices", flush=True)
        command = [sys.executable, __file__, "--child", backend, "--result-file", result]
        command += ["--invoices", str(args.invoices), "--clients", str(args.clients), "--repeat", str(args.repeat)]
        command += ["--pg-url", args.pg_url]
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            raise SystemExit(f"bench: the {backend} run failed; see above.")
        runs.append(json.loads(Path(result).read_text()))
        Path(result).unlink()
    lines = [
        "# Receivables ageing",
        "",
        f"`{' '.join(['bench/receivables.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, "
        f"{os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. Median of {args.repeat} warm runs in ms (min–max); ✓: under "
        f"{TARGET_MS:.0f} ms. CPU: this process's seconds over the {args.repeat} runs of `ageing_now`.",
        "",
        "| backend | invoices | open | ageing today ms | ageing 20 days ago ms | grouped query ms | DSO ms | CPU s "
        "| load avg | load s | check |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[_row(r) for r in runs],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "receivables.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "receivables.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
