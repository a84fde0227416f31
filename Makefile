# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DB     ?= cleartrial.db
DATA   ?=
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Browser tests: Debian's Chromium (no browser download) and axe-core from npm.
CHROMIUM    ?= /usr/bin/chromium
AXE_VERSION := 4.11.0
AXE         := $(VENV)/npm/node_modules/axe-core/axe.min.js

.PHONY: run test bench install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (apt-get)…"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm axe-core@$(AXE_VERSION)

browser: $(CHROMIUM) $(AXE)

run: $(STAMP)
	$(BIN)/cleartrial --db $(DB) start $(if $(DATA),--data $(DATA),)
	$(BIN)/cleartrial --db $(DB) serve --host $(HOST) --port $(PORT)

test: $(STAMP) browser
	CLEARTRIAL_CHROMIUM=$(CHROMIUM) CLEARTRIAL_AXE=$(AXE) $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
