# Masthead: the two commands.
#   make run   set everything up and serve the demo on http://127.0.0.1:8000
#   make test  set everything up and run the whole test suite

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The database the suite's database tests also run against (CI has it).
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/masthead
# Parallel test processes for the quick loop (pytest-xdist); "auto" is one per core.
TEST_WORKERS ?= auto

.PHONY: run test setup lint clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Masthead needs Python 3.11; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: export DEBUG ?= true
# The address the demo is served at, so its links (canonical, feeds, sitemaps,
# admin emails) lead back to it; set BASE_URL to override.
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py set_site_address
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py runserver --nostatic $(HOST):$(PORT)

# Database tests run on PostgreSQL first (skipped, with the reason, when it is
# unreachable outside CI), then the quick loop on SQLite, both in parallel;
# then, one at a time, the browser tests and the tests that start real servers
# (they share ports, databases and a Redis among themselves).
test: $(STAMP)
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -n $(TEST_WORKERS) -m "django_db and not e2e and not servers" -p no:cacheprovider
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not e2e and not servers"
	$(BIN)/pytest -m "e2e or servers"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
