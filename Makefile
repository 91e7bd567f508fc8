# The two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-reviewer-2026

.PHONY: install run test lint typecheck schema pytest bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The quickstart's local settings: DEBUG on and a generated secret key. Git ignores .env, and
# manage.py commands run from another shell read it too. Production sets its own environment.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env for the quickstart (DEBUG=1, a generated SECRET_KEY)."

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py adduser $(DEMO_USER) --role editor --password $(DEMO_PASSWORD)
	@echo "Demo login: user '$(DEMO_USER)', password '$(DEMO_PASSWORD)' at http://$(HOST):$(PORT)/"
	$(PY) manage.py ingest seeds/
	$(PY) manage.py runstack --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

# The OpenAPI schema must generate without a single warning and validate.
schema: install
	DJANGO_SETTINGS_MODULE=factcheck.test_settings $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: install
	$(VENV)/bin/pytest

test: lint typecheck schema pytest

# Every benchmark's fast mode against PostgreSQL and Redis; rewrites the generated part of
# BENCHMARKS.md. Not part of `make test`. Full-size runs: see BENCHMARKS.md for each command.
BENCH_DATABASE ?= postgres://postgres@127.0.0.1:5432/factcheck_bench_fast
BENCH_REDIS ?= redis://127.0.0.1:6379/2
bench: install
	$(PY) bench/report.py --database $(BENCH_DATABASE) --redis $(BENCH_REDIS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .mypy_cache .ruff_cache .pytest_cache
