# Two entry points: `make run` (embedded default with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export RSE_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test setup lint browser translations clean

run: setup
	$(BIN)/rse db upgrade
	$(BIN)/rse demo
	$(BIN)/rse search reindex
	$(BIN)/rse run --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup: $(VENV)/.installed node_modules/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile --use-fuzzy -d rse/translations

# Debian's Chromium drives the browser tests; no browser is downloaded.
browser:
	@command -v chromium >/dev/null 2>&1 || ( \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null )

# Refresh the French catalogue after changing user-facing strings.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o rse/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel -q update -i rse/translations/messages.pot -d rse/translations --ignore-obsolete --no-fuzzy-matching -w 100

clean:
	rm -rf $(VENV) node_modules instance
