# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VAR := var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint format bench keys migrate serve clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml protocol/pyproject.toml protocol/setup.py | $(PY)
	$(PY) -m pip install --quiet -e './protocol[django]' -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

keys: install
	@mkdir -p $(VAR)/keys
	@test -f $(VAR)/keys/hub.key || $(PY) manage.py generate_sm2_keypair --out $(VAR)/keys/hub.key >/dev/null

migrate: install
	$(PY) manage.py migrate --noinput

demo: install keys migrate
	$(PY) manage.py load_demo
	$(PY) -m ysj_portal.demo --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VAR) .pytest_cache .hypothesis
