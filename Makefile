# The project's vocabulary: run, test, lint, bench. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install run test lint format bench clean

$(STAMP): requirements.txt
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11)" 2>/dev/null || { echo "Python 3.11 est requis (trouvé : $(PYTHON))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

run: install
	mkdir -p var/celery
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_logins http://$(HOST):$(PORT)/
	@# The worker runs the beat schedule too (-B); both stop with the web server (Ctrl+C).
	@$(VENV)/bin/celery -A plie worker -B --pool=solo --loglevel=info --logfile=var/celery/worker.log & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  echo "Worker Celery (avec beat) démarré : journal dans var/celery/worker.log"; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# Benchmarks against PostgreSQL (BENCH_DATABASE_URL, default the local server's plie_bench).
bench: $(BENCH_STAMP)
	$(PY) tests/bench_run.py $(BENCH_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var db.sqlite3
