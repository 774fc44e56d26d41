# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench lint clean

$(PY_STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Serve the gateway and the app on 127.0.0.1:$${PORT:-8000} from the embedded store under var/.
## On the first start the store gets demo data and the demo logins are printed; DEMO=0 leaves it empty.
run: $(PY_STAMP)
	mkdir -p var
	$(VENV)/bin/flask --app wsgi demo seed
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## Install everything the tests need (Python and Node packages) and run the whole suite.
test: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m pytest

## Sync benchmark: our gateway against pouchdb-server and a server-less PouchDB baseline.
bench: $(PY_STAMP) $(NODE_STAMP)
	$(PY) bench/sync_bench.py

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) node_modules test-output
