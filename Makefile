# Every target sets itself up: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
CORPUS ?= ../shared/corpus

.PHONY: demo test lint unit conformance bench fuzz test-browser clean schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/exotls demo

test: $(STAMP) lint unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

conformance: $(STAMP)
	$(BIN)/python tests/conformance/check_corpus.py $(CORPUS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

# FUZZ_SECONDS is per target (6 targets); without atheris run.py falls back to its own mutation fuzzer.
fuzz: $(STAMP)
	$(BIN)/python -m pip install -q atheris || echo "atheris could not be installed: using the pure-Python fuzzer"
	$(BIN)/python tests/fuzz/run.py --seconds $${FUZZ_SECONDS:-60}

test-browser: $(STAMP)
	$(BIN)/python tests/browser/check_html.py

schema: $(STAMP)
	$(BIN)/exotls schema > docs/report.schema.json

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
