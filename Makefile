# Koers: `make run` starts the app on demo data; `make test` runs every test.
# Both create the virtual environment (.venv) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint bench clean

$(BIN)/koers: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# The scheduler runs beside the dashboard and stops with it (Ctrl-C).
run: $(BIN)/koers
	$(BIN)/koers init
	$(BIN)/koers demo --if-empty
	@echo "Sign in at http://localhost:$(PORT) as anne@koers.example or marc@koers.example, password koers-demo"
	$(BIN)/koers scheduler & pid=$$!; trap 'kill $$pid 2>/dev/null' EXIT INT TERM; $(BIN)/koers dashboard --port $(PORT)

test: $(BIN)/koers
	@bash scripts/ensure-chromium
	@bash scripts/ensure-oidc-provider
	@bash scripts/ensure-postgresql
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(BIN)/koers
	$(BIN)/ruff check .

bench: $(BIN)/koers
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
