# Routine tasks. `make serve` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser serve test lint format migrate seed schema bench bench-realtime audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)  ## serve the API with demo data on the embedded database
	$(BIN)/aura serve

browser:  ## Debian's chromium for the browser CORS test, installed when missing (apt, as root)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: $(STAMP) browser  ## run the whole test suite against a throwaway embedded PostgreSQL
	$(BIN)/pytest

lint: $(STAMP)  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check aura tests bench migrations
	$(BIN)/ruff format --check aura tests bench migrations
	$(BIN)/mypy aura

format: $(STAMP)
	$(BIN)/ruff check --fix aura tests bench migrations
	$(BIN)/ruff format aura tests bench migrations

migrate: $(STAMP)  ## upgrade the database to the latest revision
	$(BIN)/aura migrate

seed: $(STAMP)  ## load the demo data (make seed ARGS=--reset to reload)
	$(BIN)/aura seed $(ARGS)

schema: $(STAMP)  ## rewrite schema.graphql from the code
	$(BIN)/aura export-schema -o schema.graphql

bench: $(STAMP)  ## benchmarks (see bench/README.md)
	$(BIN)/python -m bench $(ARGS)

bench-realtime: $(STAMP)  ## subscription benchmark (see bench/README.md, Subscriptions)
	$(BIN)/python -m bench.realtime $(ARGS)

clean:
	rm -rf $(VENV) .aura .pytest_cache .mypy_cache .ruff_cache
