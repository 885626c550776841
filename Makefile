# Two commands do all the setup on a fresh machine (Python 3.11+ with venv):
#   make demo   - virtual environment, install, migrate ./boostloop.db, load the simulated workspace once, serve
#   make test   - virtual environment with the test extras, then the whole suite
# Versions come from constraints.txt (a lock of every direct and transitive dependency).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
# The installer itself is pinned too.
UV_VERSION := 0.13.8
PYTEST_ARGS ?=

.PHONY: demo test serve lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed-demo: pyproject.toml constraints.txt | $(BIN)/python
	$(UV) pip install --quiet --python $(BIN)/python -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(UV) pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed-demo

demo: $(VENV)/.installed-demo
	$(BIN)/boostloop demo

serve: $(VENV)/.installed-demo
	$(BIN)/boostloop serve

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-pin every dependency after editing pyproject.toml.
lock: | $(BIN)/python
	$(UV) pip compile --quiet pyproject.toml --extra test --extra spark -o constraints.txt --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info src/*.egg-info
