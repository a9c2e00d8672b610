"""Outgoing hooks at scale: one delivery worker sends 1,000 deliveries to a local receiver, on SQLite and
PostgreSQL (not part of `make test`).

    .venv/bin/python bench/bench_webhooks.py                          # both databases, 1,000 deliveries
    .venv/bin/python bench/bench_webhooks.py --backends sqlite --events 100
    make bench-webhooks BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py), allows 127.0.0.1,
and adds four endpoints on a threaded http.server on 127.0.0.1 (a signed webhook, a Slack and a Teams endpoint for
the organisation, a signed webhook for the firm's project). Then it times, once each (wall seconds, this
process's CPU seconds, the 1-minute load average):

- ``outbox``: ``--events`` events published on the project, each written to the outbox
  (:func:`margin.notifications.outbox.enqueue_deliveries`: four deliveries, each format's payload built once);
- ``send``: :func:`margin.notifications.delivery.send_due` — one worker sends every due delivery (the address
  guard, a signed POST to the vetted address, an attempt row and the delivery's outcome each). Target: 1,000 in
  under 60 s.

Checks: every delivery is delivered, the receiver got each exactly once, and every signed one verifies.
Results: printed, and bench/results/webhooks.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import add_backend_options, as_child, once, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_webhooks"
SQLITE_URL = "sqlite:////tmp/margin-bench/webhooks.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGET_S = 60.0


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    django_on(SQLITE_URL if backend == "sqlite" else args.pg_url)
    from django.db import transaction

    from margin.notifications.delivery import send_due
    from margin.notifications.endpoints import ProjectAccess, allowed_host_add, endpoint_create
    from margin.notifications.models import Delivery, DeliveryStatus, Event
    from margin.notifications.outbox import deliveries_queued, enqueue_deliveries
    from margin.notifications.signing import verify
    from margin.notifications.tests.receivers import receiving
    from tests.firm import build_firm

    # The worker is what is measured: publishing must not also enqueue a task per event.
    deliveries_queued.disconnect(dispatch_uid="notifications.deliver_webhooks")
    rec: dict[str, Any] = {"backend": backend, "events": args.events, "server_version": server_version()}
    firm = build_firm()
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving() as receiver:
        secrets = {}
        for fmt, path, project in [
            ("webhook", "/erp", None),
            ("slack", "/services/T1/B1/x", None),
            ("teams", "/workflows/x", None),
            ("webhook", "/project", ProjectAccess(project_id=firm.project.pk, manages=True)),
        ]:
            endpoint = endpoint_create(
                viewer=firm.admin, format=fmt, name=f"bench {path}", url=receiver.url(path), project=project
            )
            secrets[path] = endpoint.secret

        def publish_all() -> int:
            made = 0
            with transaction.atomic():
                for i in range(args.events):
                    event = Event.objects.create(
                        organisation_id=firm.admin.organisation_id,
                        kind="risk.raised",
                        project_id=firm.project.pk,
                        text=f"Risk R-{i} logged on GLX-1: vendor <late> & co",
                        url=f"/projects/{firm.project.pk}/risks/{i}/",
                        data={"title": f"R-{i} Vendor late", "fields": {"Score": str(i % 25), "Owner": "Maya"}},
                    )
                    made += enqueue_deliveries(event=event, slack_users=set(), teams_users=set())
            return made

        rec["deliveries"], rec["outbox"] = once(publish_all)
        run, rec["send"] = once(lambda: send_due())
        got = list(receiver.requests)
    rec["sent"], rec["delivered"] = run.sent, run.delivered
    signed = [r for r in got if r.path in ("/erp", "/project")]
    verified = sum(1 for r in signed if verify(secrets[r.path], r.headers["Margin-Signature"], r.body))
    ids = [r.headers["Margin-Delivery"] for r in got]
    checks = {
        "all_delivered": Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == rec["deliveries"],
        "each_once": len(ids) == len(set(ids)) == rec["deliveries"],
        "signatures": verified == len(signed) == 2 * args.events,
    }
    rec["check"] = "ok" if all(checks.values()) else f"FAILED {checks}"
    rec["per_second"] = round(run.sent / rec["send"]["wall_s"], 1) if rec["send"]["wall_s"] else None
    rec["loadavg"] = Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else ""
    return rec


def _row(r: dict[str, Any]) -> str:
    def cell(key: str, target: bool) -> str:
        mark = (" ✓" if r[key]["wall_s"] < TARGET_S else " ✗") if target else ""
        return f"{r[key]['wall_s']:.2f} s (CPU {r[key]['cpu_s']:.2f}, load {r[key]['load']:.1f}){mark}"

    return (
        f"| {r['backend']} {r['server_version']} | {r['deliveries']:,} | {cell('outbox', False)} "
        f"| {cell('send', True)} | {r['per_second']} | {r['check']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=250, help="events published (four deliveries each)")
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["events"],
        title=lambda b: f"== webhooks on {b}: {args.events:,} events × 4 endpoints",
    )
    lines = [
        "# Outgoing hooks: one worker, a local receiver",
        "",
        f"`{' '.join(['bench/bench_webhooks.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Wall seconds (this process's CPU seconds, "
        f"1-minute load average), once each; ✓: under {TARGET_S:.0f} s. The receiver runs in the same process, so "
        "the CPU seconds include its side of each request.",
        "",
        "| backend | deliveries | outbox (publish) | send (one worker) | per second | check |",
        "|---|---:|---:|---:|---:|---|",
        *[_row(r) for r in runs],
        "",
        *[f"- {r['backend']}: /proc/loadavg after: {r['loadavg']}" for r in runs],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "webhooks.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "webhooks.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
