# Margin: `make run` sets everything up and serves; `make test` checks everything.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup venv gnucash-venv assets migrate demo serve test lint types contracts migrations-check pytest \
        pytest-sqlite pytest-postgres browser-deps bench bench-capture bench-documents bench-receivables bench-books bench-revenue bench-staffing bench-resourcing bench-webhooks bench-feed bench-fanout schema \
        clean kernel checks

run: setup demo serve

setup: venv gnucash-venv assets migrate kernel

# The venv is rebuilt whenever pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

# GnuCash books are written by piecash, which pins SQLAlchemy < 1.5: it gets a venv of its own, which the export
# runs as a subprocess (docs/adr/0030-ledger-exports.md). Rebuilt whenever its requirements change.
GNUCASH_VENV := .venv-gnucash
GNUCASH_REQUIREMENTS := margin/integrations/gnucash/requirements.txt
$(GNUCASH_VENV)/.installed: $(GNUCASH_REQUIREMENTS)
	test -x $(GNUCASH_VENV)/bin/python || $(PYTHON) -m venv $(GNUCASH_VENV)
	$(GNUCASH_VENV)/bin/python -m pip install --quiet -r $(GNUCASH_REQUIREMENTS)
	touch $@

gnucash-venv: $(GNUCASH_VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

# numba compiles the leveling kernel on first use and caches it beside the source: do it once, here, rather than
# in the first leveling request or in every test worker (margin/scheduling/leveling/warm.py).
kernel: venv
	$(PY) -m margin.scheduling.leveling.warm

demo: migrate
	$(PY) manage.py demo --if-empty

# The background worker (invoice runs) runs beside the web server and stops with it.
serve:
	@echo ""
	@echo "Margin is running on http://$(HOST):$(PORT)/"
	@$(PY) manage.py demo --print-logins
	@echo ""
	$(PY) manage.py db_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# --- quality and tests -----------------------------------------------------------------------
test: venv assets browser-deps checks pytest

# The static checks and the kernel's compilation use one core each: two at a time, output kept per target.
checks: venv
	$(MAKE) --no-print-directory -j2 --output-sync=target lint types contracts migrations-check kernel

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: venv
	$(BIN)/mypy

contracts: venv
	$(BIN)/lint-imports

migrations-check: venv
	env -u MARGIN_TEST_DATABASE_URL DJANGO_SETTINGS_MODULE=config.test_settings $(PY) manage.py makemigrations --check --dry-run

pytest: pytest-sqlite pytest-postgres

# Two workers (the machines have two cores): modules stay whole, browser tests share one worker (conftest.py).
PYTEST_WORKERS ?= 2
PYTEST_ARGS := -q -n $(PYTEST_WORKERS) --dist loadgroup

pytest-sqlite: venv gnucash-venv assets kernel
	env -u MARGIN_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# Runs only when MARGIN_TEST_DATABASE_URL names a PostgreSQL database (.ci/run sets it). The browser tests ran
# in the SQLite run: they check the screens, not the database (docs/adr/0017-browser-tests-run-once.md).
pytest-postgres: venv gnucash-venv assets kernel
	@if [ -n "$$MARGIN_TEST_DATABASE_URL" ]; then \
		echo "== the suite on PostgreSQL ($$MARGIN_TEST_DATABASE_URL), browser tests aside"; \
		$(BIN)/pytest $(PYTEST_ARGS) --ignore=tests/browser; \
	else echo "== MARGIN_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

# Browser tests drive Debian's Chromium; install it when it is missing.
browser-deps:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null)) || \
		echo "warning: /usr/bin/chromium missing; browser tests will be skipped"

schema: venv
	DJANGO_SETTINGS_MODULE=config.test_settings $(PY) manage.py export_openapi docs/openapi.json

bench: venv assets kernel
	$(PY) bench/run.py $(BENCH_ARGS)

# Capture (issue 4): my week with 5 years of history, approving 10,000 entries, a 100,000-row CSV import.
bench-capture: venv assets
	$(PY) bench/capture.py $(BENCH_ARGS)

# Invoice documents: the sending job renders PDF/A-3 + Factur-X and UBL for 1,000 invoices (BENCH_ARGS="--count 200").
bench-documents: venv
	$(PY) bench/invoice_documents.py $(BENCH_ARGS)

# Receivables: the ageing over 100,000 invoices on SQLite and PostgreSQL (BENCH_ARGS="--backends sqlite").
bench-receivables: venv
	$(PY) bench/receivables.py $(BENCH_ARGS)

# The books (issue 11): posting 100,000 invoices, the trial balance and the chain's verification over 1,000,000 lines.
bench-books: venv
	$(PY) bench/books.py $(BENCH_ARGS)

# The month-end revenue run for 1,000 contracts over 1,000,000 time entries (issue 11).
bench-revenue: venv
	$(PY) bench/revenue.py $(BENCH_ARGS)

# Optimal staffing (issue 12): 500 people with skills and bookings, 200 open requests, the job's code path.
bench-staffing: venv
	$(PY) bench/staffing.py $(BENCH_ARGS)

# The resource heatmap (500 people × 26 weeks) and a year's utilisation over 1,000,000 entries (issue 12).
bench-resourcing: venv
	$(PY) bench/resourcing.py $(BENCH_ARGS)

# One delivery worker sending 1,000 webhook, Slack and Teams deliveries to a local receiver (issue 13).
bench-webhooks: venv
	$(PY) bench/bench_webhooks.py $(BENCH_ARGS)

# The activity feed of a 2,000-task project with 100,000 audit rows; one event fanned out to 10,000 people (issue 13).
bench-feed: venv
	$(PY) bench/bench_feed.py $(BENCH_ARGS)

bench-fanout: venv
	$(PY) bench/bench_fanout.py $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
