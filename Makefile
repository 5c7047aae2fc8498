# Partner Confirm — every command sets itself up on a fresh machine (venv, packages, browser).
PYTHON ?= python3
PORT ?= 8000
PARTNER_TIMEOUT ?= 300
TOKEN_TTL ?= 600
# Seconds after the SMS when a silent partner is reminded once (empty: 60 % of PARTNER_TIMEOUT).
REMINDER_AFTER ?=
# Seconds a customer has to decide on a time the partner proposed (then it lapses).
DECISION_TIMEOUT ?= 120
LIMITS ?= on
STACK ?= dev

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup browser local ops test lint unit integration infra-test e2e reliability-test demo plan bench nlu reliability format clean

help:
	@echo "make local   run the whole product at http://127.0.0.1:$(PORT)/ (PORT, PARTNER_TIMEOUT, TOKEN_TTL, REMINDER_AFTER, DECISION_TIMEOUT, LIMITS=on|off)"
	@echo "make test    lint, then unit, integration, infra, end-to-end and reliability tests"
	@echo "make demo    play every scenario over HTTP against a local stack"
	@echo "make plan    STACK=dev|demo: the Pulumi program under mocks, offline"
	@echo "make bench   performance budgets side by side: prints a table, rewrites BENCHMARKS.md"
	@echo "make nlu     the intent step on bot/eval/'s messages: accuracy, precision, recall, confusion"
	@echo "make reliability  faults, races, forged links, load and API fuzz at full size, as a table"
	@echo "make ops     the operators' command line: make ops ARGS=\"--local requests --status Timeout\""

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced

# Browser tests drive Debian's Chromium (never a downloaded browser build) with Hangul fonts.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-nanum >/dev/null 2>&1; then \
		echo "Installing Debian's chromium and fonts-nanum for the browser tests..."; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	fi

local: setup
	$(RUN) -m local --port $(PORT) --partner-timeout $(PARTNER_TIMEOUT) --token-ttl $(TOKEN_TTL) --limits $(LIMITS) \
		--decision-timeout $(DECISION_TIMEOUT) \
		$(if $(REMINDER_AFTER),--reminder-after $(REMINDER_AFTER))

demo: setup
	$(RUN) -m local.demo

# The operators' command line (python -m ops --help): make ops ARGS="--local show <request id>"
ops: setup
	@$(RUN) -m ops $(ARGS)

plan: setup
	$(RUN) -m infra.offline.plan --stack $(STACK)

bench: setup
	$(RUN) -m bench

nlu: setup
	$(RUN) -m bot.eval

reliability: setup
	$(RUN) -m reliability

test: lint unit integration infra-test e2e reliability-test

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

unit: setup
	$(RUN) -m pytest tests/unit

integration: setup
	$(RUN) -m pytest tests/integration

infra-test: setup
	$(RUN) -m pytest tests/infra

e2e: setup browser
	$(RUN) -m pytest tests/e2e

reliability-test: setup
	$(RUN) -m pytest tests/reliability

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) build test-output .pytest_cache .ruff_cache
