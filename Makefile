# The two commands a newcomer needs:  make up   (start everything)   and   make test   (run every test).
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
REPLICAS ?= 1

.PHONY: help env assets node-deps up test lint format test-foundation test-users test-products test-orders test-router bench

help:
	@echo "make up      start every service on embedded PostgreSQL and Redis (Ctrl-C stops all)"
	@echo "make test    run the whole test suite (TEST_DATABASE_URL / BROKER_URL select real servers)"
	@echo "make lint    ruff and mypy (strict)"
	@echo "make assets  build the GraphiQL and Swagger UI (/docs) bundles from npm (make up does it when needed)"
	@echo "make test-users | test-products | test-orders | test-router | test-foundation"

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: bootstrapping uv $(UV_VERSION) into .tools/ with pip"
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

env: $(UV)
	$(UV) sync --frozen

# The browser bundles of GraphiQL and Swagger UI (/docs), from the npm registry: all that running needs.
assets:
	@if command -v npm >/dev/null; then \
		npm ci --prefix router/server/assets --ignore-scripts --no-audit --no-fund --loglevel=error && \
		(cd router/server/assets && node build.mjs); \
	else echo "npm not found: GraphiQL and /docs load their assets from a CDN"; fi

# For the tests, also Apollo's composition and gateway (the test oracle).
node-deps: assets
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/apollo --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: Apollo oracle tests need Node.js"; fi

# Running needs no dev group (tests, linters): --no-dev, and --inexact keeps it if `make test` installed it.
up: $(UV)
	$(UV) sync --frozen --no-dev --inexact
	@if [ ! -f router/server/assets/dist/swagger-ui/swagger-ui-bundle.js ]; then \
		$(MAKE) --no-print-directory assets; fi
	$(UV) run --frozen --no-dev marketplace up --replicas $(REPLICAS)

test: env node-deps
	@sh scripts/system-deps.sh
	$(UV) run pytest $(PYTEST_ARGS)

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy .

format: env
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

test-foundation: env
	$(UV) run pytest -m foundation $(PYTEST_ARGS)

test-users: env
	$(UV) run pytest -m users $(PYTEST_ARGS)

test-products: env
	$(UV) run pytest -m products $(PYTEST_ARGS)

test-orders: env
	$(UV) run pytest -m orders $(PYTEST_ARGS)

test-router: env node-deps
	$(UV) run pytest -m router $(PYTEST_ARGS)

bench: env node-deps
	$(UV) run python bench/router.py
	$(UV) run python bench/orders_spike.py
