# Sincerity — `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PERSONS ?= 300

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint bench bench-checks clean services

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the package with its dev tools

run: install ## initialise a SQLite node under var/, load a small demo, serve on 127.0.0.1:8000
	SINCERITY_ENV=development $(BIN)/sincerity init
	SINCERITY_ENV=development $(BIN)/sincerity demo --persons $(PERSONS) --seed 1
	SINCERITY_ENV=development $(BIN)/sincerity serve --host $(HOST) --port $(PORT)

services: ## make sure PostgreSQL answers (the tests need it)
	@bash .ci/services

test: install services ## run every test, on SQLite and PostgreSQL
	$(BIN)/python -m pytest

lint: install ## ruff, mypy --strict, import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sincerity tests bench
	$(BIN)/lint-imports

bench: install services ## measure ingestion against the raw insert rate; writes BENCHMARKS.md
	$(BIN)/python -m bench.ingest $(BENCH_ARGS)

bench-checks: install services ## checks, batches, list churn and recompute on 1M persons / 10M records; writes BENCHMARKS.md
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.checks $(BENCH_ARGS)

clean: ## remove the local node (var/) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
