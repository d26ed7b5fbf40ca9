# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VAR := var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint format bench drill keys migrate serve clean secrets

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml protocol/pyproject.toml protocol/setup.py | $(PY)
	$(PY) -m pip install --quiet -e './protocol[django]' -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo's own SECRET_KEY, YSJ_DATA_KEY and NODE_SECRET_KEY, generated once (mode 600); values set
# in the environment win. Production sets them in the environment and never uses this file.
SECRETS := $(VAR)/secrets.env
WITH_SECRETS := $(PY) -m ysj_portal.secrets_env $(SECRETS) --
secrets: install
	@$(PY) -m ysj_portal.secrets_env $(SECRETS)

keys: install secrets
	@mkdir -p $(VAR)/keys
	@test -f $(VAR)/keys/hub.key || $(WITH_SECRETS) $(PY) manage.py generate_sm2_keypair --out $(VAR)/keys/hub.key >/dev/null

migrate: install secrets
	$(WITH_SECRETS) $(PY) manage.py migrate --noinput

demo: install secrets keys migrate
	$(WITH_SECRETS) $(PY) manage.py load_demo --hub-url http://$(HOST):$(PORT)
	$(WITH_SECRETS) $(PY) -m ysj_portal.demo --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install secrets
	$(WITH_SECRETS) $(PY) benchmarks/run_all.py

# Mixed load over the whole chain, then faults under it (PostgreSQL on 127.0.0.1; its own Redis).
# DRILL_ARGS, e.g. "--minutes 5 --fault-seconds 60" or "--quick".
drill: install secrets
	$(WITH_SECRETS) $(PY) benchmarks/drill_mixed.py $(DRILL_ARGS)

clean:
	rm -rf $(VAR) .pytest_cache .hypothesis
