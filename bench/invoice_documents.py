"""Rendering and sending invoices in the background job: PDF/A-3 + Factur-X (and the UBL) per second, per worker.

    .venv/bin/python bench/invoice_documents.py                      # 1,000 invoices, SQLite file under /tmp
    .venv/bin/python bench/invoice_documents.py --count 200          # a quicker run
    .venv/bin/python bench/invoice_documents.py --database-url postgres://postgres@127.0.0.1:5432/margin_bench_docs

A fresh database (dropped and migrated) gets the test firm (tests/firm.py) with its EUR company as a German GmbH
and ``--count`` issued invoices written as the issue action leaves them (margin/billing/tests/issued.py), in four
shapes taken in turn: domestic 19 % (hours, a fixed fee, an expense), two rates with a discount, reverse charge
to a French business, and a USD invoice of the EUR company; each has 3 to 8 lines. Then, in this one process (as a
worker runs it), the job ``billing.jobs.invoices_send`` renders each invoice's PDF/A-3 with its Factur-X CII, its
UBL and the e-mail (Django's locmem backend keeps the messages), recording each send, with progress.

Reported: invoices per second (wall and CPU), CPU seconds, the load average before and after (the machine is
shared), and a render-only figure (``pdf_of`` alone over the first ``--render-only`` invoices). Every message is
counted, and the first and last PDFs' Factur-X and UBL pass the official checks (0 findings) or the run fails.
Target: at least 5 invoices per second per worker process. Results: bench/results/invoice-documents.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fresh import django_on  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "sqlite:////tmp/margin-bench/invoice_documents.sqlite3"
TARGET_PER_SECOND = 5.0
D = Decimal


def build(count: int) -> tuple[object, list[int]]:
    """The firm and `count` issued invoices of four shapes; returns the finance viewer's user id and the ids."""
    from margin.billing.models import DocumentKind, LineKind
    from margin.billing.tests.issued import (
        NOVEMBER,
        Line,
        client,
        french_business,
        german_seller,
        issued,
        project_of,
    )
    from tests.firm import build_firm

    firm = build_firm()
    seller = german_seller(firm)
    domestic = client(firm, "Kunde AG")
    french = french_business(firm)
    projects = {
        "domestic": project_of(firm, seller, domestic, "KUN-1"),
        "french": project_of(firm, seller, french, "CIN-1"),
    }
    ids = []
    for n in range(count):
        shape = n % 4
        extra = [Line(f"Analyse, Woche {w}", D(6 + w), D("135.00"), minutes=(6 + w) * 60) for w in range(n % 5)]
        number = f"RE-2026-{n + 1:05d}"
        if shape == 0:
            lines = [
                Line("Beratung — Senior Consultant", D("12.5"), D("150"), period=NOVEMBER, minutes=750),
                Line("Workshop (fixed fee)", D(1), D(2400), unit="C62", kind=LineKind.FIXED),
                Line("Reisekosten Berlin–München", D(1), D("312.40"), unit="C62", kind=LineKind.EXPENSE),
                *extra,
            ]
            invoice = issued(company=seller, buyer=domestic, project=projects["domestic"], number=number, lines=lines)
        elif shape == 1:
            lines = [
                Line("Beratung", D(20), D(120), period=NOVEMBER, minutes=1200),
                Line("Fachbuch", D(2), D("45.50"), rate=D(7), unit="C62", kind=LineKind.EXPENSE),
                Line("Rahmenvertragsrabatt", kind=LineKind.DISCOUNT, amount_minor=-15000, unit="C62"),
                *extra,
            ]
            invoice = issued(
                company=seller,
                buyer=domestic,
                project=projects["domestic"],
                number=number,
                lines=lines,
                rounding="per_document",
                buyer_reference="PO-2026-117",
            )
        elif shape == 2:
            lines = [
                Line("Projektleitung", D(10), D(150), category="AE", rate=D(0), minutes=600),
                Line("Interim-Controlling", D(16), D(140), category="AE", rate=D(0), minutes=960),
                *[Line(x.description, x.quantity, x.price, category="AE", rate=D(0)) for x in extra],
            ]
            invoice = issued(company=seller, buyer=french, project=projects["french"], number=number, lines=lines)
        else:
            lines = [
                Line("Consulting (USD contract)", D(10), D(200), minutes=600),
                Line("Licence pass-through", D(1), D(980), unit="C62", kind=LineKind.EXPENSE),
                *extra,
            ]
            invoice = issued(
                company=seller,
                buyer=domestic,
                project=projects["domestic"],
                number=number,
                lines=lines,
                currency="USD",
                exchange_rate=D("0.92"),
                exchange_rate_date=date(2026, 11, 30),
            )
        assert invoice.kind == DocumentKind.INVOICE
        ids.append(invoice.pk)
    return firm.finance_user.pk, ids


