# workshelf-infra: environments as code. The README explains every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
# Targets run the virtualenv's tools and the Pulumi CLI that `make setup` installed there.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PULUMI_SKIP_UPDATE_CHECK ?= true
# Compiled bytecode goes to a cache outside the repository (no __pycache__ in the tree), and is
# reused: every `pulumi` command starts Python processes that import infra/, and compiling it from
# source each time costs ~0.3 s per process (measured by `make bench`).
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX ?= $(or $(WORKSHELF_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/workshelf-infra)/pycache

.PHONY: help setup onboard test check lint typecheck test-fast test-e2e status dev-down dev-reset dev-destroy emulator bench bench-cli rehearse rehearse-down

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup:  ## virtualenv + pinned requirements + Pulumi CLI (found on PATH or built once, cached outside the repo)
	@bash scripts/setup.sh

onboard: setup  ## THE main job: a working local database for you and DATABASE_URL in .env
	@$(PY) -m infra onboard $(ARGS)

status: setup  ## state of your local dev database (ARGS="-o json" or "-o env")
	@$(PY) -m infra status $(ARGS)

dev-down: setup  ## stop your local dev database (data is kept)
	@$(PY) -m infra dev down

dev-reset: setup  ## wipe and recreate your local dev database (asks first; ARGS=--yes to skip)
	@$(PY) -m infra dev reset $(ARGS)

dev-destroy: setup  ## remove your local dev database and its data (asks first; ARGS=--yes to skip)
	@$(PY) -m infra dev destroy $(ARGS)

lint: setup  ## ruff (lint and format check), and actionlint on the workflows
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m infra.toolchain.actionlint .github/workflows

typecheck: setup  ## mypy --strict on infra/ and neon_emulator/
	@$(PY) -m mypy

check: lint typecheck  ## the fast loop: lint, types and the fast tests (no servers, no Pulumi CLI)
	@$(PY) -m pytest -q -m "not e2e"

test: lint typecheck  ## the whole suite, end-to-end tests included (what CI runs)
	@WORKSHELF_REQUIRE_E2E=1 $(PY) -m pytest -q

rehearse: setup  ## staging and production on the Neon emulator (own PostgreSQL, throwaway state); prints what to try
	@$(PY) -m infra rehearse up $(ARGS)

rehearse-down: setup  ## stop the rehearsal's emulator and PostgreSQL and delete it all
	@$(PY) -m infra rehearse down $(ARGS)

emulator: setup  ## run the Neon emulator on 127.0.0.1:8787 (ARGS for more flags)
	@$(PY) -m neon_emulator --port 8787 $(ARGS)

bench: setup  ## benchmarks (print figures): operation waits against the emulator; the real CLI's up and preview; migration-lint over 50 revisions
	@$(PY) -m benchmarks.neon_operations $(ARGS)
	@$(PY) -m benchmarks.pulumi_cli
	@$(PY) -m benchmarks.migration_lint

bench-cli: setup  ## only the real-CLI benchmark: `pulumi up` from empty and a no-op preview (ARGS="--phases")
	@$(PY) -m benchmarks.pulumi_cli $(ARGS)
