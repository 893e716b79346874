# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint typecheck check clean-var

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	$(PY) manage.py run_stack

test: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(INSTALLED)
	$(VENV)/bin/mypy bcrp partnerships offenders sharing incidents

check: lint typecheck
	$(PY) manage.py makemigrations --check --dry-run

# Stops nothing: stop `make run` first. Removes the embedded database, Redis data and uploads.
clean-var:
	rm -rf var
