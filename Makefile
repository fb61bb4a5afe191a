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
# Tests are handed to workers one at a time, in order (the longest first, see
# tests/conftest.py): xdist's default hands each worker a block of a quarter
# of its share at the start, which put every long walk on the same worker.
# (Not `--dist worksteal`: a stolen block runs out of order, plain database
# tests after transactional ones that emptied the tables.)
TEST_SCHEDULE ?= --maxschedchunk 1
# FULL=1 runs the heavy tests too (every admin and route walk in-process, the
# servers' crash tests), as CI (CI=true) always does; without it a laptop's
# `make test` skips them and says so.
FULL ?=

.PHONY: run test setup lint messages clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Masthead needs Python 3.11; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: export DEBUG ?= true
# The demo in English, and in Arabic and French under /ar/ and /fr/.
run: export SITE_LANGUAGES ?= en,ar,fr
# The address the demo is served at, so its links (canonical, feeds, sitemaps,
# admin emails) lead back to it; set BASE_URL to override.
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py set_site_address
	$(BIN)/python manage.py ensure_admin
	@# The background worker (newsletter sends) beside the server, stopped with it.
	@$(BIN)/python manage.py db_worker --backend background --queue-name newsletters & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/python manage.py runserver --nostatic $(HOST):$(PORT)

# Every migration is run once per backend, into a template database each
# test database is copied from (tests/templates.py; dropped at the end): the
# SQLite one in the background while the first PostgreSQL worker makes the
# PostgreSQL one (the other waits for it). Python may keep the bytecode it
# compiles (__pycache__, ignored by git) for the hundred-odd processes a run
# starts. Then the database tests run on PostgreSQL (skipped,
# with the reason, when it is unreachable outside CI), then everything on
# SQLite — the quick loop, the browser tests and the tests that start real
# servers — all in parallel: the deployment suites run one at a time on one
# worker (they share a seed and a Redis database), the adversarial server's
# on one too (groups by path in tests/conftest.py, `--dist loadgroup`, the
# groups handed out first), and every other test goes to whichever worker is
# free.
# Outside CI the heavy tests are skipped unless FULL=1 (see above).
test: $(STAMP)
	@templates=$$(mktemp -d -t masthead-templates-XXXXXX); builder=; \
	trap 'kill $$builder 2>/dev/null || :; $(BIN)/python -m tests.templates drop "$$templates" || :' EXIT; \
	trap 'exit 130' INT TERM; \
	export MASTHEAD_TEST_TEMPLATES="$$templates" PYTHONDONTWRITEBYTECODE= MASTHEAD_FULL_SUITE="$(FULL)"; \
	set -ex; \
	$(BIN)/python -m tests.templates build "$$templates" & builder=$$!; \
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -n $(TEST_WORKERS) $(TEST_SCHEDULE) -m "django_db and not e2e and not servers" -p no:cacheprovider; \
	wait $$builder; builder=; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The words readers see, gathered for translators into
# masthead/locale/<code>/LC_MESSAGES/django.po (what is translated stays) and
# compiled to django.mo, which is committed: running the site needs no
# gettext tools, gathering does (Debian: apt-get install gettext). The
# admin's own screens are not gathered: editors read them in Wagtail's
# languages. MESSAGES_DIR lets the suite gather from a copy.
MESSAGES_DIR ?= masthead
MESSAGE_LANGUAGES ?= ar fr
MESSAGE_IGNORE := --ignore 'insights/*' --ignore 'importing/*' --ignore 'offers/templates/offers/*' \
	--ignore '*/templates/*/admin/*' --ignore '*/migrations/*' --ignore 'static/*'
messages: $(STAMP)
	cd $(MESSAGES_DIR) && $(abspath $(BIN))/python $(abspath manage.py) makemessages \
		$(foreach code,$(MESSAGE_LANGUAGES),-l $(code)) --add-location file --no-obsolete $(MESSAGE_IGNORE)
	for po in $(MESSAGES_DIR)/locale/*/LC_MESSAGES/django.po; do \
		msgfmt --check-format -o $${po%.po}.mo $$po || exit 1; done

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
