# Set-up and everyday tasks. `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
DEV_STAMP := $(VENV)/.installed-dev
# the survey's text (not in the repository), for the maintainer's own-words check
LRMKB_SURVEY_DIR ?= ../shared/survey
SURVEY := $(LRMKB_SURVEY_DIR)/survey.md
AWESOME := $(LRMKB_SURVEY_DIR)/awesome-list-README.md

.PHONY: demo test lint db check docs bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# the demo needs lrmkb and its run-time dependencies only
$(DEMO_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $(DEMO_STAMP)

# tests, linting and the maintainer targets need the dev extra too
$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/lrmkb --db data/survey.db search overthinking

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# maintainers: rebuild data/survey.db from seeds/, and check both (with the survey's text
# when it is beside the checkout, or where LRMKB_SURVEY_DIR says)
db: $(DEMO_STAMP)
	$(BIN)/lrmkb dev build --seeds seeds --output data/survey.db --force

check: $(DEMO_STAMP)
	$(BIN)/lrmkb --db data/survey.db dev check --seeds seeds \
		$(if $(wildcard $(SURVEY)),--survey $(SURVEY)) \
		$(if $(wildcard $(AWESOME)),--awesome $(AWESOME))

# regenerate README's example output and docs/cli.md from real runs (tests fail on drift)
docs: $(DEV_STAMP)
	$(BIN)/python tools/docgen.py --write

bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache dist build
