# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
WEB_STAMP := web/dist/.built
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WEB_SOURCES := web/build.mjs web/icons.mjs $(shell find web/src -type f 2>/dev/null)

.PHONY: run test bench bench-scope bench-devices lint clean

$(PY_STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The web app (web/src -> web/dist, served by server/web.py); rebuilt only when a source changed.
$(WEB_STAMP): $(NODE_STAMP) $(WEB_SOURCES)
	node web/build.mjs
	touch $@

# The browser tests drive Debian's Chromium; nothing downloads a browser of its own.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core

## Serve the gateway and the app on 127.0.0.1:$${PORT:-8000} from the embedded store under var/.
## On the first start the store gets demo data and the demo logins are printed; DEMO=0 leaves it empty.
run: $(PY_STAMP) $(WEB_STAMP)
	mkdir -p var
	$(VENV)/bin/flask --app wsgi demo seed
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## Install everything the tests need (Python and Node packages) and run the whole suite.
test: $(PY_STAMP) $(NODE_STAMP) $(WEB_STAMP) $(CHROMIUM)
	$(PY) -m pytest

## Sync benchmark: our gateway against pouchdb-server and a server-less PouchDB baseline.
bench: $(PY_STAMP) $(NODE_STAMP)
	$(PY) bench/sync_bench.py

## Sync with access control on: a volunteer's scope pull against database size, and a volunteer's
## push/pull against pouchdb-server.
bench-scope: $(PY_STAMP) $(NODE_STAMP)
	$(PY) bench/scope_bench.py

## Many devices: D live PouchDB tablets against our gateway and pouchdb-server (10, 50, 100, 300),
## then idle feeds and hostile clients against ours (bench/crowd_bench.py).
bench-devices: $(PY_STAMP) $(NODE_STAMP)
	$(PY) bench/devices_bench.py
	$(PY) bench/crowd_bench.py

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules test-output web/dist
