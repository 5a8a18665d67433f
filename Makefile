# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Keep Prefect and GX offline and inside the project.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := False
# A slow machine's first start of a Prefect temporary server (tests, `pdv serve`) takes more than 20 s.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 180

.PHONY: setup run test lint clean bench console

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8
	@# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (CI images), every command would
	@# otherwise compile pandas and Prefect from source again, and `import prefect` takes 3.5 s, not 1.6 s.
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q pdv flows schemas >/dev/null
	@# Prefect's server database is created and migrated here, once, not inside the first run's start-up.
	$(BIN)/prefect server database upgrade -y >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pdv run

# The web console on the sample data (loaded first if the warehouse is missing); demo accounts printed once.
console: $(STAMP)
	test -e data/warehouse/warehouse.duckdb || $(BIN)/pdv run
	$(BIN)/pdv console --demo-accounts $(CONSOLE_ARGS)

test: $(STAMP)
	$(BIN)/pytest

# Performance at scale (not part of `make test`): bench/results/latest.{json,md}.
# BENCH_ARGS, e.g. `make bench BENCH_ARGS="--scale province"` or `--only floor,pipeline`.
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/console_upload.py

lint: $(STAMP)
	$(BIN)/ruff check pdv flows schemas tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .prefect data/warehouse/*