def measure(count: int, render_only: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.db import connection

    from margin.accounts.queries import viewer_for
    from margin.billing.documents import pdf_of, with_lines
    from margin.billing.einvoice.pdfa import facturx_xml_of
    from margin.billing.einvoice.validate import check_cii, check_ubl
    from margin.billing.jobs import INVOICE_SENDING, invoices_send
    from margin.billing.models import Invoice
    from margin.core.jobruns import job_run_start
    from margin.core.models import JobRunStatus

    rec: dict[str, object] = {"count": count, "database": connection.vendor}
    t0 = time.perf_counter()
    user_id, ids = build(count)
    rec["build_s"] = round(time.perf_counter() - t0, 2)
    viewer = viewer_for(get_user_model().objects.get(pk=user_id))
    run = job_run_start(organisation_id=viewer.organisation_id, user_id=user_id, kind=INVOICE_SENDING)

    # Warm what a long-running worker has warm (fonts, the stylesheet, the template); not timed.
    pdf_of(with_lines(Invoice.objects.filter(pk=ids[0])).get())
    mail.outbox = []

    rec["loadavg_1m_start"] = round(os.getloadavg()[0], 2)
    t0, cpu0 = time.perf_counter(), time.process_time()
    invoices_send.call(job_run_id=run.pk, user_id=user_id, invoice_ids=ids)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rec["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    run.refresh_from_db()
    assert run.status == JobRunStatus.DONE, (run.status, run.message)
    result = run.result or {}
    assert result.get("count") == count and not result.get("failed"), result
    assert len(mail.outbox) == count
    rec.update(
        job_wall_s=round(wall, 2),
        job_cpu_s=round(cpu, 2),
        per_second_wall=round(count / wall, 2),
        per_second_cpu=round(count / cpu, 2),
        progress=f"{run.done}/{run.total}",
        mail_kb_avg=round(sum(len(m.message().as_bytes()) for m in mail.outbox[:20]) / min(count, 20) / 1024, 1),
    )
    # The files that left are valid e-invoices (first and last of the run).
    for message in (mail.outbox[0], mail.outbox[-1]):
        (_, pdf, _), (_, ubl, _) = message.attachments
        assert check_cii(facturx_xml_of(pdf)) == [], message.subject
        assert check_ubl(ubl) == [], message.subject
    rec["checked"] = "first and last: CII 0 findings, UBL 0 findings"
    mail.outbox = []

    invoices = list(with_lines(Invoice.objects.filter(pk__in=ids[:render_only])))
    t0, cpu0 = time.perf_counter(), time.process_time()
    for invoice in invoices:
        pdf_of(invoice)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rec.update(
        render_only_count=len(invoices),
        render_only_per_second_wall=round(len(invoices) / wall, 2),
        render_only_per_second_cpu=round(len(invoices) / cpu, 2),
    )
    return rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="issued invoices to render and send (default 1,000)")
    parser.add_argument("--render-only", type=int, default=100, help="invoices timed with pdf_of alone (default 100)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped, created and migrated first")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    django_on(args.database_url)
    started = datetime.now().isoformat(timespec="seconds")
    rec = measure(args.count, min(args.render_only, args.count))
    meta = {
        "started": started,
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "target_per_second": TARGET_PER_SECOND,
    }
    mark = "✓" if float(str(rec["per_second_cpu"])) >= TARGET_PER_SECOND else "✗"
    lines = [
        "# Invoice documents: the sending job (PDF/A-3 + Factur-X, UBL, e-mail)",
        "",
        f"`{meta['command']}` on {started}, {meta['cpus']} CPUs, Python {meta['python']}, {rec['database']}.",
        "One process, as one worker runs the job. Target: ≥ 5 invoices/s per worker.",
        "",
        "| invoices | job wall s | job CPU s | invoices/s (wall) | invoices/s (CPU) | render only /s (wall, CPU) "
        "| load avg | e-mail KB | check |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {rec['count']:,} | {rec['job_wall_s']} | {rec['job_cpu_s']} | {rec['per_second_wall']} "
        f"| {rec['per_second_cpu']} {mark} | {rec['render_only_per_second_wall']}, "
        f"{rec['render_only_per_second_cpu']} ({rec['render_only_count']}) "
        f"| {rec['loadavg_1m_start']}–{rec['loadavg_1m_end']} | {rec['mail_kb_avg']} | {rec['checked']} |",
        "",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "invoice-documents.json").write_text(json.dumps({"meta": meta, "run": rec}, indent=1))
    (out / "invoice-documents.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
