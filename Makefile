# Two commands do everything on a fresh machine with Python 3.10+:
#   make app    create .venv, install recengine, open the Streamlit app on the bundled sample
#   make test   create .venv, install recengine and the test tools, run ruff and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: app test setup setup-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[all]"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -e ".[all,test]"
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

app: setup
	$(BIN)/recengine app --port $(PORT)

lint: setup-test
	$(BIN)/ruff check .

test: setup-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup
	for f in benchmarks/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
