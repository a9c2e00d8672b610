"""`make bench`: time Margin on the peer's data set (bench/generate.py), on SQLite and PostgreSQL.

For each backend and size N, a fresh process with a fresh database (SQLite file under /tmp, or the
PostgreSQL database named by --pg-url, dropped and created again) builds the firm through the actions,
then measures, in wall seconds:

  load        time_entries_import(viewer=admin, rows=N rows, approved=True); median of 3 loads, each but the
              last deleted again (untimed) before the next
  invoice     invoices_draft_all(company, up_to=2025-12-31): one draft per project, 100 projects;
              median of --repeat runs, each run's drafts discarded (untimed) before the next
  issue       invoice_issue of the 100 drafts (numbers allocated, one transaction each)
  profit_all  profitability() of all 100 projects, median of --repeat warm runs (before and after invoicing)
  profit_one  project_profitability() of one project, median of --repeat warm runs

and checks the figures against the peer's expected totals (invoiced amount, cost, hours).
Results: bench/results/latest.json and latest.md (also printed).

  bench/run.py [--backends sqlite,postgresql] [--sizes 10000,100000] [--repeat 20]
  bench/run.py --with-peer [--peer-sizes 10000] [--peer-dir ../shared/anchors/tryton]
      also runs the peer (Tryton 8.2, bench_tryton.py run) and prints peer/Margin ratios
  bench/run.py --peer-results /tmp/tryton-bench/results.json
      compares with an earlier peer run instead of running it again
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench"
SQLITE_DIR = Path("/tmp/margin-bench")
UP_TO = date(2025, 12, 31)
TARGETS = {"load_s": 10.0, "invoice_s": 2.0, "profit_all_after_ms": 100.0}
PEER_VENV = Path("/tmp/tryton-bench/venv")
LOAD_RUNS = 3


# --------------------------------------------------------------------------------------------------
# One measurement (runs in its own process)
# --------------------------------------------------------------------------------------------------


def _fresh_database(backend: str, n: int, pg_url: str) -> str:
    """Drop and create the database; returns the DATABASE_URL for Django."""
    if backend == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        path = SQLITE_DIR / f"margin_bench_{n}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    base, name = pg_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2), result


def _unload(company) -> None:
    """Delete the loaded entries (and on PostgreSQL vacuum their dead rows), so the next load starts again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timesheets_timeentry WHERE company_id = %s", [company.pk])
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE timesheets_timeentry, timesheets_projecttimetotal")


def _discard(viewer, drafts) -> None:
    """Put the firm back as it was before an invoice run: its drafts discarded, and on PostgreSQL the
    dead rows vacuumed, as autovacuum would (the next run then starts where the first one did)."""
    from django.db import connection

    from margin.billing.actions import invoice_discard

    for invoice in drafts:
        invoice_discard(viewer=viewer, invoice=invoice)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_billedtime, billing_invoiceline, billing_invoice")


