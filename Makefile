# The two commands a newcomer needs:  make up   (start everything)   and   make test   (run every test).
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
REPLICAS ?= 1

.PHONY: help system-deps env assets node-deps up test lint format bench test-integration \
	test-foundation test-users test-products test-orders test-router test-e2e test-browser test-chaos

help:
	@echo "make up      start every service on embedded PostgreSQL and Redis (Ctrl-C stops all)"
	@echo "make test    run the whole test suite (TEST_DATABASE_URL / BROKER_URL select real servers)"
	@echo "make lint    ruff and mypy (strict)"
	@echo "make assets  build the GraphiQL and Swagger UI (/docs) bundles from npm (make up does it when needed)"
	@echo "make test-foundation | test-users | test-products | test-orders | test-router   one service alone"
	@echo "make test-e2e | test-browser | test-chaos   the whole system (nginx, headless chromium, faults)"

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: bootstrapping uv $(UV_VERSION) into .tools/ with pip"
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# --compile-bytecode: the dependencies' .pyc written once here (17 s from nothing, then only what
# changed), so no process compiles them again when it starts: 2.5 -> 1.0 s per `router serve` start
# where Python may not write them itself (PYTHONDONTWRITEBYTECODE), as on the CI machines.
env: $(UV)
	$(UV) sync --frozen --compile-bytecode

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
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode
	@if [ ! -f router/server/assets/dist/swagger-ui/swagger-ui-bundle.js ]; then \
		$(MAKE) --no-print-directory assets; fi
	$(UV) run --frozen --no-dev marketplace up --replicas $(REPLICAS)

# `make test` runs the pipeline's stages in order and prints each one's duration: system packages,
# the environment, each service alone, then the whole system (tests/stages.py holds the stages' marker
# expressions; together they run every test exactly once). PYTEST_ARGS goes to every pytest run.
STAGES := $(UV) run python -m tests.stages

test:
	@t=$$SECONDS; $(MAKE) --no-print-directory system-deps && echo "=== stage system-deps: $$((SECONDS - t))s"
	@t=$$SECONDS; $(MAKE) --no-print-directory env node-deps && echo "=== stage env: $$((SECONDS - t))s"
	$(STAGES) -- $(PYTEST_ARGS)

# Debian packages the suite needs (nginx, chromium): installed when missing and running as root.
system-deps:
	@sh scripts/system-deps.sh

# The integration tests alone (.ci/run runs them once more on the embedded servers).
test-integration: env node-deps
	$(UV) run pytest -m integration $(PYTEST_ARGS)

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy .

format: env
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

test-foundation test-users test-products test-orders: env
	$(STAGES) $(@:test-%=%) -- $(PYTEST_ARGS)

test-router: env node-deps
	$(STAGES) router -- $(PYTEST_ARGS)

test-e2e: system-deps env node-deps
	$(STAGES) e2e browser chaos -- $(PYTEST_ARGS)

test-browser test-chaos: system-deps env node-deps
	$(STAGES) $(@:test-%=%) -- $(PYTEST_ARGS)

bench: env node-deps
	$(UV) run python bench/router.py
	$(UV) run python bench/orders_spike.py
