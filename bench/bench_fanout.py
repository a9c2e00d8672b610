"""One event fanned out to many subscribers, on SQLite and PostgreSQL (not part of `make test`).

    .venv/bin/python bench/bench_fanout.py                       # both databases, 10,000 subscribers
    .venv/bin/python bench/bench_fanout.py --backends sqlite --subscribers 2000
    make bench-fanout BENCH_ARGS="--backends postgresql"

For each backend a fresh process with a fresh database builds the test firm (tests/firm.py), then adds
``--subscribers`` users with bulk inserts, a third of them with a stored preference for the kind (half of those
e-mail at once, half in the app only; one in ten of them also Slack and Teams, with a personal channel each) and the
rest on the kind's defaults (in the app and the daily digest). It then times, median of ``--repeat`` runs (the
first reported too), `notifications.events.publish` of one ``risk.raised`` event to every subscriber inside its
transaction: the event, the preferences read (one query), the notifications, the digest items, the channel
deliveries, the e-mails queued (target: under 1 s); and apart, the commit, after which the e-mails of those who
want them at once are sent (the locmem backend: building the messages, no network).

Checks: every subscriber got what their preference says (notifications, digest items, e-mails). Results: printed,
and bench/results/fanout.json and .md.
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

from bench.harness import add_backend_options, as_child, run_backends, server_version  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/margin_bench_fanout"
SQLITE_URL = "sqlite:////tmp/margin-bench/fanout.sqlite3"
RESULTS = ROOT / "bench" / "results"
TARGET_S = 1.0
KIND = "risk.raised"


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return os.getloadavg()[0]


def _subscribers(firm: Any, n: int) -> tuple[list[int], dict[str, int]]:
    from django.contrib.auth.models import User

    from margin.notifications.models import Endpoint, EndpointFormat, Preference

    User.objects.bulk_create(
        [User(username=f"sub{k:05d}", email=f"sub{k:05d}@example.test", password="!") for k in range(n)],
        batch_size=2000,
    )
    ids = list(User.objects.filter(username__startswith="sub").order_by("id").values_list("id", flat=True))
    org = firm.project.organisation_id
    prefs, channels = [], []
    expected = {"app": 0, "digest": 0, "email": 0}
    for k, user_id in enumerate(ids):
        if k % 3 == 0:
            immediate = k % 2 == 0
            chat = k % 10 == 0
            prefs.append(
                Preference(
                    organisation_id=org,
                    user_id=user_id,
                    kind=KIND,
                    app=True,
                    email="immediate" if immediate else "off",
                    slack=chat,
                    teams=chat,
                )
            )
            expected["email"] += immediate
            if chat:
                for fmt in (EndpointFormat.SLACK, EndpointFormat.TEAMS):
                    channels.append(
                        Endpoint(
                            organisation_id=org,
                            format=fmt,
                            name=f"{fmt} of {user_id}",
                            url=f"https://hooks.example.test/{fmt}/{user_id}",
                            owner_id=user_id,
                        )
                    )
        else:
            expected["digest"] += 1
        expected["app"] += 1
    Preference.objects.bulk_create(prefs, batch_size=2000)
    Endpoint.objects.bulk_create(channels, batch_size=2000)
    return ids, expected


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.fresh import django_on

    url = SQLITE_URL if backend == "sqlite" else args.pg_url
    django_on(url)
    from django.conf import settings
    from django.core import mail
    from django.db import connection, transaction

    from margin.core.models import Notification
    from margin.notifications.events import publish
    from margin.notifications.models import Delivery, DigestItem
    from tests.firm import build_firm

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    rec: dict[str, Any] = {"backend": backend, "server_version": server_version()}
    t0 = time.perf_counter()
    firm = build_firm()
    with transaction.atomic():
        ids, expected = _subscribers(firm, args.subscribers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rec["load_s"] = round(time.perf_counter() - t0, 1)
    rec["subscribers"] = len(ids)

    def once() -> tuple[int, float, float, float, float]:
        """Publish inside a transaction (every row written, deliveries and e-mails queued), then commit (which
        sends the e-mails of those who want them at once): the two parts timed apart."""
        with transaction.atomic():
            c0, w0 = time.process_time(), time.perf_counter()
            event = publish(
                organisation_id=firm.project.organisation_id,
                kind=KIND,
                text="Maya logged a risk R-3 *Key developer leaves* (score 12)",
                recipients=ids,
                actor_id=firm.manager_user.pk,
                project_id=firm.project.pk,
                url=f"/projects/{firm.project.pk}/",
                data={"project": firm.project.name},
            )
            c1, w1 = time.process_time(), time.perf_counter()
        c2, w2 = time.process_time(), time.perf_counter()
        return event.pk, w1 - w0, c1 - c0, w2 - w1, c2 - c1

    load = _loadavg()
    runs = []
    for _ in range(args.repeat):
        mail.outbox = []
        runs.append(once())
    events = [r[0] for r in runs]
    rec["publish"] = {
        "wall_s": round(statistics.median(r[1] for r in runs), 3),
        "first_s": round(runs[0][1], 3),
        "cpu_s": round(statistics.median(r[2] for r in runs), 3),
        "load": round(max(load, _loadavg()), 2),
    }
    rec["commit"] = {
        "wall_s": round(statistics.median(r[3] for r in runs), 3),
        "cpu_s": round(statistics.median(r[4] for r in runs), 3),
    }
    last = events[-1]
    got = {
        "app": Notification.objects.filter(kind=KIND, url=f"/projects/{firm.project.pk}/").count() // args.repeat,
        "digest": DigestItem.objects.filter(event_id=last).count(),
        "email": len(mail.outbox),
    }
    rec["written"] = got
    rec["deliveries"] = Delivery.objects.filter(event_id=last).count()
    rec["check"] = "ok" if got == expected else f"FAILED got {got}, expected {expected}"
    return rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    add_backend_options(parser, DEFAULT_PG_URL)
    args = parser.parse_args()
    os.environ["DEBUG"] = "0"
    if as_child(args, measure):
        return
    runs = run_backends(
        __file__,
        args,
        passed=["subscribers", "repeat"],
        title=lambda b: f"== fan-out on {b}: one event to {args.subscribers:,} subscribers",
    )
    lines = [
        "# One event fanned out",
        "",
        f"`{' '.join(['bench/bench_fanout.py', *sys.argv[1:]])}` on {datetime.now():%Y-%m-%d %H:%M}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Median of {args.repeat} runs (the first, this "
        "process's CPU seconds, the 1-minute load average). ✓: under the issue's target (1 s).",
        "",
        "| backend | subscribers | publish: all written and queued | commit, e-mails sent | "
        "notifications / digest items / e-mails / deliveries | check |",
        "|---|---:|---:|---:|---:|---|",
        *[
            f"| {r['backend']} {r['server_version']} | {r['subscribers']:,} | "
            f"{1000 * r['publish']['wall_s']:.0f} ms (first {1000 * r['publish']['first_s']:.0f}, CPU "
            f"{1000 * r['publish']['cpu_s']:.0f} ms, load {r['publish']['load']:.1f})"
            f"{' ✓' if r['publish']['wall_s'] < TARGET_S else ' ✗'} | "
            f"{1000 * r['commit']['wall_s']:.0f} ms (CPU {1000 * r['commit']['cpu_s']:.0f} ms) | "
            f"{r['written']['app']:,} / {r['written']['digest']:,} / {r['written']['email']:,} / {r['deliveries']:,} "
            f"| {r['check']} |"
            for r in runs
        ],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fanout.json").write_text(json.dumps(runs, indent=1, default=str))
    (RESULTS / "fanout.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
