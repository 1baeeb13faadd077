# qi-collaborative: `make run` serves the API with the demo loaded, `make test` runs the whole
# suite, `make test-fast` all but the tests marked slow (subprocesses, servers, schemathesis).
# Everything installs into .venv from the pinned lock files; `make lock` re-pins them. `make run`
# installs only the runtime lock; test, lint, openapi and bench add the dev lock.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist workers (`auto`: one per CPU core); each makes its own scratch database. Whole
# files go to one worker, so a file's module-scoped server or cluster starts once.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# Direct dependencies; the lock files pin their whole closure.
RUNTIME_DEPS := fastapi 'uvicorn[standard]' sqlalchemy alembic pydantic pydantic-settings \
	email-validator httpx 'psycopg[binary]' tzdata 'python-jose[cryptography]' argon2-cffi \
	python-multipart fastapi-offline defusedxml jinja2 openpyxl
# pytest below 9.1: schemathesis's pytest plugin still sets Function._nodeid, gone in 9.2.
# python-calamine is, beside openpyxl (a runtime dependency: the reports' XLSX data pack), a
# library benchmarks/xlsx_bench.py measures the XLSX reader against.
DEV_DEPS := 'pytest<9.1' pytest-xdist hypothesis schemathesis httpx2 mypy ruff import-linter \
	types-python-jose authlib psutil python-calamine types-openpyxl types-defusedxml playwright
LOCK_VENV := /tmp/qi-collaborative-lockvenv

.PHONY: install install-runtime venv run test test-all test-fast lint openapi spec-check bench bench-smoke lock clean

install venv: $(VENV)/.dev-installed
install-runtime: $(VENV)/.runtime-installed

# Stamp files, so repeated runs are fast; each is redone when its lock file or pyproject.toml
# changes. The runtime one is what the server needs; the dev one adds the test and lint tools.
$(VENV)/.runtime-installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -r requirements.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.lock
	$(BIN)/pip install -r requirements.lock -r requirements-dev.lock
	touch $@

run: install-runtime
	$(BIN)/qicollab serve --demo --host $(HOST) --port $(PORT)

# `test-all` is another name for `test`, which already runs everything, slow tests included.
test test-all: install
	$(PYTEST) $(PYTEST_ARGS)

test-fast: install
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The engine, then the dashboard on PostgreSQL (BENCH_DATABASE_URL, TEST_DATABASE_URL or the
# local server), then the real server's requests per second under wrk on SQLite and PostgreSQL.
bench: install
	$(BIN)/python benchmarks/spc_bench.py
	$(BIN)/python benchmarks/http_bench.py
	$(BIN)/python benchmarks/upload_bench.py
	$(BIN)/python benchmarks/workforce_bench.py
	$(BIN)/python benchmarks/csv_bench.py
	$(BIN)/python benchmarks/xlsx_bench.py
	$(BIN)/python benchmarks/survey_import_bench.py
	$(BIN)/python benchmarks/import_bench.py

# Every benchmark once on a tiny workload: it fails when a benchmark breaks, times nothing.
bench-smoke: install
	$(BIN)/python benchmarks/spc_bench.py --size tiny
	$(BIN)/python benchmarks/http_bench.py --size tiny
	$(BIN)/python benchmarks/upload_bench.py --size tiny
	$(BIN)/python benchmarks/workforce_bench.py --size tiny
	$(BIN)/python benchmarks/csv_bench.py --size tiny
	$(BIN)/python benchmarks/xlsx_bench.py --size tiny
	$(BIN)/python benchmarks/survey_import_bench.py --size tiny
	$(BIN)/python benchmarks/import_bench.py --size tiny

openapi: install
	$(BIN)/qicollab openapi > openapi/openapi.json.tmp
	mv openapi/openapi.json.tmp openapi/openapi.json

# The spec as clients meet it: Redocly lint, a strict TypeScript client (Node.js and npm; the
# tools are pinned in openapi/checks/package-lock.json). Reads openapi/openapi.json only.
spec-check:
	openapi/checks/run.sh

# Resolves the newest versions in a throwaway venv; dev tools may not move a runtime pin.
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install $(RUNTIME_DEPS)
	{ echo '# The runtime dependency closure, pinned (setuptools reads this file). Regenerate with `make lock`.'; \
	  $(LOCK_VENV)/bin/pip freeze --exclude-editable; } > requirements.lock
	$(LOCK_VENV)/bin/pip install -c requirements.lock $(DEV_DEPS)
	{ echo '# Test and lint tools: the dev closure minus requirements.lock, pinned. Regenerate with `make lock`.'; \
	  $(LOCK_VENV)/bin/pip freeze --exclude-editable | grep -vxiF -f requirements.lock; } > requirements-dev.lock
	rm -rf $(LOCK_VENV)

# Leaves the local database (qi-collaborative.db) alone.
clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
