"""What the benchmarks of a database share: each backend measured in a fresh process of its own (so one
database's caches and imports never warm the other's), the child's result handed back as JSON, one timing with
its CPU seconds and the load average, and the database's version for the table."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgresql")


def add_backend_options(parser: argparse.ArgumentParser, pg_url: str) -> None:
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--pg-url", default=pg_url)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)


def as_child(args: argparse.Namespace, measure: Callable[[str, argparse.Namespace], dict[str, Any]]) -> bool:
    """In the child process: measure the backend, write the result for the parent, and say so."""
    if not args.child:
        return False
    Path(args.result_file).write_text(json.dumps(measure(args.child, args), default=str))
    return True


def run_backends(
    script: str, args: argparse.Namespace, *, passed: Sequence[str], title: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Run `script` once per backend as a child, with the options named in `passed` as they were given."""
    runs = []
    for backend in [b for b in args.backends.split(",") if b]:
        if backend not in BACKENDS:
            raise SystemExit(f"bench: unknown backend {backend!r}")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            result = handle.name
        print(title(backend), flush=True)
        command = [sys.executable, script, "--child", backend, "--result-file", result, "--pg-url", args.pg_url]
        for name in passed:
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            raise SystemExit(f"bench: the {backend} run failed; see above.")
        runs.append(json.loads(Path(result).read_text()))
        Path(result).unlink()
    return runs


def once(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """`fn()` and its wall and CPU seconds, with the highest 1-minute load average seen around it."""
    load = os.getloadavg()[0]
    cpu0, t0 = time.process_time(), time.perf_counter()
    value = fn()
    return value, {
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - cpu0, 2),
        "load": round(max(load, os.getloadavg()[0]), 2),
    }


def server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0]).split()[0]
    import sqlite3

    return sqlite3.sqlite_version
