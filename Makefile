# Two commands: `make run` (demo on embedded SQLite + filesystem broker) and `make test`
# (the whole suite on this machine's PostgreSQL and Redis).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test test-deep test-random screenshots lint format messages check-services chromium bench bench-billing wrk bench-api bench-rating bench-rating-daily bench-usage-pages clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var/celery/queue var/celery/processed var/celery/control var/media var/cdr-inbox/done
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_demo
	bin/run-dev

check-services: install
	$(BIN)/python bin/check-services

chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || { echo "ERROR: could not install chromium (apt-get install -y chromium needs root)"; exit 1; }; }

# The load generator of bench-api.
wrk:
	@test -x /usr/bin/wrk || { echo "Installing Debian's wrk for the API benchmark..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
	  || { echo "ERROR: could not install wrk (apt-get install -y wrk needs root)"; exit 1; }; }

# Two test processes that take each other's queued tests when one runs dry (worksteal): the
# transactional, worker and browser tests come last and are slow; handed out in chunks (xdist's
# default), they left one process idle for five minutes while the other ran them.
PYTEST_ARGS ?= -n 2 --dist worksteal
test: install check-services chromium
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python -m pytest $(PYTEST_ARGS)

# The fuzzers deeper than `make test` runs them: Schemathesis at 100 examples an operation of
# the partner API (15 in the suite), the rating properties at 400 examples (15).
test-deep: install check-services
	SCHEMATHESIS_EXAMPLES=100 RATING_PROPERTY_EXAMPLES=400 DJANGO_SETTINGS_MODULE=portal.settings.test \
	  $(BIN)/python -m pytest tests/api/test_schemathesis.py tests/usage/test_rating_properties.py $(PYTEST_ARGS)

# The whole suite in a random order (pytest-random-order): `make test-random SEED=1234`.
SEED ?= $(shell date +%s)
test-random: install check-services chromium
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python -m pytest --random-order-seed=$(SEED) $(PYTEST_ARGS)

# Browser tests write their screenshots under var/screenshots; this refreshes the README's.
screenshots: install check-services chromium
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots DJANGO_SETTINGS_MODULE=portal.settings.test \
	  $(BIN)/python -m pytest tests/e2e -q

bench-billing: install check-services
	$(BIN)/python bench/billing_run.py

# The partner API under gunicorn (issue 13): `make bench-api BENCH_API_ARGS="--quick"`.
bench-api: install check-services wrk
	$(BIN)/python bench/api_load.py $(BENCH_API_ARGS)

# Import and rating of a million call records on PostgreSQL (issue 15).
bench-rating: install check-services
	$(BIN)/python bench/rating.py $(BENCH_RATING_ARGS)

# A month of daily CDR files imported one after the other (issue 15).
bench-rating-daily: install check-services
	$(BIN)/python bench/rating_daily.py $(BENCH_RATING_DAILY_ARGS)

# The consumption page and the rated-calls API for an account with 100 000 calls (issue 15).
bench-usage-pages: install check-services
	$(BIN)/python bench/usage_pages.py $(BENCH_USAGE_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	$(BIN)/python manage.py makemessages -l fr --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var staticfiles .pytest_cache
