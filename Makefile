# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint typecheck check bench clean-var

# pip reports each package as it goes: the first install takes a few minutes.
$(INSTALLED): pyproject.toml
	@echo "== Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "== Updating pip"
	$(PY) -m pip install --quiet --upgrade pip
	@echo "== Installing the platform and its dependencies (a few minutes the first time)"
	$(PY) -m pip install ".[dev]"
	touch $(INSTALLED)
	@echo "== Installed"

# The demo signs in with a password only; set TWO_FACTOR_ROLES=admin,police to try two-factor.
run: $(INSTALLED)
	TWO_FACTOR_ROLES="$${TWO_FACTOR_ROLES-}" $(PY) manage.py run_stack

test: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The django-stubs plugin loads the settings, which start nothing and connect nowhere.
# The ground floor and the wiring pass --strict as well (the first run checks what they import).
typecheck: $(INSTALLED)
	$(VENV)/bin/mypy config bcrp photos partnerships offenders sharing incidents bulletins devtools
	$(VENV)/bin/mypy --strict --follow-imports=silent config bcrp photos

# Import contracts (pyproject's [tool.importlinter]): layers point one way, no import cycles.
check: lint typecheck
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

# Seeds a network in its own database (never the demo data) at two sizes and prints figures;
# the same figures go to var/bench/dataview.json.
bench: $(INSTALLED)
	BCRP_EMBEDDED_DB=bcrp_bench_small $(PY) manage.py migrate --verbosity 0
	CELERY_QUEUE=bench BCRP_EMBEDDED_DB=bcrp_bench_small $(PY) manage.py bench_dataview --label small \
		--partnerships 40 --profiles-per 500 --hub-profiles 2400 --mid-peers 8
	BCRP_EMBEDDED_DB=bcrp_bench_large $(PY) manage.py migrate --verbosity 0
	CELERY_QUEUE=bench BCRP_EMBEDDED_DB=bcrp_bench_large $(PY) manage.py bench_dataview --label large \
		--partnerships 200 --profiles-per 500 --hub-profiles 11800 --mid-peers 15
	BCRP_EMBEDDED_DB=bcrp_bench_pack $(PY) manage.py migrate --verbosity 0
	CELERY_QUEUE=bench BCRP_EMBEDDED_DB=bcrp_bench_pack $(PY) manage.py bench_pack
	BCRP_EMBEDDED_DB=bcrp_bench_audit $(PY) manage.py migrate --verbosity 0
	BCRP_EMBEDDED_DB=bcrp_bench_audit $(PY) manage.py bench_audit
	BCRP_EMBEDDED_DB=bcrp_bench_match $(PY) manage.py migrate --verbosity 0
	CELERY_QUEUE=bench BCRP_EMBEDDED_DB=bcrp_bench_match $(PY) manage.py bench_matcher

# The large bench network in its own database (seeding takes 5 to 7 minutes), served by gunicorn
# (4 workers), two Celery workers and beat; Locust at 10 then 50 users while a worker is killed and
# Redis crashes. Prints what it measured (also var/bench/loadtest.json).
# A quicker run on a small network: LOADTEST_ARGS="--partnerships 40 --hub-profiles 2400 --duration 30"
.PHONY: loadtest
loadtest: $(INSTALLED)
	BCRP_EMBEDDED_DB=bcrp_loadtest $(PY) manage.py migrate --verbosity 0
	CELERY_QUEUE=loadtest BCRP_EMBEDDED_DB=bcrp_loadtest $(PY) manage.py loadtest $(LOADTEST_ARGS)

# Stops nothing: stop `make run` first. Removes the embedded database, Redis data and uploads.
clean-var:
	rm -rf var
