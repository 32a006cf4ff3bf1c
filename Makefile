# Planline: `make demo` runs the main job on the demo company, `make test` runs the tests.
# Both create the environment in .venv first (Python 3.11 and the locked dependencies).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
UV_VERSION := 0.13.9
export PATH := $(BIN):$(PATH)

.PHONY: setup browser demo recover test dbt-parse dbt-docs ui serve mlflow-ui contracts-docs bench lock clean

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, every process would
# otherwise compile dagster, dbt and great_expectations again (measured: 12.6 s -> 6.3 s to import
# great_expectations, 6.1 s -> 3.5 s for each dbt step's start).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Planline needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/python -m uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

setup: $(VENV)/.installed

# with the environment runs use, so that they can parse dbt partially (see parse_project)
dbt-parse: setup
	$(BIN)/python -m orchestration.settings_check
	$(BIN)/python -m orchestration.dbt_project

demo: dbt-parse
	$(BIN)/python -m orchestration.demo --scale demo

# Fail the runs whose worker died and free their pool slots: what make ui's daemon does by itself
recover: setup
	$(BIN)/python -m orchestration.settings_check
	$(BIN)/python -m orchestration.recovery

# The cockpit's tests load it in a real headless browser: Debian's chromium (apt, as root or
# through sudo) when the machine has none.
browser:
	@command -v chromium >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

test: dbt-parse browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# dagster dev on 127.0.0.1:$PLANLINE_UI_PORT (3000), once the settings are checked and the port is free,
# and the live service next to it on 127.0.0.1:$PLANLINE_SERVICE_PORT (8000)
ui: dbt-parse
	$(BIN)/python -m orchestration.ui

# The live service (intake, ATP to the second, order promising) on 127.0.0.1:$PLANLINE_SERVICE_PORT
# (8000); OpenAPI at /docs. make ui starts it too, next to Dagster. See docs/service.md.
serve: dbt-parse
	$(BIN)/python -m service

# MLflow's UI on the local tracking store (experiments, backtests, the model registry)
mlflow-ui: setup
	$(BIN)/python -m orchestration.mlflow_ui

# dbt's docs of the warehouse (every model, column, type, test and the lineage) on
# 127.0.0.1:$PLANLINE_DBT_DOCS_PORT (8080); needs a built warehouse (make demo or a data run)
dbt-docs: setup
	$(BIN)/python -m orchestration.dbt_docs

contracts-docs: setup
	$(BIN)/python -m data_contracts.docs

bench: dbt-parse
	$(BIN)/python -m bench.pipeline --scale demo

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: setup
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache
