# 清廉学堂 — the two set-up commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install setup migrate demo lint format messages bench bench-compare soak clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required" or 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) manage.py compile_translations

setup: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/), with the background-task worker"
	PY=$(PY) sh bin/run-dev $(HOST):$(PORT)

test: install messages
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djhtml --check site/templates */templates

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djhtml site/templates */templates

bench: install
	$(PY) -m bench

# Side by side with a stock Wagtail form-builder site (docs/benchmarks.md); needs wrk.
bench-compare: install
	$(PY) -m bench compare $(COMPARE_ARGS)

# A bounded 10-minute mixed load on loopback (docs/benchmarks.md, "Soak"); needs REDIS_URL.
soak: install messages
	$(PY) -m bench soak --minutes 10 $(SOAK_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
