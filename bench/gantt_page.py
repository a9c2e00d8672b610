"""How long the Gantt page of a 2,000-task project takes to become usable in Chromium (not part of `make test`).

    .venv/bin/python bench/gantt.py            # builds the project in /tmp/margin-bench/gantt.sqlite3
    .venv/bin/python bench/gantt_page.py       # serves that database and times the page

Starts ``manage.py runserver`` on the database bench/gantt.py left, signs in as the project manager, and times, in
headless Chromium, from navigation start to the moment the chart has drawn (gantt.js stamps ``data-ready`` on #plan
after rendering), ``--runs`` times. Plans of more than 300 tasks open as an outline (top-level summaries collapsed);
the time of "Expand all" (every row in the outline, the chart's bars placed) is printed too, and the time of a jump
of the scroll bar to the middle of the expanded plan (long outlines are drawn as a window of rows around the
viewport, which follows the scroll). Target: under 2 s.

The buttons are found by CSS selector, not by accessible name: Playwright computing the names of the thousands of
indent/outdent buttons of an expanded list took over a second of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:////tmp/margin-bench/gantt.sqlite3")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", type=int, default=1)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from tests.firm import PASSWORD

    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{args.port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/signin/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(base + "/signin/")
            page.get_by_label("Username").fill("maya")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/")
            times: list[float] = []
            parts: list[tuple[int, ...]] = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                page.goto(f"{base}/projects/{args.project}/gantt/")
                page.wait_for_selector("#plan[data-ready]", timeout=60_000)
                times.append(time.perf_counter() - t0)
                split = page.evaluate("(d => [d.fetchMs, d.renderMs])(document.getElementById('plan').dataset)")
                parts.append(tuple(int(v) for v in split))
            bars = page.locator(".bar-wrapper").count()
            outline = page.get_attribute("#plan", "data-rows")
            # Everything open.
            before = page.get_attribute("#plan", "data-ready")
            expand = page.locator("[data-expand-all]")
            t0 = time.perf_counter()
            expand.click()
            page.wait_for_function(f"document.getElementById('plan').dataset.ready !== '{before}'", timeout=60_000)
            page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            expand_s = time.perf_counter() - t0
            expanded_render = page.get_attribute("#plan", "data-render-ms")
            all_rows = page.get_attribute("#plan", "data-rows")
            all_bars = page.locator(".bar-wrapper").count()
            # A jump of the scroll bar to the middle: the window follows.
            before = page.get_attribute("#plan", "data-ready")
            t0 = time.perf_counter()
            page.evaluate("(p => { p.scrollTop = p.scrollHeight / 2; })(document.getElementById('plan-split'))")
            page.wait_for_function(f"document.getElementById('plan').dataset.ready !== '{before}'", timeout=60_000)
            page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            scroll_s = time.perf_counter() - t0
            window_rows = page.get_attribute("#plan", "data-window")
            browser.close()
        print(
            f"Gantt page of {all_rows} rows expanded, opened as an outline of {outline} rows ({bars} bars drawn): "
            f"usable in median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} loads; target < 2 s); "
            f"in the page: data fetch {statistics.median(p[0] for p in parts):.0f} ms, "
            f"chart drawing {statistics.median(p[1] for p in parts):.0f} ms (medians)"
        )
        print(
            f"Expand all ({all_rows} rows, {all_bars} bars drawn): {expand_s:.2f} s "
            f"(chart drawing {expanded_render} ms); "
            f"scroll to the middle (window {window_rows}): {scroll_s:.2f} s"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
