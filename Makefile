# Two commands from a fresh clone: `make run` (service + demo city) and `make test` (whole suite).
# Only Python 3.11+ and make are needed; everything else goes into .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
PYTEST_ARGS ?=
STAMP  := $(VENV)/.installed

.PHONY: run test install migrate demo lint format clean

run: migrate
	$(BIN)/flask --app app demo load --if-empty
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "zerodistance needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

migrate: install
	$(BIN)/flask --app app db upgrade

demo: migrate
	$(BIN)/flask --app app demo load --if-empty

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/zerodistance.sqlite3* .pytest_cache .ruff_cache