def measure(backend: str, n: int, repeat: int, pg_url: str) -> dict:
    from tqdm import tqdm

    database_url = _fresh_database(backend, n, pg_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from generate import assign_shifts, build_firm, expected_totals, import_rows

    from margin.billing.actions import invoice_issue, invoices_draft_all
    from margin.billing.models import Invoice, InvoiceStatus
    from margin.projects.models import Project
    from margin.reporting.queries import profitability, project_profitability
    from margin.timesheets.actions import time_entries_import

    rec: dict = {"backend": backend, "n": n, "repeat": repeat, "loadavg_1m_start": round(os.getloadavg()[0], 2)}
    label = f"{backend} {n:,}"
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    rec["migrate_s"] = round(time.perf_counter() - t0, 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            rec["server_version"] = cursor.fetchone()[0]
    else:
        import sqlite3

        rec["server_version"] = sqlite3.sqlite_version

    shifts, n_shifts = assign_shifts(n)
    rec["people"] = 50 * n_shifts
    t0 = time.perf_counter()
    with tqdm(total=50 * n_shifts + 100, desc=f"{label}: firm", unit="obj", leave=False, disable=None) as bar:
        firm = build_firm(n_shifts, progress=bar.update)
    rec["setup_s"] = round(time.perf_counter() - t0, 2)
    rows = import_rows(firm, n, shifts)
    expected = expected_totals(n)
    company_projects = Project.objects.filter(company=firm.company)

    steps = ["load", "profit (before)", "invoice", "issue", "profit (after)"]
    with tqdm(total=len(steps), desc=label, unit="phase", disable=None) as bar:
        bar.set_postfix_str("load")
        # Timed LOAD_RUNS times, the median reported (the machine's speed moves by a quarter from one second
        # to the next); each load but the last is deleted again, untimed, before the next.
        loads, cpus = [], []
        for attempt in range(LOAD_RUNS):
            t0, cpu0 = time.perf_counter(), time.process_time()
            loaded = time_entries_import(viewer=firm.admin, rows=rows, approved=True)
            loads.append(round(time.perf_counter() - t0, 3))
            cpus.append(round(time.process_time() - cpu0, 3))
            assert len(loaded) == n
            if attempt < LOAD_RUNS - 1:
                _unload(firm.company)
        rec["load_runs_s"] = loads
        rec["load_s"] = statistics.median(loads)
        rec["load_cpu_s"] = statistics.median(cpus)
        rec["rows_per_s"] = round(n / rec["load_s"])
        with connection.cursor() as cursor:
            # The deleted loads' space handed back (not timed), so what follows reads the table one load
            # leaves, not three loads' pages.
            cursor.execute("VACUUM FULL timesheets_timeentry" if connection.vendor == "postgresql" else "VACUUM")
            if connection.vendor == "postgresql":
                # What autovacuum would do after a bulk load (the peer does the same); not timed.
                cursor.execute("ANALYZE")
                rec["analyzed"] = True
        bar.update(1)

        bar.set_postfix_str("profitability before invoicing")
        rec["profit_all_before_ms"], before = _median_ms(lambda: profitability(company_projects), repeat)
        bar.update(1)

        bar.set_postfix_str("invoice")
        # A sub-second run on a shared machine moves by ±40 % from one second to the next (CPU time
        # moves with it, so it is the machine, not the code): the run is timed `repeat` times and the
        # median reported, each run's drafts discarded (untimed) before the next; the last run's are kept.
        runs, cpus = [], []
        with tqdm(total=repeat, desc=f"{label}: invoice runs", unit="run", leave=False, disable=None) as inner:
            for attempt in range(repeat):
                t0, cpu0 = time.perf_counter(), time.process_time()
                # One transaction: nothing to report until it commits.
                drafts = invoices_draft_all(viewer=firm.admin, company=firm.company, up_to=UP_TO)
                runs.append(round(time.perf_counter() - t0, 3))
                cpus.append(round(time.process_time() - cpu0, 3))
                if attempt < repeat - 1:
                    _discard(firm.admin, drafts)
                inner.update(1)
        rec["invoice_runs_s"] = runs
        rec["invoice_s"] = statistics.median(runs)
        rec["invoice_cpu_s"] = statistics.median(cpus)
        bar.update(1)

        bar.set_postfix_str("issue")
        t0 = time.perf_counter()
        for invoice in drafts:
            invoice_issue(viewer=firm.admin, invoice=invoice)
        rec["issue_s"] = round(time.perf_counter() - t0, 3)
        bar.update(1)

        bar.set_postfix_str("profitability after invoicing")
        rec["profit_all_after_ms"], after = _median_ms(lambda: profitability(company_projects), repeat)
        one = company_projects.order_by("code").first()
        rec["profit_one_ms"], _ = _median_ms(lambda: project_profitability(one), repeat)
        bar.update(1)

    # Correctness: the peer's expected totals.
    cent = Decimal("0.01")
    issued = Invoice.objects.filter(company=firm.company, status=InvoiceStatus.ISSUED)
    # The peer invoices without tax: compare the net; Margin's invoices also carry 10 % VAT on every line.
    invoiced = Decimal(sum(issued.values_list("net_minor", flat=True))) * cent
    taxed = Decimal(sum(issued.values_list("tax_minor", flat=True))) * cent
    numbers = sorted(issued.values_list("number", flat=True))
    checks = {
        "invoices": (len(drafts), 100),
        "invoiced_amount": (str(invoiced), str(expected["amount"])),
        "wip_before": (str(Decimal(sum(f.wip_minor for f in before)) * cent), str(expected["amount"])),
        "billed_after": (str(Decimal(sum(f.billed_minor for f in after)) * cent), str(expected["amount"])),
        "wip_after": (sum(f.wip_minor for f in after), 0),
        "cost": (str(Decimal(sum(f.cost_minor for f in after)) * cent), str(expected["cost"])),
        "minutes": (sum(f.logged_minutes for f in after), int(expected["minutes"])),
        "tax_on_every_invoice": (issued.filter(tax_minor__gt=0).count(), 100),
        "numbers_gapless": (len(set(numbers)) == len(numbers) == 100 and numbers[-1].endswith("-0100"), True),
    }
    failed = {k: v for k, v in checks.items() if v[0] != v[1]}
    rec["invoiced_amount"] = str(invoiced)
    rec["tax"] = str(taxed)
    rec["expected_amount"] = str(expected["amount"])
    rec["cost"] = checks["cost"][0]
    rec["expected_cost"] = str(expected["cost"])
    rec["check"] = "ok" if not failed else "MISMATCH " + json.dumps(failed)
    rec["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    return rec


# --------------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------------


def run_child(backend: str, n: int, args: argparse.Namespace) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = handle.name
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        f"{backend}:{n}",
        "--result-file",
        result_path,
        "--repeat",
        str(args.repeat),
        "--pg-url",
        args.pg_url,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: the {backend} run with N={n:,} failed (exit {proc.returncode}); see above.")
    rec = json.loads(Path(result_path).read_text())
    Path(result_path).unlink()
    rec["process_s"] = round(time.perf_counter() - t0, 1)
    return rec


def _mark(value: float, target: float) -> str:
    return "✓" if value < target else "✗"


def _spread(runs: list[float] | None) -> str:
    return f"({min(runs):.2f}–{max(runs):.2f}) " if runs and len(runs) > 1 else ""


def margin_table(runs: list[dict]) -> list[str]:
    out = [
        "| backend | N | load s, median (min–max) [rows/s] | invoice 100 projects s, median (min–max) | issue 100 s "
        "| profitability 100 projects ms (before / after invoicing) | one project ms "
        "| client CPU s (load / invoice) | load avg | check |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        out.append(
            f"| {r['backend']} | {r['n']:,} | {r['load_s']:.2f} {_spread(r.get('load_runs_s'))}[{r['rows_per_s']:,}] "
            f"{_mark(r['load_s'], 10)} "
            f"| {r['invoice_s']:.2f} {_spread(r.get('invoice_runs_s'))}{_mark(r['invoice_s'], 2)} | {r['issue_s']:.2f} "
            f"| {r['profit_all_before_ms']:.1f} / {r['profit_all_after_ms']:.1f} "
            f"{_mark(r['profit_all_after_ms'], 100)} | {r['profit_one_ms']:.2f} "
            f"| {r['load_cpu_s']:.2f} / {r['invoice_cpu_s']:.2f} "
            f"| {r['loadavg_1m_start']:.1f}–{r['loadavg_1m_end']:.1f} | {r['check']} |"
        )
    return out


PEER_PHASES = [
    # (label, Margin key, Margin unit factor to seconds, peer phase, peer key, peer factor to seconds)
    ("load N lines", "load_s", 1.0, "insert", "wall_s", 1.0),
    ("invoice 100 projects", "invoice_s", 1.0, "invoice_per_project", "wall_s", 1.0),
    ("issue / post 100 invoices", "issue_s", 1.0, "post", "wall_s", 1.0),
    ("totals of all 100 projects", "profit_all_after_ms", 0.001, "read_after", "wall_s", 1.0),
    ("totals of one project", "profit_one_ms", 0.001, "read_after", "read_one_avg_ms", 0.001),
]


def peer_table(runs: list[dict], peer_runs: list[dict]) -> list[str]:
    out = [
        "| backend | N | phase | Margin s | peer (Tryton 8.2) s | peer ÷ Margin |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in runs:
        mine = {p["phase"]: p for p in peer_runs if p.get("backend") == r["backend"] and p.get("n") == r["n"]}
        if not mine:
            continue
        for label, key, factor, phase, peer_key, peer_factor in PEER_PHASES:
            peer = mine.get(phase)
            if peer is None or peer.get("dnf") or peer.get(peer_key) is None:
                continue
            margin_s = r[key] * factor
            peer_s = float(peer[peer_key]) * peer_factor
            check = "" if peer.get("check", "ok") == "ok" else " (peer check failed)"
            out.append(
                f"| {r['backend']} | {r['n']:,} | {label} | {margin_s:.4f} | {peer_s:.4f}{check} "
                f"| {peer_s / margin_s:,.0f}× |"
            )
    return out


def peer_paths(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    """The peer's directory, script and Python; a clear message and exit when one is missing."""
    peer_dir = Path(args.peer_dir).resolve()
    script = peer_dir / "bench_tryton.py"
    python = Path(args.peer_venv) / "bin" / "python"
    if not script.is_file():
        raise SystemExit(f"bench: the peer harness is missing: {script} (set --peer-dir).")
    if not python.is_file():
        raise SystemExit(
            f"bench: the peer's venv is missing: {python}. Create it with {peer_dir / 'setup_venv.sh'} "
            "(or point --peer-venv at it)."
        )
    if not Path("/usr/bin/time").is_file():
        raise SystemExit("bench: the peer harness needs /usr/bin/time (apt-get install time).")
    return peer_dir, script, python


def run_peer(args: argparse.Namespace) -> list[dict]:
    peer_dir, script, python = peer_paths(args)
    out_dir = Path(args.peer_out)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    if "postgresql" in args.peer_backends.split(","):
        subprocess.run([str(peer_dir / "start_pg.sh")], check=True)
    cmd = [
        str(python),
        str(script),
        "run",
        "--backends",
        args.peer_backends,
        "--sizes",
        args.peer_sizes,
        "--all-max",
        "0",  # the peer's one-call invoicing is quadratic (88 s at 10,000); its best mode is per project
        "--opt-sizes",
        "",
        "--single-n",
        "0",
        "--out",
        str(results),
        "--report",
        str(out_dir / "results.md"),
        "--log",
        str(out_dir / "bench.log"),
    ]
    print("== peer: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True)
    return json.loads(results.read_text())["runs"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of time entries")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each read (the median is reported)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database (dropped and re-created)")
    parser.add_argument("--out", default=str(RESULTS), help="where latest.json and latest.md go")
    parser.add_argument("--with-peer", action="store_true", help="also run the peer harness (Tryton 8.2)")
    parser.add_argument("--peer-sizes", default="10000", help="sizes for the peer (100,000 on SQLite: ~10 min)")
    parser.add_argument("--peer-backends", default="sqlite", help="peer backends: sqlite, postgresql")
    parser.add_argument("--peer-dir", default=str(ROOT.parent / "shared" / "anchors" / "tryton"))
    parser.add_argument("--peer-venv", default=str(PEER_VENV))
    parser.add_argument("--peer-out", default="/tmp/tryton-bench/margin-peer")
    parser.add_argument("--peer-results", help="compare with this earlier peer results.json instead of running it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        backend, n = args.child.split(":")
        rec = measure(backend, int(n), args.repeat, args.pg_url)
        Path(args.result_file).write_text(json.dumps(rec, default=str))
        return

    backends = [b for b in args.backends.split(",") if b]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        raise SystemExit(f"bench: unknown backend(s) {', '.join(sorted(unknown))}; use sqlite and/or postgresql.")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_peer:
        peer_paths(args)  # fail now, before the long Margin runs, if the peer cannot run
    started = datetime.now().isoformat(timespec="seconds")
    runs = []
    for backend in backends:
        for n in sizes:
            print(f"== Margin on {backend}, N={n:,}", flush=True)
            rec = run_child(backend, n, args)
            runs.append(rec)
            print(json.dumps(rec), flush=True)
    peer_runs: list[dict] = []
    if args.peer_results:
        peer_runs = json.loads(Path(args.peer_results).read_text())["runs"]
    elif args.with_peer:
        peer_runs = run_peer(args)

    meta = {
        "started": started,
        "finished": datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "targets": TARGETS,
    }
    lines = [
        "# Margin benchmark",
        "",
        f"`{meta['command']}` on {meta['started']}, {meta['cpus']} CPUs, Python {meta['python']}. "
        "Wall seconds unless marked ms; reads are medians of warm runs. ✓/✗: the issue's targets "
        "(load < 10 s, invoice < 2 s, profitability of all projects < 100 ms).",
        "",
        *margin_table(runs),
        "",
    ]
    if peer_runs:
        lines += ["## Beside the peer (same data, same machine)", "", *peer_table(runs, peer_runs), ""]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"meta": meta, "runs": runs, "peer": peer_runs}, indent=1))
    (out / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if any(r["check"] != "ok" for r in runs):
        raise SystemExit("bench: some figures do not match the expected totals (see the check column).")


if __name__ == "__main__":
    main()
