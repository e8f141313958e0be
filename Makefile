# One entry point. Every target sets itself up first, so each works on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
DEMO   := demo-data

.PHONY: setup demo test lint bench fuzz clean

# Bytecode is written here, once per change: where PYTHONDONTWRITEBYTECODE is set,
# every `sourcing` start would otherwise compile the project's modules again (~0.1 s).
setup: $(STAMP)
	$(BIN)/python -m compileall -q dsl engine simulations rulesets cli service studio bench > /dev/null

# The engine's kernels are compiled on install: a change to one installs again.
$(STAMP): pyproject.toml setup.py engine/kernel.pyx engine/return_kernel.pyx
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

# Demo data is generated once (deterministic), then the studio serves it on PORT.
demo: setup
	test -d $(DEMO) || $(BIN)/sourcing demo-data --out $(DEMO)
	$(BIN)/sourcing rulesets demo
	SOURCING_DATA_DIR=$(DEMO) sh scripts/serve-studio.sh $(BIN) $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	sh scripts/system-packages.sh
	$(BIN)/python -m pytest -n auto

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m bench

# The tests marked `fuzz`, with the `fuzz` hypothesis profile (many fresh examples,
# no deadline), run again and again for FUZZ_MINUTES; the first failure stops it.
# Failing examples stay in .hypothesis/ and are tried first on the next run.
FUZZ_MINUTES ?= 10
fuzz: setup
	sh scripts/fuzz.sh $(BIN) $(FUZZ_MINUTES)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
