# Koers: `make run` starts the app on demo data; `make test` runs every test.
# Both create the virtual environment (.venv) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
# LAN=1: listen on every address, so a phone on the same network can open check-in links (a trial only:
# plain http on your network; see README "Trying it with a phone").
LAN ?=
ADDRESS := $(if $(LAN),0.0.0.0,127.0.0.1)
# Links start with KOERS_BASE_URL when it is set; else with this machine on PORT.
BASE_URL = $$($(BIN)/python scripts/base_url.py --port $(PORT) $(if $(LAN),--lan))

.PHONY: run link test lint bench clean

$(BIN)/koers: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The scheduler runs beside the dashboard and stops with it (Ctrl-C); both make links on the same address.
run: $(BIN)/koers
	$(BIN)/koers init
	$(BIN)/koers demo --if-empty
	@base="$(BASE_URL)" && export KOERS_BASE_URL="$$base" && \
	echo "Sign in at $$base as anne@koers.example or marc@koers.example, password koers-demo" && \
	echo "A client's check-in link, from another terminal: make link CLIENT=K-101 PORT=$(PORT)$(if $(LAN), LAN=1)" && \
	{ $(BIN)/koers scheduler & pid=$$!; trap 'kill $$pid 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/koers dashboard --port $(PORT) --address $(ADDRESS); }

# A fresh check-in link for CLIENT that opens on the dashboard `make run` serves (same PORT and LAN).
link: $(BIN)/koers
	@test -n "$(CLIENT)" || { echo "Say which client: make link CLIENT=K-101" >&2; exit 2; }
	@KOERS_BASE_URL="$(BASE_URL)" $(BIN)/koers link "$(CLIENT)"

test: $(BIN)/koers
	@bash scripts/ensure-chromium
	@bash scripts/ensure-oidc-provider
	@bash scripts/ensure-postgresql
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(BIN)/koers
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(BIN)/koers
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
