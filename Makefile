# Two commands do all set-up: `make demo` and `make test`. Only python3 (>= 3.11) and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "realpolitik needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml setup.py src/realpolitik/models/_kernels.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml setup.py src/realpolitik/models/_kernels.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/realpolitik demo
	$(BIN)/realpolitik brief afghanistan-2025 --out out/brief-afghanistan-2025
	@echo "The brief is at out/brief-afghanistan-2025/brief.html (open it in a browser; it works offline)."

test: $(STAMP_DEV)
	REALPOLITIK_REQUIRE_COMPILED=1 $(BIN)/python -m pytest
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

# The pytest-benchmark files (named explicitly: bench_*.py is not a test-file pattern), then the scripts; every
# figure goes into docs/benchmarks.md with its command.
bench: $(STAMP_DEV)
	$(BIN)/python -m pytest benchmarks/bench_bdm.py benchmarks/bench_smp.py benchmarks/bench_exchange.py \
		benchmarks/bench_lab.py --benchmark-only
	$(BIN)/python benchmarks/lab_throughput.py
	$(BIN)/python benchmarks/lab_memory.py bdm 5000 10000 20000 40000
	$(BIN)/python benchmarks/bench_lab_dask.py
	$(BIN)/python benchmarks/bench_events_ingest.py --rows 1000000 --threads 1
	$(BIN)/python benchmarks/bench_events_query.py --rows 10000000

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
